"""Scale-out: two run.py processes share one PostgreSQL database and a Redis message queue.

A change saved through either process reaches the sockets connected to the other, in one
seq order, even when Redis went away for a while or hangs; deactivating a person or resetting
their password cuts their sockets on every process. Skipped only when PostgreSQL or Redis is
missing and CI is not set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import requests
import socketio

from tests.conftest import POSTGRES_URL, absent
from tests.server_process import (
    Browser,
    LiveSocket,
    RedisServer,
    ServerProcess,
    add_person,
    create_first_admin,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

# wesup/sockets.py HOUSEKEEPING_SECONDS, plus a start-up round and a slow CI box.
SWEEP_BOUND = 25


@pytest.fixture
def two_servers(start_two_servers) -> tuple[ServerProcess, ServerProcess]:
    """Processes A and B on one database and the test Redis."""
    return start_two_servers()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, which it may stop, restart and freeze."""
    if not RedisServer.available():
        absent("redis-server is not installed")
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


def test_a_change_on_one_process_reaches_sockets_on_the_other(two_servers) -> None:
    """The board open on B sees what an agent saves on A, and the other way round."""
    a, b = two_servers
    admin = create_first_admin(a)
    # B printed its own link before anyone existed; the first admin made on A kills it.
    b_setup = b.setup_url()
    assert b_setup and requests.get(b_setup, timeout=10).status_code == 404
    a.create_user("alice", "agent", "Alice Agent")
    b.create_user("vera", "viewer", "Vera Viewer")
    agent_on_a = Browser(a.url).login("alice")
    viewer_on_b = Browser(b.url).login("vera")
    agent_on_b = Browser(b.url)
    agent_on_b.cookies.update(agent_on_a.cookies)  # one login, valid on both processes
    agent_on_b.refresh_csrf()

    board_on_b = LiveSocket(b, viewer_on_b, view="board").connect()
    board_on_a = LiveSocket(a, admin, view="board").connect()
    try:
        task = agent_on_a.api("POST", "/api/tasks", {"title": "Saved on A"})["task"]
        comment = {"body": "Commented on B"}
        agent_on_b.api("POST", f"/api/tasks/{task['id']}/comments", comment)

        for board in (board_on_b, board_on_a):
            created, commented = board.wait_for("event", 2)
            assert created["kind"] == "task.created"
            assert created["task"]["title"] == "Saved on A"
            assert commented["kind"] == "task.commented"
            assert commented["comment"]["body"] == "Commented on B"
            assert created["seq"] < commented["seq"]
        assert board_on_a.events == board_on_b.events
    finally:
        board_on_a.close()
        board_on_b.close()


def test_who_is_online_is_the_same_on_every_process(two_servers) -> None:
    """Alice's tab on A shows on the board open on B, and leaves it when she closes it."""
    a, b = two_servers
    create_first_admin(a)
    a.create_user("alice", "agent", "Alice Agent")
    b.create_user("vera", "viewer", "Vera Viewer")
    board_on_b = LiveSocket(b, Browser(b.url).login("vera"), view="board").connect()
    alice_on_a = LiveSocket(a, Browser(a.url).login("alice"), view="mine")

    def online_names(message: dict) -> list[str]:
        return [person["name"] for person in message["online"]]

    try:
        assert online_names(board_on_b.wait_for("presence", 1)[-1]) == []
        alice_on_a.connect()
        assert online_names(board_on_b.wait_for("presence", 2)[-1]) == ["Alice Agent"]
        # A board opened on B later asks B, which must know about A's people too.
        late_board = LiveSocket(b, Browser(b.url).login("vera"), view="board").connect()
        try:
            assert online_names(late_board.wait_for("presence", 1)[0]) == ["Alice Agent"]
        finally:
            late_board.close()
        alice_on_a.close()
        assert online_names(board_on_b.wait_for("presence", 3)[-1]) == []
    finally:
        alice_on_a.close()
        board_on_b.close()


def test_deactivation_and_a_password_reset_cut_sockets_on_every_process(two_servers) -> None:
    """Pages on B that ignore `session.ended` (a tampered-with client) are still disconnected,
    within seconds, when an admin on A deactivates their person or resets their password, and
    get no event after that; reconnecting is refused."""
    a, b = two_servers
    admin = create_first_admin(a)
    add_person(admin, "alice", "agent", "Alice Agent")
    add_person(admin, "bob", "agent", "Bob Agent")
    add_person(admin, "vera", "viewer", "Vera Viewer")
    alice, bob = Browser(b.url).login("alice"), Browser(b.url).login("bob")
    alice_id, bob_id = (person.refresh_csrf()["user"]["id"] for person in (alice, bob))
    alice_board = LiveSocket(b, alice, view="board").connect()
    bob_mine = LiveSocket(b, bob, view="mine").connect()
    bob_board = LiveSocket(b, bob, view="board").connect()
    witness = LiveSocket(b, Browser(b.url).login("vera"), view="board").connect()
    try:
        deactivate = {"login": "alice", "name": "Alice Agent", "role": "agent"}  # box unticked
        assert admin.post_form(f"/admin/users/{alice_id}", deactivate).status_code == 302
        assert alice_board.wait_cut(5) < 5
        reset = {"login": "bob", "name": "Bob Agent", "role": "agent", "active": "y"}
        reset["password"] = "a brand new secret"
        assert admin.post_form(f"/admin/users/{bob_id}", reset).status_code == 302
        assert bob_mine.wait_cut(5) < 5
        assert bob_board.wait_cut(5) < 5
        assert bob_mine.received["session.ended"] == [{}]  # told why, before the cut

        # Later changes, one for the board and one for every page, reach the witness alone.
        admin.api("POST", "/api/tasks", {"title": "After they left"})
        admin.api("POST", "/api/chats", {"name": "Acme"})
        kinds = [e["kind"] for e in witness.wait_for("event", 2)]
        assert kinds == ["task.created", "chat.created"]
        for page in (alice_board, bob_mine, bob_board):
            assert page.events == []
        for person in (alice, bob):
            with pytest.raises(socketio.exceptions.ConnectionError):
                LiveSocket(b, person, view="board").connect()
    finally:
        for page in (alice_board, bob_mine, bob_board, witness):
            page.close()


def test_the_sweep_cuts_a_person_changed_behind_the_servers_back(two_servers) -> None:
    """No message reaches B at all (the change went straight into the database, as a script
    or a restore would make it): B's housekeeping sweep re-checks the people behind its
    sockets and cuts the deactivated one and the one whose password changed."""
    a, b = two_servers
    admin = create_first_admin(a)
    for login in ("alice", "bob", "carol"):
        add_person(admin, login, "agent")
    pages = {
        login: LiveSocket(b, Browser(b.url).login(login), view="mine").connect()
        for login in ("alice", "bob", "carol")
    }
    try:
        connection = psycopg2.connect(POSTGRES_URL)
        with connection, connection.cursor() as cursor:
            cursor.execute("UPDATE users SET active = false WHERE login = 'alice'")
            cursor.execute(
                "UPDATE users SET password_hash = 'x' || password_hash WHERE login = %s", ("bob",)
            )
        connection.close()
        assert pages["alice"].wait_cut(SWEEP_BOUND) < SWEEP_BOUND
        assert pages["bob"].wait_cut(SWEEP_BOUND) < SWEEP_BOUND
        assert pages["carol"].client.connected  # unchanged people stay
    finally:
        for page in pages.values():
            page.close()


def test_no_event_is_lost_when_redis_blips_or_freezes(start_two_servers, private_redis) -> None:
    """Redis stops while an agent writes on A, comes back, another write follows: the pages on
    B end up with both, in seq order, without a reload. A frozen Redis (SIGSTOP) neither holds
    the write's answer nor keeps the change from B's pages."""
    a, b = start_two_servers(private_redis.url)
    admin = create_first_admin(a)
    add_person(admin, "alice", "agent", "Alice Agent")
    add_person(admin, "vera", "viewer", "Vera Viewer")
    alice_on_a = Browser(a.url).login("alice")
    pages = [
        LiveSocket(b, Browser(b.url).login("vera"), view="board").connect(),
        LiveSocket(b, Browser(b.url).login("alice"), view="mine").connect(),
        LiveSocket(a, admin, view="board").connect(),
    ]

    def write(title: str) -> tuple[dict, float]:
        """Create a task as Alice on A; the task and how long the answer took."""
        started = time.monotonic()
        response = alice_on_a.post(
            "/api/tasks",
            json={"title": title},
            headers={"X-CSRFToken": alice_on_a.csrf_token},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()["task"], time.monotonic() - started

    def assert_every_page_has(titles: list[str]) -> None:
        for page in pages:
            got = page.wait_for("event", len(titles), timeout=15)
            assert [event["task"]["title"] for event in got] == titles, page.server.url
            seqs = [event["seq"] for event in got]
            assert seqs == sorted(set(seqs))
            assert page.received["reload"] == []

    try:
        private_redis.stop()
        write("While Redis was down")
        private_redis.start()
        write("After Redis came back")
        assert_every_page_has(["While Redis was down", "After Redis came back"])

        private_redis.freeze()
        try:
            _, answered_in = write("While Redis was frozen")
            assert answered_in < 3
            assert_every_page_has(
                ["While Redis was down", "After Redis came back", "While Redis was frozen"]
            )
        finally:
            private_redis.thaw()
    finally:
        for page in pages:
            page.close()
