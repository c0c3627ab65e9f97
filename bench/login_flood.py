"""Login-flood benchmark: what a flood of wrong passwords does to another person's live page,
and how long the sign-in form takes to refuse an unknown login against a wrong password.

It starts WeSup (run.py, eventlet by default, a fresh SQLite database in a temporary folder),
signs an agent in (the "victim", with a few tasks), and for each phase measures the victim's
GET /api/tasks/mine, one after another, for --seconds:

  quiet            nobody else
  flood            --flooders threads post the sign-in form with wrong passwords for one
                   login, as fast as the server answers; the sign-in limits set out of reach,
                   so every attempt is hashed (the cost the limits do not remove)
  flood, limited   the same flood against the default sign-in limits (a second server)

then posts the sign-in form --probes times for an unknown login and for a known login with a
wrong password, alternately, and reports the answer times.

    .venv/bin/python bench/login_flood.py
    .venv/bin/python bench/login_flood.py --async-mode gevent --seconds 10

Loopback only; every wait is bounded; the servers are stopped at the end. Results are also
written as JSON under bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # the repository, for tests.server_process

from fanout import machine  # noqa: E402 - bench/ is on sys.path when run as a script

from tests.server_process import CSRF_FIELD, Browser, ServerProcess  # noqa: E402

OUT_OF_REACH = "1000000 per minute"
WRONG = "not the password"


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(millis: list[float]) -> dict[str, Any]:
    return {
        "requests": len(millis),
        "p50_ms": round(statistics.median(millis), 1),
        "p95_ms": round(percentile(millis, 0.95), 1),
        "max_ms": round(max(millis), 1),
    }


def start_server(workdir: Path, async_mode: str, limits: str | None) -> ServerProcess:
    """run.py with an agent (the victim, some tasks, signed in) and a few other logins."""
    env = {}
    if limits:
        env = {"WESUP_LOGIN_LIMIT_PER_LOGIN": limits, "WESUP_LOGIN_LIMIT_PER_ADDRESS": limits}
    server = ServerProcess(workdir, async_mode=async_mode, env=env)
    server.start()
    server.create_user("victim", "agent", "Victim Agent")
    server.create_user("target", "agent", "Target Agent")
    return server


def victim_of(server: ServerProcess) -> Browser:
    victim = Browser(server.url).login("victim")
    for number in range(20):
        victim.api("POST", "/api/tasks", {"title": f"Open request {number}"})
    return victim


def time_page(victim: Browser, seconds: float) -> list[float]:
    """The victim's page, one request after another, for `seconds`: each answer time in ms."""
    millis = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.perf_counter()
        response = victim.get("/api/tasks/mine")
        millis.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
        time.sleep(0.02)
    return millis


def flood(server: ServerProcess, flooders: int, stop: threading.Event, answers: Counter) -> list:
    """Threads that post wrong passwords until `stop` is set, counting the answers' statuses."""

    def hammer() -> None:
        browser = Browser(server.url)
        token = CSRF_FIELD.search(browser.get("/login").text).group(1)
        while not stop.is_set():
            response = browser.post(
                "/login",
                data={"login": "target", "password": WRONG, "csrf_token": token},
                allow_redirects=False,
            )
            answers[response.status_code] += 1

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(flooders)]
    for thread in threads:
        thread.start()
    return threads


def flooded_page(server: ServerProcess, victim: Browser, args: argparse.Namespace) -> dict:
    stop = threading.Event()
    answers: Counter = Counter()
    threads = flood(server, args.flooders, stop, answers)
    time.sleep(1)  # the flood is under way
    millis = time_page(victim, args.seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return {**summary(millis), "sign_in_answers": dict(answers)}


def refusal_times(server: ServerProcess, probes: int) -> dict[str, Any]:
    """Answer times of the sign-in form: unknown login against known login, wrong password."""
    browser = Browser(server.url)
    token = CSRF_FIELD.search(browser.get("/login").text).group(1)
    times: dict[str, list[float]] = {"unknown login": [], "wrong password": []}
    for _ in range(probes):
        for kind, login in (("unknown login", "nobody-here"), ("wrong password", "target")):
            began = time.perf_counter()
            response = browser.post(
                "/login", data={"login": login, "password": WRONG, "csrf_token": token}
            )
            times[kind].append((time.perf_counter() - began) * 1000)
            assert response.status_code == 401, response.status_code
    return {kind: summary(millis) for kind, millis in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="WeSup login-flood benchmark")
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--flooders", type=int, default=4, help="threads posting wrong passwords")
    parser.add_argument("--probes", type=int, default=30, help="refusals timed per kind")
    parser.add_argument(
        "--async-mode", default="eventlet", choices=("eventlet", "gevent", "threading")
    )
    parser.add_argument("--output", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    info = machine()
    print(f"machine: {info}", flush=True)
    phases: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wesup-bench-") as workdir:
        server = start_server(Path(workdir) / "open", args.async_mode, OUT_OF_REACH)
        try:
            victim = victim_of(server)
            phases["quiet"] = summary(time_page(victim, args.seconds))
            print("quiet", phases["quiet"], flush=True)
            phases["flood"] = flooded_page(server, victim, args)
            print("flood", phases["flood"], flush=True)
            phases["refusals"] = refusal_times(server, args.probes)
            print("refusals", phases["refusals"], flush=True)
        finally:
            server.stop()
        server = start_server(Path(workdir) / "limited", args.async_mode, None)
        try:
            phases["flood, limited"] = flooded_page(server, victim_of(server), args)
            print("flood, limited", phases["flood, limited"], flush=True)
        finally:
            server.stop()

    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / time.strftime("login-flood-%Y%m%d-%H%M%S.json")
    settings = {key: str(value) for key, value in vars(args).items()}
    path.write_text(json.dumps({"machine": info, "settings": settings, "phases": phases}, indent=2))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
