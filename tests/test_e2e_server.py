"""WeSup as people run it: run.py in a real process, real Socket.IO clients over WebSocket.

Covers what the in-process tests cannot: the printed setup link, monkey-patched async modes,
the session cookie shared by HTTP and WebSocket, and catching up after the server restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.server_process import (
    PASSWORD,
    Browser,
    LiveSocket,
    ServerProcess,
    create_first_admin,
)

pytestmark = pytest.mark.e2e

TASK_FLOW = ["task.created", "task.status", "task.commented", "task.deleted"]


class Team:
    """A fresh server's people: the first admin (from the setup link), an agent, a viewer."""

    def __init__(self, server: ServerProcess, sockets: list[LiveSocket]) -> None:
        self.server = server
        self._sockets = sockets
        setup_path = server.setup_url()
        self.admin = create_first_admin(server)
        assert self.admin.refresh_csrf()["user"]["role"] == "admin"
        # The link works once: it now leads nowhere.
        assert self.admin.get(setup_path.removeprefix(server.url)).status_code == 404

        # One person through the admin page, one through the CLI, as both paths are supported.
        created = self.admin.post_form(
            "/admin/users",
            {"login": "alice", "name": "Alice Agent", "role": "agent", "password": PASSWORD},
        )
        assert created.status_code == 302, created.text
        server.create_user("vera", "viewer", "Vera Viewer")

        self.agent = Browser(server.url).login("alice")
        self.viewer = Browser(server.url).login("vera")
        self.agent_id = self.agent.refresh_csrf()["user"]["id"]

    def close(self) -> None:
        """Close the people's HTTP connections."""
        for browser in (self.admin, self.agent, self.viewer):
            browser.close()

    def socket(self, browser: Browser | None, **auth: Any) -> LiveSocket:
        """A connected socket sharing `browser`'s login (None: anonymous)."""
        live = LiveSocket(self.server, browser, **auth)
        self._sockets.append(live)
        return live.connect()

    def status(self, category: str) -> dict[str, Any]:
        """The first status of a category, as the API lists it."""
        statuses = self.agent.api("GET", "/api/statuses")["statuses"]
        return next(status for status in statuses if status["category"] == category)


@pytest.fixture
def start_team(tmp_path: Path) -> Iterator[Callable[..., Team]]:
    """Start run.py in a given async mode and set up its people; stop everything afterwards."""
    servers: list[ServerProcess] = []
    sockets: list[LiveSocket] = []
    teams: list[Team] = []

    def start(async_mode: str) -> Team:
        """Start one server and set up its people."""
        server = ServerProcess(tmp_path / async_mode, async_mode=async_mode)
        servers.append(server)
        server.start()
        teams.append(Team(server, sockets))
        return teams[-1]

    yield start
    for live in sockets:
        live.close()
    for team in teams:
        team.close()
    for server in servers:
        server.stop()


def assert_increasing(events: list[dict[str, Any]]) -> None:
    """Each event's seq is larger than the one before: no duplicates, no reordering."""
    seqs = [event["seq"] for event in events]
    assert seqs == sorted(set(seqs)), seqs


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent", "threading"])
def test_board_and_my_tasks_follow_every_change_live(start_team, async_mode: str) -> None:
    """The agent's changes reach the board (all of them) and the agent's own page (theirs)."""
    team = start_team(async_mode)
    assert f"({async_mode})" in team.server.output()

    with pytest.raises(socketio.exceptions.ConnectionError):
        team.socket(None, view="board")

    board = team.socket(team.viewer, view="board")
    mine = team.socket(team.agent, view="mine")

    # Somebody else's task is on the board but not on Alice's own page.
    other = team.admin.api("POST", "/api/tasks", {"title": "Admin's own task"})["task"]
    task = team.agent.api("POST", "/api/tasks", {"title": "VPN down <b>"})["task"]
    done = team.status("done")
    team.agent.api(
        "PATCH", f"/api/tasks/{task['id']}", {"status_id": done["id"], "version": task["version"]}
    )
    team.agent.api("POST", f"/api/tasks/{task['id']}/comments", {"body": "Rebooted the gateway"})
    team.agent.api("DELETE", f"/api/tasks/{task['id']}")

    board_events = board.wait_for("event", 5)
    mine_events = mine.wait_for("event", 4)
    assert [event["kind"] for event in board_events] == ["task.created", *TASK_FLOW]
    assert board_events[0]["task"]["id"] == other["id"]
    assert [event["kind"] for event in mine_events] == TASK_FLOW
    assert [event["seq"] for event in mine_events] == [event["seq"] for event in board_events[1:]]
    assert_increasing(board_events)

    created, moved, commented, deleted = mine_events
    assert {event["task"]["id"] for event in mine_events} == {task["id"]}
    assert created["task"]["title"] == "VPN down <b>"
    assert created["task"]["agent"]["id"] == team.agent_id
    assert created["actor"]["id"] == team.agent_id
    assert moved["task"]["status"]["id"] == done["id"]
    assert moved["task"]["resolved_at"] is not None
    assert commented["comment"]["body"] == "Rebooted the gateway"
    assert commented["task"]["last_comment"] == "Rebooted the gateway"
    assert deleted["task"]["deleted"] is True
    assert team.viewer.refresh_csrf()["seq"] == deleted["seq"]


def test_after_a_crash_and_restart_pages_catch_up_exactly(start_team) -> None:
    """Events made while a page was away come back in order, once, after the server restarts."""
    team = start_team("eventlet")
    server = team.server
    board = team.socket(team.viewer, view="board")
    mine = team.socket(team.agent, view="mine")
    task = team.agent.api("POST", "/api/tasks", {"title": "Printer offline"})["task"]
    board_seen = board.wait_for("event", 1)[-1]["seq"]
    mine_seen = mine.wait_for("event", 1)[-1]["seq"]
    board.close()
    mine.close()

    # Missed while the pages were away: one change before the crash, two after the restart.
    team.agent.api("POST", f"/api/tasks/{task['id']}/comments", {"body": "Toner ordered"})
    server.kill()
    server.start()
    assert server.setup_url() is None, "people exist: no setup link on restart"
    done = team.status("done")  # the old session cookies still work after the restart
    version = team.agent.api("GET", f"/api/tasks/{task['id']}")["task"]["version"]
    team.agent.api(
        "PATCH", f"/api/tasks/{task['id']}", {"status_id": done["id"], "version": version}
    )
    team.admin.api("POST", "/api/tasks", {"title": "Admin's own task"})
    latest = team.viewer.refresh_csrf()["seq"]

    board = team.socket(team.viewer, view="board", since=board_seen)
    mine = team.socket(team.agent, view="mine", since=mine_seen)
    (board_replay,) = board.wait_for("replay", 1)
    (mine_replay,) = mine.wait_for("replay", 1)
    assert [e["kind"] for e in board_replay["events"]] == [
        "task.commented",
        "task.status",
        "task.created",
    ]
    assert [e["seq"] for e in board_replay["events"]] == list(range(board_seen + 1, latest + 1))
    assert [e["kind"] for e in mine_replay["events"]] == ["task.commented", "task.status"]
    assert board_replay["seq"] == mine_replay["seq"] == latest
    assert board.events == [] and mine.events == []
    assert board.received["reload"] == mine.received["reload"] == []

    # Live delivery resumes after the replay, continuing the same sequence.
    team.agent.api("DELETE", f"/api/tasks/{task['id']}")
    (live,) = board.wait_for("event", 1)
    assert live["kind"] == "task.deleted" and live["seq"] == latest + 1
    assert mine.wait_for("event", 1)[0]["seq"] == latest + 1
