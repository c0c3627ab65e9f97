"""Fan-out benchmark: how fast and how completely one task change reaches N open boards.

For each N it starts WeSup (run.py, eventlet, a fresh SQLite database in a temporary folder),
signs N WebSocket clients into the board as a viewer, makes M task changes through the JSON API
as an agent, and measures for every (client, change) the time from sending the API request to
the client's receipt. Beside it runs the floor for this stack, a bare python-socketio server
that only broadcasts (bench/floor_server.py), with its own N clients and M changes interleaved
with WeSup's; it prints both and the ratio WeSup / floor.

    .venv/bin/python bench/fanout.py            # or: make bench
    .venv/bin/python bench/fanout.py --clients 100 --changes 20   # a quick look

Loopback only; every wait is bounded; the servers and client processes are stopped at the end.
Results are also written as JSON under bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository, for tests.server_process

import wsclient  # noqa: E402 - bench/ is on sys.path when run as a script

from tests.server_process import Browser, ServerProcess, create_first_admin  # noqa: E402

HOST = "127.0.0.1"
PACKAGES = (
    "eventlet",
    "greenlet",
    "python-socketio",
    "python-engineio",
    "Flask-SocketIO",
    "Flask",
    "SQLAlchemy",
)


class FloorProcess(ServerProcess):
    """bench/floor_server.py in a process of its own, managed like run.py."""

    ready_path = "/health"

    def command(self) -> list[str]:
        """python bench/floor_server.py on this object's port."""
        return [sys.executable, str(BENCH / "floor_server.py"), "--port", str(self.port)]


class WeSup:
    """run.py with a viewer (whose cookie the board clients share) and an agent making changes."""

    name = "wesup"

    def __init__(self, workdir: Path, async_mode: str) -> None:
        self.server = ServerProcess(workdir, async_mode=async_mode)
        self.task: dict[str, Any] | None = None
        self.statuses: list[int] = []

    def start(self) -> str:
        """Start and set up the people; returns the Cookie header for the board clients."""
        self.server.start()
        create_first_admin(self.server)
        self.server.create_user("bench-agent", "agent", "Bench Agent")
        self.server.create_user("bench-viewer", "viewer", "Bench Viewer")
        self.agent = Browser(self.server.url).login("bench-agent")
        viewer = Browser(self.server.url).login("bench-viewer")
        self.statuses = [
            status["id"] for status in self.agent.api("GET", "/api/statuses")["statuses"]
        ]
        return viewer.cookie_header()

    def change(self, number: int, title: str) -> None:
        """Even numbers create a task, odd ones retitle it and move it to another status."""
        if self.task is None or number % 2 == 0:
            self.task = self.agent.api("POST", "/api/tasks", {"title": title})["task"]
            return
        status_id = self.statuses[(number // 2 + 1) % len(self.statuses)]
        if status_id == self.task["status"]["id"]:
            status_id = self.statuses[(number // 2 + 2) % len(self.statuses)]
        data = {"title": title, "status_id": status_id, "version": self.task["version"]}
        self.task = self.agent.api("PATCH", f"/api/tasks/{self.task['id']}", data)["task"]


class Floor:
    """The bare broadcaster: POST /emit with the title."""

    name = "floor"

    def __init__(self, workdir: Path, _async_mode: str) -> None:
        self.server = FloorProcess(workdir)

    def start(self) -> str:
        """Start the floor; its clients need no cookie."""
        self.server.start()
        self.http = Browser(self.server.url)
        return ""

    def change(self, _number: int, title: str) -> None:
        """Ask the floor to broadcast one event with this title."""
        response = self.http.post("/emit", json={"title": title})
        response.raise_for_status()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not values:
        return float("nan")
    return values[min(len(values), max(1, math.ceil(share * len(values)))) - 1]


class ClientFleet:
    """N board clients spread over a few processes, each running a wsclient pool."""

    def __init__(self, port: int, cookie: str, count: int, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        shares = [
            count // processes + (1 if i < count % processes else 0) for i in range(processes)
        ]
        for share in shares:
            if not share:
                continue
            parent, child = context.Pipe()
            process = context.Process(
                target=wsclient.run_worker,
                args=(child, HOST, port, cookie, {"view": "board"}, share),
                daemon=True,
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def ask(self, command: str, timeout: float = 120) -> list[dict[str, Any]]:
        """Send a command to every client process and collect the answers (bounded wait)."""
        for pipe in self.pipes:
            pipe.send(command)
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError(f"a client process did not answer {command!r} in {timeout} s")
            answer = pipe.recv()
            if "error" in answer:
                raise RuntimeError(f"client process failed: {answer['error']}")
            answers.append(answer)
        return answers

    def total(self, key: str) -> int:
        """The sum of one status count over all client processes."""
        return sum(answer[key] for answer in self.ask("status"))

    def wait_until(self, key: str, target: int, timeout: float) -> int:
        """Poll until the fleet's `key` count reaches target or the time is up."""
        deadline = time.monotonic() + timeout
        value = self.total(key)
        while value < target and time.monotonic() < deadline:
            time.sleep(0.2)
            value = self.total(key)
        return value

    def stop(self) -> list[dict[str, Any]]:
        """Collect every process's receipts and let them exit."""
        try:
            return self.ask("stop", timeout=60)
        finally:
            for process in self.processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()


class Side:
    """One target in a paired run: its server, its client fleet, and when each change was sent."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.server: ServerProcess = target.server
        self.fleet: ClientFleet | None = None
        self.sent: dict[str, float] = {}
        self.api_ms: list[float] = []

    def prepare(self, count: int, processes: int) -> None:
        """Start, warm up, connect the N clients, and check that every one of them is live."""
        cookie = self.target.start()
        # Warm the paths once (imports, first queries) so that memory growth is the sockets'.
        probe = wsclient.open_socket(HOST, self.server.port, cookie, {"view": "board"})
        probe.sock.close()
        self.target.change(0, "warm-up 0")
        time.sleep(1)
        self.rss_before = self.server.rss_kib()
        started = time.monotonic()
        self.fleet = ClientFleet(self.server.port, cookie, count, processes)
        connected = self.fleet.wait_until("connected", count, timeout=180)
        self.connect_seconds = time.monotonic() - started
        if connected < count:
            raise RuntimeError(f"{self.target.name}: only {connected} of {count} clients connected")
        time.sleep(1)
        self.rss_after = self.server.rss_kib()
        # One untimed change that every client must see: the fleet is live end to end.
        self.target.change(1, "warm-up 1")
        self.fleet.wait_until("receipts", count, timeout=60)
        self.cpu_start = self.server.cpu_seconds()

    def change(self, number: int, title: str) -> None:
        """Send one timed change."""
        self.sent[title] = time.time()
        self.target.change(number + 2, title)
        self.api_ms.append((time.time() - self.sent[title]) * 1000)

    def wait_delivered(self, count: int, timeout: float) -> None:
        """Wait (bounded) until every client has every change; note the server CPU."""
        self.fleet.wait_until("receipts", count * (len(self.sent) + 1), timeout)
        self.cpu_used = self.server.cpu_seconds() - self.cpu_start

    def collect(self, count: int) -> dict[str, Any]:
        """Stop the clients and turn their receipts into the figures."""
        reports, self.fleet = self.fleet.stop(), None
        sent = self.sent
        latencies: list[float] = []
        per_change: dict[str, list[float]] = {title: [] for title in sent}
        delivered = duplicates = 0
        for report in reports:
            for receipts in report["receipts"]:
                seen: set[str] = set()
                for title, received_at in receipts:
                    if title not in sent:
                        continue
                    if title in seen:
                        duplicates += 1
                        continue
                    seen.add(title)
                    delivered += 1
                    latency = (received_at - sent[title]) * 1000
                    latencies.append(latency)
                    per_change[title].append(latency)
        latencies.sort()
        # Where the time goes: until the first client has it (the trigger path), then the
        # spread from the first client to the last (the fan-out itself).
        firsts = sorted(min(values) for values in per_change.values() if values)
        spreads = sorted(max(values) - min(values) for values in per_change.values() if values)
        return {
            "target": self.target.name,
            "clients": count,
            "changes": len(sent),
            "delivered": delivered,
            "expected": count * len(sent),
            "duplicates": duplicates,
            "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": latencies[-1] if latencies else float("nan"),
            "api_p50_ms": percentile(sorted(self.api_ms), 0.50),
            "first_p50_ms": percentile(firsts, 0.50),
            "spread_p50_ms": percentile(spreads, 0.50),
            "spread_max_ms": spreads[-1] if spreads else float("nan"),
            "server_cpu_ms_per_change": 1000 * self.cpu_used / len(sent),
            "client_cpu_s": sum(report["cpu"] for report in reports),
            "connect_s": self.connect_seconds,
            "rss_before_mib": self.rss_before / 1024,
            "rss_after_mib": self.rss_after / 1024,
            "kib_per_connection": (self.rss_after - self.rss_before) / count,
            "per_change": [  # in order: API call, first and last receipt (ms after sending)
                [round(api, 1), round(min(values), 1), round(max(values), 1)]
                for api, values in zip(self.api_ms, per_change.values(), strict=True)
                if values
            ],
        }

    def close(self) -> None:
        """Stop the clients and the server, whatever state they are in."""
        if self.fleet is not None:
            self.fleet.stop()
        self.server.stop()


def run_pair(workdir: Path, count: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    """WeSup and the floor side by side, changes interleaved, so both see the same machine.

    The changes alternate between the two (ABBA order) one `interval` apart, so background
    load on a shared machine falls on both alike and the ratio stays meaningful.
    """
    sides = [
        Side(WeSup(workdir / f"wesup-{count}", args.async_mode)),
        Side(Floor(workdir / f"floor-{count}", args.async_mode)),
    ]
    try:
        for side in sides:
            side.prepare(count, args.processes)
        load = os.getloadavg()[0]
        started = time.monotonic()
        for number in range(args.changes):
            order = sides if number % 2 == 0 else sides[::-1]
            for slot, side in enumerate(order):
                pace = started + (2 * number + slot) * args.interval
                time.sleep(max(0.0, pace - time.monotonic()))
                side.change(number, f"bench {number:04d}")
        for side in sides:
            side.wait_delivered(count, args.drain)
        results = [side.collect(count) for side in sides]
    finally:
        for side in sides:
            side.close()
    for result in results:
        result["loadavg_1min_before"] = load
    return results


def machine() -> dict[str, Any]:
    """What the figures came from."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
    }


def raise_fd_limit(needed: int) -> None:
    """Each client and each server socket is a file descriptor; 1000 clients exceed 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard == resource.RLIM_INFINITY else min(hard, max(soft, needed))
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < needed:
        sys.exit(f"need {needed} file descriptors; raise the hard limit (ulimit -Hn)")


COLUMNS = (  # header, result key, format
    ("side", "target", "<6"),
    ("N", "clients", ">5"),
    ("delivered", "delivered", ">9"),
    ("of", "expected", ">6"),
    ("dup", "duplicates", ">3"),
    ("p50 ms", "p50_ms", ">7.1f"),
    ("p99 ms", "p99_ms", ">7.1f"),
    ("max ms", "max_ms", ">7.1f"),
    ("API p50", "api_p50_ms", ">7.1f"),
    ("first p50", "first_p50_ms", ">9.1f"),
    ("spread p50", "spread_p50_ms", ">10.1f"),
    ("CPU ms/change", "server_cpu_ms_per_change", ">13.1f"),
    ("RSS MiB", "rss_before_mib", ">7.1f"),
    ("KiB/conn", "kib_per_connection", ">8.1f"),
    ("load", "loadavg_1min_before", ">4.1f"),
)


def print_header() -> None:
    """The table's column names, aligned with print_row."""
    widths = [int(fmt.lstrip("<>").split(".")[0].rstrip("f")) for _, _, fmt in COLUMNS]
    print(
        "  ".join(f"{head:>{width}}" for (head, _, _), width in zip(COLUMNS, widths, strict=True))
    )


def print_row(result: dict[str, Any]) -> None:
    """One result as a table row, as soon as it is known."""
    print("  ".join(f"{result[key]:{fmt}}" for _, key, fmt in COLUMNS), flush=True)


# issue 9: WeSup's latency against the bare python-socketio floor, at every N
GOAL_P50 = 1.3
GOAL_P99 = 1.5


def main(argv: list[str] | None = None) -> int:
    """Run every N, print the table and the ratios, save the JSON."""
    parser = argparse.ArgumentParser(
        description="WeSup fan-out benchmark (see docs/PERFORMANCE.md)"
    )
    parser.add_argument("--clients", default="100,500,1000", help="comma-separated N values")
    parser.add_argument("--changes", type=int, default=50, help="task changes per N (M)")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between changes")
    parser.add_argument("--processes", type=int, default=2, help="client processes per server")
    parser.add_argument("--drain", type=float, default=30, help="max seconds to wait for delivery")
    parser.add_argument(
        "--async-mode", default="eventlet", choices=("eventlet", "gevent", "threading")
    )
    parser.add_argument("--output", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    counts = [int(value) for value in args.clients.split(",")]
    raise_fd_limit(max(counts) * 2 + 256)

    info = machine()
    print(f"machine: {info}", flush=True)
    results = []
    print_header()
    with tempfile.TemporaryDirectory(prefix="wesup-bench-") as workdir:
        for count in counts:
            for result in run_pair(Path(workdir), count, args):
                results.append(result)
                print_row(result)

    by_key = {(result["target"], result["clients"]): result for result in results}
    print()
    verdicts = []
    for count in counts:
        wesup, floor = by_key[("wesup", count)], by_key[("floor", count)]
        ratio50 = wesup["p50_ms"] / floor["p50_ms"]
        ratio99 = wesup["p99_ms"] / floor["p99_ms"]
        lost = wesup["expected"] - wesup["delivered"]
        print(f"N={count:<5} WeSup/floor  p50 x{ratio50:.2f}  p99 x{ratio99:.2f}  lost {lost}")
        verdicts.append(
            {"clients": count, "p50_ratio": ratio50, "p99_ratio": ratio99, "lost": lost}
        )

    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / time.strftime("fanout-%Y%m%d-%H%M%S.json")
    settings = {key: str(value) for key, value in vars(args).items()}
    path.write_text(
        json.dumps(
            {"machine": info, "settings": settings, "results": results, "ratios": verdicts},
            indent=2,
        )
    )
    print(f"\nwritten to {path}")
    for verdict in verdicts:
        met = (
            verdict["lost"] == 0
            and verdict["p50_ratio"] <= GOAL_P50
            and verdict["p99_ratio"] <= GOAL_P99
        )
        print(
            f"goal at N={verdict['clients']} (nothing lost, p50 <= {GOAL_P50}x, "
            f"p99 <= {GOAL_P99}x the floor): {'met' if met else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
