"""The trigger path of the fan-out bench, in one process: what a task write costs the server
before its first emit, and how much of it is the garbage collector.

    .venv/bin/python bench/write_path.py                      # CPU per write, GC share
    .venv/bin/python bench/write_path.py --threshold 10000,10,10 --profile

The writes are bench/fanout.py's: POST /api/tasks, and every other one a PATCH of the title
and status, as an agent, through Flask's test client on a fresh SQLite database (built like
bench/history.py's, with 100 old tasks). After 20 warm-up writes it does what run.py does
before serving (gc.collect(); gc.freeze()), then times `--writes` writes in CPU time (the
process's, so the load of a shared machine counts less than in wall time) and records every
collection through gc.callbacks. `--profile` adds a cProfile of the same writes, its own time
summed by package, and the Python function calls a write makes: a count that a shared
machine's load does not change, for comparing two trees. CPU time under a profiler is about
twice the plain figure: read its shares.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for history

from history import build, signed_in

from wesup.extensions import db

# where the profile's own time goes, first match wins ("~" is C code: its function's name)
PACKAGES = (
    "sqlalchemy",
    "werkzeug",
    "flask_login",
    "flask_wtf",
    "flask_limiter",
    "flask_socketio",
    "socketio",
    "engineio",
    "flask/",
    "json",
    "itsdangerous",
    "/wesup/",
)


def writer(client: FlaskClient, token: str) -> Any:
    """One write after another, as bench/fanout.py makes them."""
    count = 0

    def write() -> None:
        nonlocal count
        count += 1
        headers = {"X-CSRFToken": token}
        created = client.post("/api/tasks", json={"title": f"Change {count}"}, headers=headers)
        assert created.status_code == 201, created.get_data(as_text=True)
        if count % 2 == 0:
            task = created.get_json()["task"]
            changes = {"title": f"Change {count}, edited", "status_id": 2}
            changes["version"] = task["version"]
            edited = client.patch(f"/api/tasks/{task['id']}", json=changes, headers=headers)
            assert edited.status_code == 200, edited.get_data(as_text=True)

    return write


def by_package(profile: cProfile.Profile) -> Counter[str]:
    shares: Counter[str] = Counter()
    for (path, _line, function), row in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        own = row[2]
        if path == "~":
            shares[f"C: {function[:50]}"] += own
            continue
        shares[next((name for name in PACKAGES if name in path), "other Python")] += own
    return shares


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--threshold", help="gc.set_threshold after the freeze, e.g. 10000,10,10")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wesup-write-path-") as folder:
        app = build(f"sqlite:///{folder}/bench.sqlite3", 100, seed=1)
        client = signed_in(app, "agent1")
        write = writer(client, client.get("/api/session").get_json()["csrf_token"])
        for _warm in range(20):
            write()
        gc.collect()
        gc.freeze()
        if args.threshold:
            gc.set_threshold(*(int(value) for value in args.threshold.split(",")))
        collections = {generation: [0, 0.0] for generation in range(3)}
        started: list[float] = []

        def watch(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                started[:] = [time.process_time()]
            else:
                seen = collections[info["generation"]]
                seen[0] += 1
                seen[1] += time.process_time() - started[0]

        statements = [0]

        def count(*_args: Any) -> None:
            statements[0] += 1

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        gc.callbacks.append(watch)
        began = time.process_time()
        for _n in range(args.writes):
            write()
        spent = time.process_time() - began
        gc.callbacks.remove(watch)
        sa.event.remove(engine, "before_cursor_execute", count)
        in_gc = sum(seconds for _count, seconds in collections.values())
        print(
            f"gc threshold {gc.get_threshold()}: {spent / args.writes * 1000:.2f} ms CPU a write "
            f"({args.writes} writes, half of them with a PATCH), collector "
            f"{in_gc / spent * 100:.1f} % of it"
        )
        print(f"  {statements[0] / args.writes:.1f} SQL statements a write")
        for generation, (passes, seconds) in collections.items():
            print(f"  generation {generation}: {passes} passes, {seconds * 1000:.1f} ms in all")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: [write() for _n in range(args.writes)])
            shares = by_package(profile)
            total = sum(shares.values())
            calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            print(
                f"{calls / args.writes:.0f} Python function calls a write (does not depend on load)"
            )
            print("own time under the profiler, by package:")
            for name, seconds in shares.most_common(12):
                print(f"  {seconds / total * 100:5.1f} %  {name}")


if __name__ == "__main__":
    main()
