"""Search benchmark: how long `tasks.service.search_tasks` (All tasks' ?q=, GET
/api/tasks/search) takes over a year or more of tasks.

In process, against a fresh SQLite file in a temporary folder (or --database-url, a
PostgreSQL database it may wipe): --tasks tasks over --days days, Russian and English titles
and descriptions, a comment on every third, ten chats; then each query --repeat times, as an
agent. The search scans every task (no index serves a substring in any case), so the time
grows with the log; SQLite also calls Python's casefold for each value (wesup_fold).

    .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --tasks 50000
    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1/bench

Results are also written as JSON under bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from fanout import machine  # noqa: E402 - bench/ is on sys.path when run as a script

from wesup import create_app  # noqa: E402
from wesup.directories.service import seed_defaults  # noqa: E402
from wesup.extensions import db  # noqa: E402
from wesup.models import Chat, Comment, Status, Task, User, utcnow  # noqa: E402
from wesup.tasks import service  # noqa: E402

WORDS = (
    "принтер не печатает бухгалтерия картридж почта пароль VPN доступ сервер 1С касса "
    "монитор кабель HDMI драйвер обновление телефония Wi-Fi ноутбук лицензия антивирус "
    "printer offline mailbox quota tunnel drops laptop license shared drive read-only"
).split()
QUERIES = ["кабель", "ПРИНТЕР", "vpn", "принтер бухгалтерия", "нет такого слова", "quota"]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def seed(tasks: int, days: int) -> int:
    """The tasks, straight into the tables (the service's events are not what is measured)."""
    rng = random.Random(7)
    agent = User(login="bench", name="Bench Agent", role="agent", active=True)
    agent.set_password(secrets.token_urlsafe())  # nobody signs in as the bench
    chats = [Chat(name=f"Чат {number}", note="") for number in range(10)]
    db.session.add_all([agent, *chats])
    db.session.flush()
    status = db.session.scalars(sa.select(Status).order_by(Status.position)).first()
    assert status is not None
    now = utcnow()
    rows = [
        {
            "title": sentence(rng, 5),
            "description": sentence(rng, 20),
            "chat_id": rng.choice(chats).id,
            "status_id": status.id,
            "agent_id": agent.id,
            "received_at": now - timedelta(minutes=rng.randrange(days * 24 * 60)),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for _ in range(tasks)
    ]
    db.session.execute(sa.insert(Task), rows)
    ids = db.session.scalars(sa.select(Task.id)).all()
    comments = [
        {"task_id": task_id, "author_id": agent.id, "body": sentence(rng, 8), "created_at": now}
        for task_id in ids[::3]
    ]
    db.session.execute(sa.insert(Comment), comments)
    db.session.commit()
    return agent.id


def measure(agent_id: int, repeat: int) -> list[dict[str, Any]]:
    agent = db.session.get(User, agent_id)
    results = []
    for query in QUERIES:
        times = []
        found = None
        for _ in range(repeat):
            start = time.perf_counter()
            found = service.search_tasks(agent, query, service.TaskFilter())
            times.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
        assert found is not None
        results.append(
            {
                "query": query,
                "found": len(found.tasks),
                "more": found.more,
                "p50_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=450)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "DATABASE_URL": url,
                "ASYNC_MODE": "threading",
                "MESSAGE_QUEUE": None,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed_defaults("ru")
            agent_id = seed(args.tasks, args.days)
            results = measure(agent_id, args.repeat)
            db.session.remove()
            db.engine.dispose()
    dialect = url.split(":", 1)[0]
    print(f"{args.tasks} tasks over {args.days} days, {dialect}, {args.repeat} runs each")
    print("| query | found | more | p50 ms | max ms |")
    print("|---|---:|---|---:|---:|")
    for row in results:
        cells = [row["query"], row["found"], row["more"], row["p50_ms"], row["max_ms"]]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    report = {"machine": machine(), "args": vars(args), "dialect": dialect, "results": results}
    (out / f"search-{dialect}-{int(time.time())}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
