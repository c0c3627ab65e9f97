"""The fan-out bench's writes against a real run.py with no socket open: what the write alone
costs the server, to set beside bench/fanout.py's CPU a change at N clients.

    .venv/bin/python bench/write_server.py                  # 400 changes after 40 to warm up
    .venv/bin/python bench/write_server.py --changes 1000

It starts run.py (eventlet, a fresh SQLite database) as bench/fanout.py does, signs the agent
in, makes fanout's changes one after another (even ones create a task, odd ones retitle it
and move it to another status) and reads the server process's CPU time (user + system, from
/proc) before and after: the CPU a change, and the API's median round trip. Nobody is
connected, so nothing goes out: the difference from fanout's figure at N clients is what the
sockets cost. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, for fanout

from fanout import WeSup

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=400)
    parser.add_argument("--warm", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wesup-write-server-") as folder:
        wesup = WeSup(Path(folder), "eventlet")
        try:
            wesup.start()
            for number in range(args.warm):
                wesup.change(number, f"Warm-up {number}")
            assert wesup.server.process is not None
            pid = wesup.server.process.pid
            began = cpu_seconds(pid)
            round_trips = []
            for number in range(args.warm, args.warm + args.changes):
                sent = time.perf_counter()
                wesup.change(number, f"Change {number}")
                round_trips.append((time.perf_counter() - sent) * 1000)
            spent = cpu_seconds(pid) - began
        finally:
            wesup.server.stop()
    print(
        f"run.py, no socket open: {spent / args.changes * 1000:.2f} ms CPU a change, "
        f"API p50 {statistics.median(round_trips):.2f} ms ({args.changes} changes, "
        f"load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
