"""A real load balancer: nginx, configured with docs/deploy/nginx.conf, in front of two run.py
processes on one PostgreSQL database and one Redis, as docs/DEPLOY.md sets them up.

Clients come from several loopback addresses (all of 127.0.0.0/8 is local), so that nginx's
ip_hash spreads them over both processes. Skipped only when nginx, PostgreSQL or Redis is
missing and CI is not set (.ci/run installs nginx).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import absent
from tests.server_process import (
    Browser,
    LiveSocket,
    NginxProcess,
    ServerProcess,
    add_person,
    create_first_admin,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def process_that_signed_in(servers: list[ServerProcess], line: str, timeout: float = 5) -> int:
    """Index of the server whose log has this sign-in line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for index, server in enumerate(servers):
            if line in server.output():
                return index
        time.sleep(0.05)
    logs = "\n".join(server.output()[-2000:] for server in servers)
    raise AssertionError(f"no process logged {line!r}:\n{logs}")


@pytest.fixture
def behind_nginx(start_two_servers, tmp_path: Path) -> Iterator[tuple[list, NginxProcess]]:
    """Two run.py processes as docs/DEPLOY.md runs them, and nginx in front of them."""
    if NginxProcess.binary() is None:
        absent("nginx is not installed (apt-get install nginx)")
    servers = list(start_two_servers(WESUP_TRUSTED_PROXIES="1"))
    nginx = NginxProcess(tmp_path / "nginx", servers)
    try:
        yield servers, nginx.start()
    finally:
        nginx.stop()


def test_sockets_and_a_write_through_nginx_reach_both_processes(behind_nginx) -> None:
    """Through nginx: people sign in from addresses that land on either process; their pages
    connect over WebSocket, and over long polling that upgrades (which needs the sticky
    sessions); a task written through nginx reaches every one of them. Each process logs the
    client's own address, which it can know only from nginx's X-Forwarded-For."""
    servers, nginx = behind_nginx
    admin = create_first_admin(servers[0])
    add_person(admin, "alice", "agent", "Alice Agent")
    add_person(admin, "vera", "viewer", "Vera Viewer")

    viewers: dict[int, Browser] = {}  # server index -> a browser that nginx sends there
    for n in range(1, 40):
        source = f"127.0.{n}.1"
        browser = Browser(nginx.url, source=source).login("vera")
        held_by = process_that_signed_in(servers, f"vera signed in from {source} over http")
        viewers.setdefault(held_by, browser)
        if len(viewers) == 2:
            break
    assert sorted(viewers) == [0, 1], "ip_hash sent every address to one process"

    pages: list[LiveSocket] = []
    try:
        for browser in viewers.values():
            for transports in (["websocket"], ["polling", "websocket"]):
                pages.append(LiveSocket(nginx, browser, transports=transports, view="board"))
                pages[-1].connect()
        alice = Browser(nginx.url, source="127.0.200.1").login("alice")
        task = alice.api("POST", "/api/tasks", {"title": "Written through nginx"})["task"]
        for page in pages:
            (event,) = page.wait_for("event", 1)
            assert (event["kind"], event["task"]["id"]) == ("task.created", task["id"])
    finally:
        for page in pages:
            page.close()
