"""The transport against real run.py processes: silent and half-sent connections are dropped
after WESUP_HTTP_TIMEOUT (and a quiet WebSocket is not), garbage Socket.IO frames cost no
traceback and get their sender cut, client events named connect/disconnect reach no handler,
and an oversized body is refused without the server reading it into memory.

The raw WebSocket speaks Engine.IO/Socket.IO by hand, as an attacker's script would.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import websocket

from tests.builders import KIOSK_NONCE, NEW_KIOSK_LINK
from tests.conftest import REDIS_URL, require_redis
from tests.server_process import (
    Browser,
    LiveSocket,
    ServerProcess,
    create_first_admin,
)

pytestmark = pytest.mark.e2e

TIMEOUT = 3  # WESUP_HTTP_TIMEOUT of the slow-client servers (pings every second)


class RawSocket:
    """A WebSocket to /socket.io/ that sends whatever it is told to, frame by frame."""

    def __init__(self, server: ServerProcess, browser: Browser | None = None) -> None:
        url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        headers = [f"Cookie: {browser.cookie_header()}"] if browser else None
        self.ws = websocket.create_connection(url, header=headers, timeout=10)
        opened = self.ws.recv()
        assert opened.startswith("0{"), opened

    def join(self, auth: dict[str, Any]) -> list[str]:
        """Socket.IO's connect with `auth`; returns the frames up to the server's answer."""
        self.ws.send("40" + json.dumps(auth))
        frames = [self.ws.recv()]
        while not frames[-1].startswith(("40", "44")):
            frames.append(self.ws.recv())
        return frames

    def _frames_until(self, deadline: float) -> Iterator[str]:
        """What the server sends until the monotonic `deadline`, its pings answered."""
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                return
            if frame == "2":
                self.ws.send("3")
            else:
                yield frame

    def frames_for(self, seconds: float) -> list[str]:
        """Whatever the server sends within `seconds`."""
        return list(self._frames_until(time.monotonic() + seconds))

    def cut_within(self, seconds: float) -> bool:
        """True once the server cut this client, waiting up to `seconds`: it disconnected
        its Socket.IO connection ("41") or closed the socket."""
        try:
            for frame in self._frames_until(time.monotonic() + seconds):
                if frame in ("", "1") or frame.startswith("41"):
                    return True
        except (websocket.WebSocketException, OSError):
            return True  # closed, or the server wrote no WebSocket frame at all
        return False

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def open_raw() -> Iterator[Any]:
    """Open raw sockets (`open_raw(server, browser=None)`); all are closed afterwards."""
    opened: list[RawSocket] = []

    def open_one(server: ServerProcess, browser: Browser | None = None) -> RawSocket:
        opened.append(RawSocket(server, browser))
        return opened[-1]

    yield open_one
    for raw in opened:
        raw.close()


def frames_named(frames: list[str], name: str) -> list[str]:
    return [frame for frame in frames if frame.startswith(f'42["{name}"')]


# --- slow clients --------------------------------------------------------------------------------


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Any]:
    """Start run.py processes; stop them afterwards."""
    servers: list[ServerProcess] = []

    def start(name: str, **options: Any) -> ServerProcess:
        server = ServerProcess(tmp_path / name, **options)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def is_closed(connection: socket.socket, until: float) -> bool:
    """Whether the server closed this raw connection before the monotonic time `until`."""
    connection.settimeout(max(0.05, until - time.monotonic()))
    try:
        while connection.recv(4096):
            pass  # an error page for the half-sent request: the close follows
    except TimeoutError:
        return False
    except OSError:
        return True  # reset
    return True


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent", "threading"])
def test_silent_and_half_sent_connections_are_dropped_and_others_get_in(start_server, async_mode):
    """Today 300 such connections stayed open for 60 s and more, and once eventlet's cap
    was reached nobody else got an answer. With the cap at 20 and 30 slow clients, a normal
    request waits at most about one timeout, and every slow client is dropped."""
    server = start_server(
        async_mode,
        async_mode=async_mode,
        env={
            "WESUP_MAX_CONNECTIONS": "20",
            "WESUP_HTTP_TIMEOUT": str(TIMEOUT),
            "WESUP_PING_INTERVAL": "1",
            "WESUP_PING_TIMEOUT": "1",
        },
    )
    admin = create_first_admin(server)
    board = LiveSocket(server, admin, view="board").connect()  # quiet but alive: must stay

    slow = []
    for number in range(30):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        if number % 2:
            connection.sendall(b"GET /login HT")  # half a request line, then nothing
        slow.append(connection)
    started = time.monotonic()
    try:
        answer = requests.get(server.url + "/login", timeout=30)
        waited = time.monotonic() - started
        assert answer.status_code == 200
        assert waited < TIMEOUT + 10, f"a normal request waited {waited:.1f} s"
        until = started + 4 * TIMEOUT + 10  # the last ones wait for a free slot first
        still_open = [number for number, c in enumerate(slow) if not is_closed(c, until)]
        assert still_open == [], f"slow connections still open after {until - started:.0f} s"
    finally:
        for connection in slow:
            connection.close()

    time.sleep(max(0.0, started + 2 * TIMEOUT + 1 - time.monotonic()))
    assert board.client.connected  # pings kept the WebSocket alive past the timeout
    admin.api("POST", "/api/tasks", {"title": "Still live"})
    assert board.wait_for("event", 1)[0]["task"]["title"] == "Still live"
    board.close()
    assert "Traceback" not in server.output()


# --- Socket.IO frames ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One eventlet server for the frame tests: an admin, Alice (agent), Vera (viewer)."""
    server = ServerProcess(tmp_path_factory.mktemp("frames"))
    server.start()
    try:
        admin = create_first_admin(server)
        server.create_user("alice", "agent", "Alice Agent")
        server.create_user("vera", "viewer", "Vera Viewer")
        yield {
            "server": server,
            "admin": admin,
            "alice": Browser(server.url).login("alice"),
            "vera": Browser(server.url).login("vera"),
        }
    finally:
        server.stop()


def log_growth(server: ServerProcess, action: Any) -> str:
    """What the server wrote to its log while `action` ran."""
    before = len(server.output())
    action()
    time.sleep(0.5)
    return server.output()[before:]


GARBAGE = ["4x", "42[", '42{"a": 1}', "4", "42[1]", "43", "44", "45-[]", "46", "49"]


def test_garbage_frames_cost_no_traceback_and_their_sender_is_cut(team, open_raw):
    """Today one anonymous connection sending 42[ wrote 0.8 MB of tracebacks a second."""
    server = team["server"]
    raw = open_raw(server)  # anonymous: its Socket.IO connect is refused, the socket stays
    assert raw.join({"view": "board"})[-1].startswith("44")

    def flood() -> None:
        for frame in GARBAGE * 30:
            try:
                raw.ws.send(frame)
            except (websocket.WebSocketConnectionClosedException, OSError):
                break  # cut while still sending: fine
        assert raw.cut_within(10), "the sender of 300 garbage frames is still connected"

    written = log_growth(server, flood)
    assert "Traceback" not in written
    assert len(written) < 1000, written  # one line about the cut, not one per frame
    assert "cut Socket.IO connection" in written


def test_garbage_engineio_frames_cost_no_traceback(team, open_raw):
    """One level down: garbage over a WebSocket ends it; over long polling each POST is
    refused (Engine.IO answered 200 and logged a traceback, keeping the session, or never
    answered at all)."""
    server = team["server"]

    def websocket_garbage() -> None:
        for frame in ["x", "", "bnot base64!"]:
            raw = open_raw(server)
            raw.ws.send(frame)
            assert raw.cut_within(10)

    def polling_garbage() -> None:
        opened = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", timeout=10)
        sid = re.search(r'"sid":"([^"]+)"', opened.text).group(1)
        url = f"{server.url}/socket.io/?EIO=4&transport=polling&sid={sid}"
        answers = [requests.post(url, data=b"x", timeout=10).status_code for _ in range(4)]
        assert answers == [400] * 4
        # A packet type no client sends made Engine.IO close the session and wait, with
        # this POST unanswered, for a poll that never came.
        assert requests.post(url, data=b"9", timeout=10).status_code == 400

    written = log_growth(server, websocket_garbage) + log_growth(server, polling_garbage)
    assert "Traceback" not in written


def test_client_events_named_connect_or_disconnect_reach_no_handler(team, open_raw):
    """Today `42["disconnect"]` hid Alice from the boards and each `42["connect", ...]`
    re-ran her catch-up replay (500 events per 60-byte frame at most)."""
    server, alice = team["server"], team["alice"]
    alice.api("POST", "/api/tasks", {"title": "Seen before"})
    alice.api("POST", "/api/tasks", {"title": "Missed, replayed"})
    since = alice.refresh_csrf()["seq"] - 1  # the page missed the newest event
    board = LiveSocket(server, team["vera"], view="board").connect()
    board.wait_for("presence", 1)

    raw = open_raw(server, alice)
    joined = raw.join({"view": "mine", "since": since})
    joined += raw.frames_for(1)
    assert len(frames_named(joined, "replay")) == 1
    online = board.wait_for("presence", 2)[-1]["online"]
    assert [person["name"] for person in online] == ["Alice Agent"]

    raw.ws.send('42["disconnect"]')
    raw.ws.send("42" + json.dumps(["connect", {"view": "mine", "since": since}]))
    raw.ws.send("42" + json.dumps(["connect", 1, {"view": "board", "since": since}]))
    later = raw.frames_for(2)
    assert frames_named(later, "replay") == [] and frames_named(later, "reload") == []
    assert len(board.received["presence"]) == 2  # nobody told the boards Alice left
    board.close()


def test_an_oversized_body_is_refused_without_the_server_reading_it_into_memory(team):
    server, alice = team["server"], team["alice"]
    body = b'{"title": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    before = server.rss_kib()
    started = time.monotonic()
    answer = alice.post(
        "/api/tasks",
        data=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": alice.csrf_token},
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert time.monotonic() - started < 10
    grown = server.rss_kib() - before
    assert grown < 8 * 1024, f"the server grew by {grown} KiB for a refused 20 MB body"


# --- a revoked kiosk's socket --------------------------------------------------------------------


def test_a_revoked_kiosk_socket_that_said_disconnect_is_still_cut_by_the_sweep(
    start_server, open_raw
):
    """Today `42["disconnect"]` took a kiosk socket off this process's list, so when another
    process revoked its link the housekeeping sweep never cut it."""
    require_redis(REDIS_URL)  # the sweep runs with a message queue only
    with redis.Redis.from_url(REDIS_URL) as queue:
        queue.flushdb()  # presence keys of a killed run would linger
    server = start_server("kiosk", env={"WESUP_MESSAGE_QUEUE": REDIS_URL})
    admin = create_first_admin(server)
    nonce = KIOSK_NONCE.search(admin.get("/admin/kiosks").text).group(1)
    created = admin.post_form("/admin/kiosks", {"name": "Support room TV", "nonce": nonce})
    assert created.status_code == 201, created.text
    secret = NEW_KIOSK_LINK.search(created.text).group(1)
    tv = Browser(server.url)
    assert tv.get(f"/board?kiosk={secret}", allow_redirects=False).status_code == 302

    raw = open_raw(server, tv)
    assert raw.join({"view": "wall"})[-1].startswith("40{")
    raw.ws.send('42["disconnect"]')

    # Another process revokes the link: here, only the row changes.
    database = server.workdir / "instance" / "wesup.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE kiosk_tokens SET revoked_at = '2020-01-01 00:00:00.000000' WHERE name = ?",
            ("Support room TV",),
        )
    assert raw.cut_within(25), "the sweep (every 10 s) never cut the revoked kiosk socket"
