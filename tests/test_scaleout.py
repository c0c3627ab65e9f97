"""Scale-out: two run.py processes share one PostgreSQL database and a Redis message queue.

A change saved through either process reaches the sockets connected to the other, in one
seq order. Skipped only when PostgreSQL or Redis is missing and CI is not set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import redis
import requests

from tests.conftest import IN_CI, POSTGRES_URL
from tests.server_process import Browser, LiveSocket, ServerProcess, create_first_admin

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

REDIS_URL = os.environ.get("WESUP_TEST_MESSAGE_QUEUE", "redis://127.0.0.1:6379/15")


def absent(message: str) -> None:
    """A missing service skips the test on a developer's machine and fails it in CI."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_services() -> None:
    """PostgreSQL (WESUP_TEST_DATABASE_URL) and Redis must answer."""
    if not POSTGRES_URL:
        absent("WESUP_TEST_DATABASE_URL is not set")
    try:
        psycopg2.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg2.OperationalError as exc:
        absent(f"PostgreSQL is not reachable: {exc}")
    queue = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        queue.ping()
    except redis.RedisError as exc:
        absent(f"Redis is not reachable at {REDIS_URL}: {exc}")
    finally:
        queue.close()


def reset_schema(url: str) -> None:
    """An empty public schema: run.py's migrations build it, and nothing is left behind."""
    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    finally:
        connection.close()


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Processes A and B on one database and one queue, with one secret (cookies work on both)."""
    require_services()
    reset_schema(POSTGRES_URL)
    # The test queue's Redis database: a killed run's presence keys would linger 30 s.
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {"WESUP_MESSAGE_QUEUE": REDIS_URL, "WESUP_SECRET_KEY": "scale-out-" + tmp_path.name}
    servers = [ServerProcess(tmp_path / name, database_url=POSTGRES_URL, env=env) for name in "ab"]
    try:
        # One after the other: the first applies the migrations, the second finds them done.
        for server in servers:
            server.start()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        reset_schema(POSTGRES_URL)


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
