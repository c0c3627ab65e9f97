"""Teamwork on a real server: how long a contested Take and a whole-shift handover take.

Starts run.py (eventlet) on a fresh SQLite database, or on the PostgreSQL given with
--database-url (its tables are dropped first), makes ten agents of one line and times, over
HTTP from real clients:

- Take: rounds of ten clients pressing Take on one queued task at once (released by a
  barrier); every round must have exactly one 200 and nine 409. Reported: the answer time of
  every press (p50, p95, max), the winner's apart.
- Handover: one agent holding N open tasks hands over the shift (POST /api/handovers), for
  each N; reported: the answer time, and the time until a board socket got every event of it.

Writes bench/results/teamwork-<time>.json (git-ignored) and prints a summary. Uses 127.0.0.1
only and stops its server itself.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository, for tests.server_process

import sqlalchemy as sa  # noqa: E402

from tests.server_process import (  # noqa: E402
    LiveSocket,
    ServerProcess,
    create_first_admin,
    sign_up,
)

AGENTS = 10


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wipe(url: str) -> None:
    """An empty PostgreSQL schema for the server to migrate."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def race(people: list[Any], task_id: int) -> list[tuple[int, float]]:
    """Everybody presses Take on one task at once (a barrier releases them): each answer's
    status and time."""
    barrier = threading.Barrier(len(people))
    answers: list[tuple[int, float]] = [(0, 0.0)] * len(people)

    def press(index: int) -> None:
        person = people[index]
        barrier.wait()
        started = time.perf_counter()
        response = person.post(
            f"/api/tasks/{task_id}/take", headers={"X-CSRFToken": person.csrf_token}
        )
        answers[index] = (response.status_code, time.perf_counter() - started)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def takes(people: list[Any], admin: Any, line_id: int, rounds: int) -> dict[str, Any]:
    """Rounds of everybody pressing Take at once; the answer time of each press."""
    won: list[float] = []
    lost: list[float] = []
    for round_number in range(rounds):
        body = {"title": f"Queued {round_number}", "group_id": line_id}
        answers = race(people, admin.api("POST", "/api/tasks", body)["task"]["id"])
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200] + [409] * (len(people) - 1), statuses
        won += [seconds for status, seconds in answers if status == 200]
        lost += [seconds for status, seconds in answers if status == 409]
    every = won + lost
    return {
        "rounds": rounds,
        "presses": len(every),
        "p50_ms": 1000 * statistics.median(every),
        "p95_ms": 1000 * percentile(every, 0.95),
        "max_ms": 1000 * max(every),
        "winner_p50_ms": 1000 * statistics.median(won),
    }


def handover(server: ServerProcess, giver: Any, receiver_id: int, count: int) -> dict[str, Any]:
    """`count` open tasks handed over at once; the answer time, and until a board has it all."""
    for number in range(count):
        giver.api("POST", "/api/tasks", {"title": f"Open {number}"})
    board = LiveSocket(server, giver, view="board").connect()
    try:
        started = time.perf_counter()
        made = giver.api(
            "POST", "/api/handovers", {"to_agent_id": receiver_id, "note": "benchmark"}
        )["handover"]
        answered = time.perf_counter() - started
        board.wait_for("event", count + 1, timeout=120)
        delivered = time.perf_counter() - started
    finally:
        board.close()
    assert len(made["task_ids"]) == count
    return {"tasks": count, "answer_ms": 1000 * answered, "all_events_ms": 1000 * delivered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL database it may wipe")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--handovers", default="10,100,500", help="open tasks per handover")
    args = parser.parse_args()
    if args.database_url:
        wipe(args.database_url)
    work = Path(tempfile.mkdtemp(prefix="wesup-teamwork-bench-"))
    server = ServerProcess(work, async_mode="eventlet", database_url=args.database_url)
    server.start()
    try:
        admin = create_first_admin(server)
        people = [(f"agent{n}", "agent", f"Agent {n}") for n in range(AGENTS)]
        people.append(("giver", "agent", "Giver"))
        sessions, ids = sign_up(admin, people)
        agents = [sessions[f"agent{n}"] for n in range(AGENTS)]
        members = [ids[f"agent{n}"] for n in range(AGENTS)]
        line = admin.api(
            "POST", "/api/groups", {"name": "First line", "color": "#1e88e5", "member_ids": members}
        )["group"]
        results: dict[str, Any] = {
            "database": "postgresql" if args.database_url else "sqlite",
            "machine": f"{platform.platform()}, {platform.processor() or platform.machine()}",
            "take": takes(agents, admin, line["id"], args.rounds),
            "handover": [
                handover(server, sessions["giver"], ids["agent0"], int(count))
                for count in args.handovers.split(",")
            ],
        }
    finally:
        server.stop()
    out = BENCH / "results" / f"teamwork-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    take = results["take"]
    print(f"{results['database']}: Take, {take['presses']} presses in {take['rounds']} rounds")
    print(
        f"  p50 {take['p50_ms']:.0f} ms, p95 {take['p95_ms']:.0f} ms, max {take['max_ms']:.0f} ms"
    )
    for item in results["handover"]:
        print(
            f"  handover of {item['tasks']} tasks: answer {item['answer_ms']:.0f} ms,"
            f" every event on a board {item['all_events_ms']:.0f} ms"
        )
    print(f"written to {out}")


if __name__ == "__main__":
    main()
