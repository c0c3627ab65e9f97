"""A chat that hangs must not slow a task write: task-write latency with and without one.

Starts run.py (eventlet, a fresh SQLite database) twice. In each run an agent's client makes
W task writes over HTTP, one after another: `POST /api/tasks` from a source chat, then `PATCH`
it to a done status (so every task queues two messages: "new task" to the developers' chat
and "resolved" to its source chat). Reported: the answer time of every write (p50, p95, max).

- none: the chats have no address; nothing is queued or sent.
- hang: both chats point at a webhook on 127.0.0.1 that accepts the connection and never
  answers (for 30 s, WESUP_NOTIFY_TIMEOUT=30): the outbox task is busy with it all along.

Goal: hang p50 and p95 within 1.2 x of none. The runs alternate (none, hang, none, hang) and
each figure is the median of its runs, so the machine's background load falls on both alike.

Writes bench/results/notify-<time>.json (git-ignored) and prints a summary. Uses 127.0.0.1
only, and stops its servers and its webhook itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository, for tests.*

from tests.receivers import HANG, Receiver  # noqa: E402
from tests.server_process import ServerProcess, create_first_admin, sign_up  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def one_run(workdir: Path, writes: int, target: Receiver | None) -> dict[str, Any]:
    """One server, one scenario: the answer time of each write, in ms."""
    server = ServerProcess(
        workdir,
        env={"WESUP_NOTIFY_PRIVATE_HOSTS": "127.0.0.1", "WESUP_NOTIFY_TIMEOUT": "30"},
    )
    server.start()
    try:
        admin = create_first_admin(server)
        source = admin.api("POST", "/api/chats", {"name": "Shop floor"})["chat"]
        developers = admin.api("POST", "/api/chats", {"name": "Developers"})["chat"]
        admin.api("PATCH", f"/api/chats/{developers['id']}", {"gets_new_tasks": True})
        if target is not None:
            for chat in (source, developers):
                url = target.url(path=f"/chat{chat['id']}")
                admin.api("PATCH", f"/api/chats/{chat['id']}", {"notify_url": url})
        agent = sign_up(admin, [("agent", "agent", "Agent")])[0]["agent"]
        done = next(
            s for s in agent.api("GET", "/api/statuses")["statuses"] if s["category"] == "done"
        )
        attempts_before = target.attempts if target else 0
        times: list[float] = []
        for number in range(writes + 10):  # the first ten warm the server up, untimed
            started = time.perf_counter()
            task = agent.api(
                "POST", "/api/tasks", {"title": f"Task {number}", "chat_id": source["id"]}
            )["task"]
            created = time.perf_counter()
            agent.api(
                "PATCH",
                f"/api/tasks/{task['id']}",
                {"status_id": done["id"], "version": task["version"]},
            )
            resolved = time.perf_counter()
            if number >= 10:
                times += [(created - started) * 1000, (resolved - created) * 1000]
        deliveries = admin.api("GET", "/api/deliveries")["deliveries"]
        return {
            "times_ms": times,
            "messages_queued": len(deliveries),
            "messages_sent": sum(1 for d in deliveries if d["status"] == "sent"),
            "target_attempts": (target.attempts - attempts_before) if target else 0,
        }
    finally:
        server.stop()


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(times), 1),
        "p95": round(percentile(times, 0.95), 1),
        "max": round(max(times), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100, help="tasks per run (2 writes each)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each scenario")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    hanging = Receiver(HANG).start()
    runs: dict[str, list[dict[str, Any]]] = {"none": [], "hang": []}
    try:
        with tempfile.TemporaryDirectory(prefix="wesup-bench-notify-") as scratch:
            for round_number in range(args.rounds):
                for name, target in (("none", None), ("hang", hanging)):
                    workdir = Path(scratch) / f"{name}-{round_number}"
                    runs[name].append(one_run(workdir, args.writes, target))
    finally:
        hanging.stop()
    results: dict[str, Any] = {
        "machine": f"{platform.platform()}, {platform.processor() or platform.machine()}",
        "cpus": os.cpu_count(),
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
        "writes_per_run": args.writes * 2,
        "rounds": args.rounds,
    }
    for name, found in runs.items():
        per_run = [summary(run["times_ms"]) for run in found]
        results[name] = {
            key: round(statistics.median(item[key] for item in per_run), 1)
            for key in ("p50", "p95", "max")
        } | {
            "per_run": per_run,
            "messages_queued": [run["messages_queued"] for run in found],
            "messages_sent": [run["messages_sent"] for run in found],
            "target_attempts": [run["target_attempts"] for run in found],
        }
    for key in ("p50", "p95"):
        results[f"ratio_{key}"] = round(results["hang"][key] / results["none"][key], 2)
    out = BENCH / "results" / f"notify-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    for name in ("none", "hang"):
        figures = results[name]
        print(
            f"{name:>5}: write p50 {figures['p50']} ms, p95 {figures['p95']} ms, "
            f"max {figures['max']} ms; queued {figures['messages_queued']}, "
            f"sent {figures['messages_sent']}, webhook attempts {figures['target_attempts']}"
        )
    print(f"hang / none: p50 {results['ratio_p50']}x, p95 {results['ratio_p95']}x -> {out}")


if __name__ == "__main__":
    main()
