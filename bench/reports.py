"""Reports over a big history: how long a 30-day report takes with 100,000 tasks and about
500,000 events, on SQLite and on PostgreSQL.

Builds the history straight into the database with bulk inserts (tasks received evenly over
the last year, each with the events a day of support leaves: created, taken into work,
comments, postponed and back, transfers, escalations taken from the queue, handovers,
resolved, some reopened), then derives the reports' projection from the event log with
`wesup.reports.history.rebuild` (timed: it is what `flask --app wesup report-rebuild` and the
migration do), then times, for the last 30 team days and for 30 days in the middle of the
year, `build_report` for each breakdown (first run, then the median of five), the drill-down
of the total's received tasks, the XLSX (four breakdowns and the task list), and what the
projection adds to one write (`history.follow` of one task).

    .venv/bin/python bench/reports.py                              # SQLite in a temp dir
    .venv/bin/python bench/reports.py --database-url postgresql://postgres@127.0.0.1:5432/bench_reports
    .venv/bin/python bench/reports.py --tasks 10000                # a quick look

A PostgreSQL database named in --database-url is created when missing and emptied (its
schema dropped) first. Writes bench/results/reports-<time>.json (git-ignored) and prints a
summary. Uses 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import psycopg2  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from wesup import create_app  # noqa: E402
from wesup.directories.service import seed_defaults  # noqa: E402
from wesup.enums import ReportBreakdown, Role  # noqa: E402
from wesup.extensions import db  # noqa: E402
from wesup.models import Chat, Group, Status, Task, TaskEvent, User  # noqa: E402
from wesup.reports import exports, history, service  # noqa: E402
from wesup.timeutil import Period, today  # noqa: E402

AGENTS, LINES, CHATS = 30, 3, 20
ZONE = "Europe/Moscow"
CHUNK = 5000
NO_SIGN_IN = "!"  # no hash matches it: nobody signs in to the bench's database


def prepare_postgres(url: str) -> None:
    """Create the database when missing, then drop its schema."""
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class History:
    """Tasks and their events, generated with a fixed seed."""

    def __init__(self, tasks: int, now: datetime, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.count = tasks
        self.now = now
        self.tasks: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def build(
        self,
        people: list[int],
        lead: int,
        lines: list[tuple[int, list[int]]],
        chats: list[int],
        statuses: dict[str, list[dict[str, Any]]],
    ) -> None:
        rand = self.random
        year = timedelta(days=365)
        names = {person: f"Agent {person}" for person in people}
        for index in range(1, self.count + 1):
            # evenly over the year that ends an hour ago (the newest have begun their day)
            received = self.now - timedelta(hours=1) - year + year * (index - 0.5) / self.count
            received = received.replace(microsecond=0)
            chat = rand.choice(chats) if rand.random() < 0.9 else None
            line, members = rand.choice(lines)
            queued = rand.random() < 0.3
            agent = None if queued else rand.choice(people)
            group = line if (queued or rand.random() < 0.5) else None
            status = statuses["new"][0]
            at = received + timedelta(minutes=rand.randint(0, 5))
            steps: list[tuple[str, datetime, int, dict[str, Any]]] = []
            state = {"status": status, "agent": agent, "group": group, "chat": chat}

            def step(
                kind: str, moment: datetime, actor: int, steps=steps, state=state, **change: Any
            ) -> datetime:
                state.update(change)
                steps.append((kind, moment, actor, dict(state)))
                return moment

            step("task.created", at, lead if queued else (agent or lead))
            age = self.now - received
            if queued:
                at = step(
                    "task.taken",
                    at + timedelta(minutes=rand.randint(1, 90)),
                    rand.choice(members),
                    agent=rand.choice(members),
                )
            owner = state["agent"]
            if rand.random() < 0.85 or age > timedelta(days=2):
                at = step(
                    "task.status",
                    at + timedelta(minutes=rand.randint(1, 120)),
                    owner,
                    status=statuses["active"][0],
                )
            if rand.random() < 0.3:
                at = step("task.commented", at + timedelta(minutes=rand.randint(1, 60)), owner)
            if rand.random() < 0.15:
                at = step(
                    "task.status",
                    at + timedelta(minutes=rand.randint(5, 240)),
                    owner,
                    status=rand.choice(statuses["postponed"]),
                )
                at = step(
                    "task.status",
                    at + timedelta(hours=rand.randint(1, 30)),
                    owner,
                    status=statuses["active"][0],
                )
            if rand.random() < 0.08:
                other = rand.choice(people)
                at = step(
                    "task.transferred",
                    at + timedelta(minutes=rand.randint(5, 300)),
                    owner,
                    agent=other,
                )
                owner = other
            if rand.random() < 0.06:
                line, members = rand.choice(lines)
                at = step(
                    "task.transferred",
                    at + timedelta(minutes=rand.randint(5, 300)),
                    owner,
                    agent=None,
                    group=line,
                )
                owner = rand.choice(members)
                at = step(
                    "task.taken", at + timedelta(minutes=rand.randint(1, 120)), owner, agent=owner
                )
            if rand.random() < 0.05:
                other = rand.choice(people)
                at = step(
                    "task.handed_over",
                    at + timedelta(hours=rand.randint(1, 12)),
                    owner,
                    agent=other,
                )
                owner = other
            resolved = None
            if age > timedelta(hours=rand.randint(2, 72)):
                done = statuses["done"][0] if rand.random() < 0.9 else statuses["done"][-1]
                at = step(
                    "task.status", at + timedelta(minutes=rand.randint(10, 600)), owner, status=done
                )
                resolved = at
                if rand.random() < 0.05:
                    at = step(
                        "task.status",
                        at + timedelta(hours=rand.randint(1, 48)),
                        owner,
                        status=statuses["active"][0],
                    )
                    at = step(
                        "task.status", at + timedelta(hours=rand.randint(1, 24)), owner, status=done
                    )
                    resolved = at
            if rand.random() < 0.5:
                at = step("task.commented", at + timedelta(minutes=rand.randint(1, 30)), owner)
            steps = [item for item in steps if item[1] <= self.now]
            if resolved is not None and resolved > self.now:
                resolved = None
            final = steps[-1][3]
            if final["status"]["category"] != "done":
                resolved = None
            self.tasks.append(
                {
                    "id": index,
                    "title": f"Request {index}",
                    "description": "",
                    "chat_id": final["chat"],
                    "status_id": final["status"]["id"],
                    "agent_id": final["agent"],
                    "group_id": final["group"],
                    "received_at": received,
                    "resolved_at": resolved,
                    "created_at": received,
                    "updated_at": steps[-1][1],
                    "deleted_at": None,
                    "last_comment": None,
                    "version": len(steps),
                }
            )
            previous: dict[str, Any] | None = None
            for kind, moment, actor, after in steps:
                task = {
                    "id": index,
                    "title": f"Request {index}",
                    "chat": {"id": after["chat"], "name": f"Chat {after['chat']}"}
                    if after["chat"]
                    else None,
                    "status": after["status"],
                    "agent": {"id": after["agent"], "name": names.get(after["agent"], "")}
                    if after["agent"]
                    else None,
                    "group": {
                        "id": after["group"],
                        "name": f"Line {after['group']}",
                        "color": "#1e88e5",
                    }
                    if after["group"]
                    else None,
                    "received_at": received.isoformat(),
                    "version": 1,
                }
                moved = previous is not None and (
                    previous["agent"] != after["agent"] or previous["group"] != after["group"]
                )
                self.events.append(
                    {
                        "kind": kind,
                        "task_id": index,
                        "agent_id": after["agent"],
                        "previous_agent_id": previous["agent"] if moved and previous else None,
                        "group_id": after["group"],
                        "previous_group_id": previous["group"] if moved and previous else None,
                        "actor_id": actor,
                        "created_at": moment,
                        "data": {"task": task},
                    }
                )
                previous = after


def build(url: str, tasks: int) -> tuple[Any, dict[str, Any]]:
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE": None,
            "TIMEZONE": ZONE,
        }
    )
    figures: dict[str, Any] = {}
    with app.app_context():
        db.create_all()
        seed_defaults("en")
        db.session.add(
            Status(name="Waiting for client", color="#607d8b", category="postponed", position=5)
        )
        db.session.add(Status(name="Won't fix", color="#607d8b", category="done", position=6))
        lead = User(login="lead", name="Lead", role=Role.LEAD, password_hash=NO_SIGN_IN)
        agents = [
            User(login=f"agent{i}", name=f"Agent {i}", role=Role.AGENT, password_hash=NO_SIGN_IN)
            for i in range(AGENTS)
        ]
        db.session.add_all([lead, *agents])
        db.session.flush()
        groups = []
        for number in range(LINES):
            members = agents[number * 10 : (number + 1) * 10]
            group = Group(
                name=f"Line {number + 1}", color="#1e88e5", position=number, members=members
            )
            groups.append(group)
        db.session.add_all(groups)
        chats = [Chat(name=f"Chat {i}", note="") for i in range(CHATS)]
        db.session.add_all(chats)
        db.session.commit()
        statuses: dict[str, list[dict[str, Any]]] = {}
        for status in db.session.scalars(sa.select(Status).order_by(Status.position)):
            statuses.setdefault(status.category, []).append(
                {
                    "id": status.id,
                    "name": status.name,
                    "color": status.color,
                    "category": status.category,
                }
            )
        generated = History(tasks, datetime.now(UTC).replace(microsecond=0))
        started = time.perf_counter()
        generated.build(
            [agent.id for agent in agents],
            lead.id,
            [(group.id, [member.id for member in group.members]) for group in groups],
            [chat.id for chat in chats],
            statuses,
        )
        figures["generate_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for start in range(0, len(generated.tasks), CHUNK):
            db.session.execute(sa.insert(Task), generated.tasks[start : start + CHUNK])
        for start in range(0, len(generated.events), CHUNK):
            db.session.execute(sa.insert(TaskEvent), generated.events[start : start + CHUNK])
        db.session.commit()
        figures["insert_s"] = round(time.perf_counter() - started, 1)
        figures["tasks"] = len(generated.tasks)
        figures["events"] = len(generated.events)
        started = time.perf_counter()
        history.rebuild()
        figures["rebuild_s"] = round(time.perf_counter() - started, 1)
        db.session.execute(sa.text("ANALYZE"))  # both databases: plan with today's statistics
        db.session.commit()
        figures["spans"] = db.session.scalar(sa.text("SELECT count(*) FROM task_spans"))
        figures["marks"] = db.session.scalar(sa.text("SELECT count(*) FROM task_marks"))
    return app, figures


def timed(call: Any, repeat: int = 5) -> dict[str, float]:
    """Wall time of the first call and the median of `repeat` more, and this process's CPU
    time of that median run (on a shared machine the wall time waits for the CPU too; on
    SQLite the database works in this process, so its CPU time is all the work)."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
    wall, cpu = sorted(runs)[len(runs) // 2]
    return {
        "first_ms": round(first * 1000, 1),
        "median_ms": round(wall * 1000, 1),
        "median_cpu_ms": round(cpu * 1000, 1),
    }


def measure(app: Any) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.login == "lead"))
        last = today()
        windows = {
            "last_30_days": Period(last - timedelta(days=29), last),
            "30_days_mid_year": Period(last - timedelta(days=200), last - timedelta(days=171)),
        }
        for label, period in windows.items():
            figures: dict[str, Any] = {}
            for kind in ReportBreakdown:
                figures[f"by_{kind.value}"] = timed(
                    lambda kind=kind, period=period: service.build_report(
                        lead, period.start, period.end, kind.value
                    )
                )
            report = service.build_report(lead, period.start, period.end, "agent")
            figures["received"] = report["total"]["received"]
            figures["resolved"] = report["total"]["resolved"]
            figures["rows"] = len(report["rows"])
            received = service.report_tasks(
                lead, period.start, period.end, "agent", service.TOTAL, "received"
            )
            figures["drill_received_total"] = timed(received.all, repeat=3)  # the charts
            figures["drill_received_first_page"] = timed(  # what the page and the API ask for
                lambda received=received: received.page(200, 0)
            )
            figures["xlsx"] = timed(
                lambda period=period: exports.download(
                    lead, period.start, period.end, "agent", "xlsx"
                ),
                repeat=1,
            )
            tracemalloc.start()  # the peak of Python memory one XLSX download takes
            exports.download(lead, period.start, period.end, "agent", "xlsx")
            figures["xlsx_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
            results[label] = figures
        task_ids = list(db.session.scalars(sa.select(Task.id).order_by(Task.id.desc()).limit(200)))
        started = time.perf_counter()
        for task_id in task_ids:
            history.rederive(task_id)
        db.session.rollback()
        results["follow_one_task_ms"] = round(
            (time.perf_counter() - started) * 1000 / len(task_ids), 2
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL to use (emptied first); default: SQLite in a temp dir"
    )
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        if args.database_url:
            prepare_postgres(url)
        app, figures = build(url, args.tasks)
        figures |= measure(app)
        with app.app_context():
            db.engine.dispose()
    figures |= {
        "database": "postgresql" if args.database_url else "sqlite",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, {platform.platform()}",
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    target = results / f"reports-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    target.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
