"""Cross-process delivery: how long a change saved on process A takes to reach a board on
process B, next to a board on A itself; with Redis up (B hears A's ring and reads the log) and
with Redis stopped (B finds the change on its next read of the log, every 3 s).

Two run.py processes (eventlet) on the PostgreSQL database named by WESUP_TEST_DATABASE_URL
(its schema is dropped and rebuilt) and a private redis-server on a free port; one viewer's
board on each process; M changes through A's JSON API, one every 0.2 s. Loopback only.

    WESUP_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wesup_bench \\
        .venv/bin/python bench/crossprocess.py [--changes 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests/

from tests.server_process import (
    Browser,
    LiveSocket,
    RedisServer,
    ServerProcess,
    add_person,
    create_first_admin,
    reset_schema,
)

SPACING = 0.2  # seconds between changes


class TimedSocket(LiveSocket):
    """A board that notes when each event arrived (time.monotonic())."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived: dict[str, float] = {}
        self.client.on("event", self._arrive)

    def _arrive(self, message: dict[str, Any]) -> None:
        self.arrived[message["task"]["title"]] = time.monotonic()


def run_changes(agent: Browser, boards: dict[str, TimedSocket], label: str, count: int) -> None:
    """Make `count` changes and print, per board, the latency from request to receipt."""
    sent: dict[str, float] = {}
    for number in range(count):
        title = f"{label} {number}"
        sent[title] = time.monotonic()
        agent.api("POST", "/api/tasks", {"title": title})
        time.sleep(SPACING)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(
        set(sent) <= set(board.arrived) for board in boards.values()
    ):
        time.sleep(0.05)
    for name, board in boards.items():
        latencies = sorted(
            (board.arrived[title] - sent[title]) * 1000 for title in sent if title in board.arrived
        )
        missing = len(sent) - len(latencies)
        p50 = latencies[len(latencies) // 2] if latencies else float("nan")
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
        top = latencies[-1] if latencies else float("nan")
        print(
            f"{label:12} board on {name}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {top:7.1f} ms  missing {missing}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    database_url = os.environ.get("WESUP_TEST_DATABASE_URL")
    if not database_url:
        sys.exit("set WESUP_TEST_DATABASE_URL to a PostgreSQL database this may wipe")
    with tempfile.TemporaryDirectory(prefix="wesup-crossprocess-") as folder:
        workdir = Path(folder)
        queue = RedisServer(workdir / "redis").start()
        reset_schema(database_url)
        env = {"WESUP_MESSAGE_QUEUE": queue.url, "WESUP_SECRET_KEY": "bench-" + workdir.name}
        servers = {
            name: ServerProcess(workdir / name, database_url=database_url, env=env)
            for name in ("A", "B")
        }
        boards: dict[str, TimedSocket] = {}
        try:
            for server in servers.values():
                server.start()
            admin = create_first_admin(servers["A"])
            add_person(admin, "agent", "agent")
            add_person(admin, "viewer", "viewer")
            agent = Browser(servers["A"].url).login("agent")
            for name, server in servers.items():
                viewer = Browser(server.url).login("viewer")
                boards[name] = TimedSocket(server, viewer, view="board").connect()
            run_changes(agent, boards, "Redis up", args.changes)
            queue.stop()
            run_changes(agent, boards, "Redis down", max(10, args.changes // 5))
        finally:
            for board in boards.values():
                board.close()
            for server in servers.values():
                server.stop()
            queue.stop()
            reset_schema(database_url)


if __name__ == "__main__":
    main()
