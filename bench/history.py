"""The live pages against a growing history: the same 40 tasks of today with 1,000 and with
100,000 older resolved tasks, on SQLite and on PostgreSQL.

    .venv/bin/python bench/history.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/history.py --databases sqlite --rounds 20

For each database it builds two installations side by side (bulk inserts: about two events
per old task, as the log would hold), signs a lead and an agent in on each through Flask's
test client, and times every live page and its API, alternating the small and the large
history request by request (small, large, large, small, …) so that the load of a shared
machine falls on both alike. It prints median and p95 for each and the ratio large / small
(the goal: at most 1.5), and writes them to bench/results/history-<time>.json.

PostgreSQL: `--postgres URL` names the database of the large history (wiped; default
postgresql://postgres@127.0.0.1:5432/bench_perf), the small one goes to the same URL with
`_small` appended; both must exist. Autovacuum analyzes a table after a bulk load like this
within a minute; the bench runs ANALYZE itself so as not to wait for it. SQLite gets no
ANALYZE: WeSup never runs one, so the plans must hold without statistics.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for fanout.machine
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests/

from fanout import machine

from tests.server_process import reset_schema
from wesup import create_app
from wesup.directories.service import seed_defaults
from wesup.enums import EventKind, Role, StatusCategory
from wesup.extensions import db
from wesup.models import Chat, Group, Status, Task, TaskEvent, User, group_members
from wesup.timeutil import day_start, today

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench_perf"
TODAY_TASKS = 40
NULL = r"\N"  # how bulk_insert writes NULL for COPY
SIGNED_IN_BY_SESSION = "!"  # no hash matches: the bench writes the session instead
AGENTS = 10
CHATS = 20
# who reads what: the lead the All-tasks board and the wall, agent 1 their own page
ENDPOINTS = (
    ("All tasks page", "lead", "/tasks"),
    ("GET /api/tasks", "lead", "/api/tasks"),
    ("My tasks page", "agent1", "/tasks/mine"),
    ("GET /api/tasks/mine", "agent1", "/api/tasks/mine"),
    ("wall board page", "lead", "/board"),
    ("GET /board/data", "lead", "/board/data"),
)


def app_for(url: str) -> Flask:
    return create_app(
        {
            "SECRET_KEY": "bench-history",
            "DATABASE_URL": url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE": None,
            "TIMEZONE": "Europe/Moscow",
        }
    )


def bulk_insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Straight through the driver (COPY on PostgreSQL, executemany on SQLite): SQLAlchemy's
    per-value processing would take minutes for a few hundred thousand rows."""
    columns = list(rows[0])
    sqlite = db.engine.dialect.name == "sqlite"

    def value(item: Any) -> Any:
        if isinstance(item, datetime):  # what UTCDateTime stores
            return item.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else item.isoformat()
        if isinstance(item, dict):
            return json.dumps(item)
        if isinstance(item, str):
            return str(item)  # an enum's value
        return item

    values = [tuple(value(row[column]) for column in columns) for row in rows]
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        names = ", ".join(columns)
        if sqlite:
            marks = ", ".join("?" * len(columns))
            statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(statement, values)
        else:
            text = io.StringIO()
            nulls = [tuple(NULL if item is None else item for item in row) for row in values]
            csv.writer(text).writerows(nulls)
            text.seek(0)
            cursor.copy_expert(
                f"COPY {table.name} ({names}) FROM STDIN "
                f"WITH (FORMAT csv, NULL '{NULL}', FORCE_NULL ({names}))",
                text,
            )
        connection.commit()
    finally:
        connection.close()


def build(url: str, history: int, seed: int) -> Flask:
    """An installation with `history` old resolved tasks and the same 40 tasks of today."""
    if url.startswith("postgresql"):
        reset_schema(url)
    app = app_for(url)
    rng = random.Random(seed)
    with app.app_context():
        db.create_all()
        seed_defaults("en")
        statuses = {s.category: s.id for s in db.session.scalars(sa.select(Status))}
        people = [
            User(login="lead", name="Lead", role=Role.LEAD, password_hash=SIGNED_IN_BY_SESSION)
        ]
        people += [
            User(
                login=f"agent{n}",
                name=f"Agent {n}",
                role=Role.AGENT,
                password_hash=SIGNED_IN_BY_SESSION,
            )
            for n in range(1, AGENTS + 1)
        ]
        db.session.add_all(people)
        db.session.add_all(Chat(name=f"Client chat {n}", note="") for n in range(CHATS))
        db.session.add_all(
            Group(name=name, color="#1e88e5", position=n)
            for n, name in enumerate(("First line", "Second line"), start=1)
        )
        db.session.commit()
        agents = [p.id for p in people[1:]]
        groups = list(db.session.scalars(sa.select(Group.id).order_by(Group.id)))
        chats = list(db.session.scalars(sa.select(Chat.id)))
        db.session.execute(
            group_members.insert(),
            [
                {"group_id": groups[0 if n < AGENTS // 2 else 1], "user_id": agent}
                for n, agent in enumerate(agents)
            ],
        )
        start = day_start(today())
        now = datetime.now(UTC)
        tasks: list[dict[str, Any]] = []
        log: list[dict[str, Any]] = []

        def task(**fields: Any) -> None:
            row = {
                "id": len(tasks) + 1,
                "title": f"Request {len(tasks) + 1}: the printer in room 4 is offline again",
                "description": "",
                "chat_id": rng.choice(chats),
                "group_id": None,
                "created_at": fields["received_at"],
                "updated_at": fields.get("resolved_at") or fields["received_at"],
                "last_activity_at": fields.get("resolved_at") or fields["received_at"],
                "deleted_at": None,
                "last_comment": "Restarted the spooler, waiting for the client",
                "version": 2,
                **fields,
            }
            tasks.append(row)
            for kind, at in ((EventKind.TASK_CREATED, row["received_at"]),) + (
                ((EventKind.TASK_STATUS, row["resolved_at"]),) if row["resolved_at"] else ()
            ):
                log.append(
                    {
                        "seq": len(log) + 1,
                        "kind": kind,
                        "task_id": row["id"],
                        "agent_id": row["agent_id"],
                        "group_id": row["group_id"],
                        "actor_id": row["agent_id"] or people[0].id,
                        "created_at": at,
                        "data": {"task": {"id": row["id"], "title": row["title"]}},
                    }
                )

        # the history: two years of resolved tasks, the last ones resolved before today began
        for _n in range(history):
            received = start - timedelta(seconds=rng.uniform(3 * 3600, 730 * 86400))
            resolved = min(received + timedelta(minutes=rng.uniform(5, 3 * 1440)), start)
            task(
                agent_id=rng.choice(agents),
                group_id=rng.choice([None, *groups]),
                status_id=statuses[StatusCategory.DONE],
                received_at=received,
                resolved_at=resolved - timedelta(seconds=1),
            )
        # today: 24 open (agent 1 holds 3 of them), 6 waiting in the lines' queues, 10 resolved
        span = max((now - start).total_seconds() - 60, 60)
        for n in range(TODAY_TASKS):
            received = start + timedelta(seconds=span * n / TODAY_TASKS)
            if n < 24:
                category = (StatusCategory.NEW, StatusCategory.ACTIVE, StatusCategory.POSTPONED)
                task(
                    agent_id=agents[n % AGENTS],
                    status_id=statuses[category[n % 3]],
                    received_at=received,
                    resolved_at=None,
                )
            elif n < 30:
                task(
                    agent_id=None,
                    group_id=groups[n % 2],
                    status_id=statuses[StatusCategory.NEW],
                    received_at=received,
                    resolved_at=None,
                )
            else:
                task(
                    agent_id=agents[n % 5],
                    status_id=statuses[StatusCategory.DONE],
                    received_at=received,
                    resolved_at=min(received + timedelta(minutes=20), now),
                )
        db.session.commit()
        bulk_insert(Task.__table__, tasks)
        bulk_insert(TaskEvent.__table__, log)
        if url.startswith("postgresql"):
            with db.engine.connect() as connection:
                for table, column in (("tasks", "id"), ("task_events", "seq")):
                    newest = f"SELECT max({column}) FROM {table}"  # noqa: S608
                    sequence = f"pg_get_serial_sequence('{table}', '{column}')"
                    connection.execute(sa.text(f"SELECT setval({sequence}, ({newest}))"))
                connection.commit()
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text("ANALYZE")
                )
        db.session.remove()
    return app


def signed_in(app: Flask, login: str) -> FlaskClient:
    """A test client with the session Flask-Login writes at sign-in."""
    client = app.test_client()
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.login == login)).scalar_one()
        user_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


def timed(client: FlaskClient, url: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return elapsed, response


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(small: Flask, large: Flask, rounds: int) -> list[dict[str, Any]]:
    """Time every endpoint on both installations, alternating small and large."""
    sides = {"small": small, "large": large}
    clients = {
        (side, login): signed_in(app, login)
        for side, app in sides.items()
        for login in ("lead", "agent1")
    }
    # the same tasks of today on both sides: the history must not show on the live pages
    for side in sides:
        board = clients[side, "lead"].get("/api/tasks").get_json()
        mine = clients[side, "agent1"].get("/api/tasks/mine").get_json()
        assert len(board["tasks"]) == TODAY_TASKS, (side, len(board["tasks"]))
        assert len(mine["open"]) == 3 and len(mine["closed_this_shift"]) == 2, side
    rows = []
    for name, login, url in ENDPOINTS:
        times: dict[str, list[float]] = {"small": [], "large": []}
        for _warm in range(3):
            for side in sides:
                timed(clients[side, login], url)
        for n in range(rounds):
            order = ("small", "large") if n % 2 == 0 else ("large", "small")
            for side in order:
                times[side].append(timed(clients[side, login], url)[0])
        row = {"endpoint": name, "url": url}
        for side in sides:
            row[f"{side}_p50"] = statistics.median(times[side])
            row[f"{side}_p95"] = p95(times[side])
        row["ratio_p50"] = row["large_p50"] / row["small_p50"]
        row["ratio_p95"] = row["large_p95"] / row["small_p95"]
        rows.append(row)
    return rows


def print_table(database: str, history: tuple[int, int], rows: list[dict[str, Any]]) -> None:
    small, large = (f"{n:,}" for n in history)
    print(f"\n{database}: the same {TODAY_TASKS} tasks of today, {small} vs {large} old ones")
    print(f"| endpoint | {small}: p50 / p95 ms | {large}: p50 / p95 ms | ratio p50 | ratio p95 |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['endpoint']} | {row['small_p50']:.1f} / {row['small_p95']:.1f} "
            f"| {row['large_p50']:.1f} / {row['large_p95']:.1f} "
            f"| {row['ratio_p50']:.2f} | {row['ratio_p95']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres", default=POSTGRES, help="the large history's database")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40, help="requests per endpoint and side")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": load,
        "machine": machine(),
        "args": vars(args),
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="wesup-history-") as folder:
        for database in args.databases.split(","):
            if database == "sqlite":
                urls = (f"sqlite:///{folder}/small.sqlite3", f"sqlite:///{folder}/large.sqlite3")
            elif database == "postgres":
                urls = (args.postgres + "_small", args.postgres)
            else:
                raise SystemExit(f"unknown database {database!r}")
            began = time.perf_counter()
            small = build(urls[0], args.small, args.seed)
            large = build(urls[1], args.large, args.seed)
            print(f"{database}: built in {time.perf_counter() - began:.1f} s", flush=True)
            rows = measure(small, large, args.rounds)
            print_table(database, (args.small, args.large), rows)
            report["databases"][database] = rows
            for app in (small, large):
                with app.app_context():
                    db.engine.dispose()
    with open("/proc/loadavg") as loadavg:
        report["load_after"] = loadavg.read().split()[0]
    print(f"\nload average before / after: {report['load_before']} / {report['load_after']}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"history-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
