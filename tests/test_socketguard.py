"""What clients send over Socket.IO is checked before python-socketio dispatches it
(wesup/socketguard.py): malformed packets are dropped without a traceback, client events
named connect or disconnect reach no handler, and a connection that keeps sending either is
cut. The same over a real server and a raw WebSocket: tests/test_transport.py."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from tests.builders import make_task, signed_in
from tests.test_kiosk import create_link, open_kiosk, revoke_elsewhere
from wesup import sockets
from wesup.enums import Role
from wesup.extensions import live_state, socketio

GUARD = "wesup.packet_guard"
# Each one a different way to be wrong; python-socketio raised on every one of them.
GARBAGE = ["4x", "2[", '2{"a": 1}', "2", "2[1]", "2[null]", "9", "3", "4{}", "51-[]"]


def names(app: Any) -> list[str]:
    return [person["name"] for person in live_state.of(app).presence.online()]


def received(sio: Any, name: str) -> list[Any]:
    return [item["args"] for item in sio.get_received() if item["name"] == name]


def send_raw(sio: Any, data: str | bytes) -> None:
    """A Socket.IO packet as the client's Engine.IO connection delivers it (without the
    Engine.IO message prefix "4": "2[...]" is an event, "1" a namespace disconnect)."""
    socketio.server._handle_eio_message(sio.eio_sid, data)


def logged_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


@pytest.mark.parametrize("name", ["disconnect", "connect", "connect_error"])
def test_a_client_event_with_a_reserved_name_reaches_no_handler(app, socket_client, name):
    """Today `42["disconnect"]` took a person out of presence and `42["connect", ...]` ran
    the catch-up replay again, once per 60-byte frame."""
    agent = signed_in(app, "alice")
    make_task(app, agent.user, "Seen")
    make_task(app, agent.user, "Missed, to replay")
    board = socket_client(signed_in(app, "vera", role=Role.LEAD).client, view="board")
    page = socket_client(agent.client, view="mine", since=1)
    assert len(received(page, "replay")) == 1
    board.get_received()

    page.emit(name)
    page.emit(name, {"view": "mine", "since": 1})
    page.emit(name, 1, {"view": "board", "since": 1})

    assert names(app) == ["Alice", "Vera"]
    assert received(page, "replay") == []
    assert received(page, "reload") == []
    assert received(board, "presence") == []  # nobody told the boards Alice left
    assert page.is_connected()  # three refused packets: below the limit


def test_a_revoked_kiosk_socket_that_said_disconnect_is_still_cut_by_the_sweep(app, socket_client):
    """Today `42["disconnect"]` took a kiosk socket off the sweep's list: once its link was
    revoked on another process, nothing ever cut it."""
    admin = signed_in(app, "root", role=Role.ADMIN)
    kiosk_id, secret = create_link(admin)
    tv = socket_client(open_kiosk(app, secret), view="wall")
    tv.emit("disconnect")
    assert list(live_state.of(app).kiosk_sockets.snapshot().values()) == [kiosk_id]

    revoke_elsewhere(app, kiosk_id)
    with app.app_context():
        assert sockets.sweep_kiosks(live_state.of(app)) == 1
    assert not tv.is_connected()


def test_malformed_packets_are_dropped_without_a_traceback(app, socket_client, caplog):
    caplog.set_level(logging.DEBUG)
    agent = signed_in(app, "alice")
    page = socket_client(agent.client, view="mine")
    guard = app.extensions[GUARD]
    for data in GARBAGE[: guard.limit - 1]:
        send_raw(page, data)
    assert page.is_connected()
    assert names(app) == ["Alice"]
    assert logged_tracebacks(caplog) == []


@pytest.mark.parametrize("data", [*GARBAGE, "31", b"42[]", "", "2" + "9" * 120])
def test_each_kind_of_garbage_is_refused_before_python_socketio(app, socket_client, caplog, data):
    caplog.set_level(logging.DEBUG)
    page = socket_client(signed_in(app, "alice").client, view="mine")
    send_raw(page, data)
    assert app.extensions[GUARD].strikes(page.eio_sid) == 1
    assert page.is_connected()
    assert logged_tracebacks(caplog) == []


@pytest.mark.parametrize("data", ["31[]", '2["hello",{"a":1}]', "1"])
def test_well_formed_packets_pass(app, socket_client, data):
    """An acknowledgement, an event with a name of its own, a namespace disconnect."""
    page = socket_client(signed_in(app, "alice").client, view="mine")
    send_raw(page, data)
    assert app.extensions[GUARD].strikes(page.eio_sid) == 0


def test_a_client_that_keeps_sending_garbage_is_cut(app, socket_client, caplog):
    caplog.set_level(logging.DEBUG)
    board = socket_client(signed_in(app, "vera", role=Role.LEAD).client, view="board")
    page = socket_client(signed_in(app, "alice").client, view="mine")
    board.get_received()
    guard = app.extensions[GUARD]
    for data in GARBAGE[: guard.limit]:
        send_raw(page, data)
    assert not page.is_connected()
    # Cut as the server cuts anybody: the disconnect handler ran and the boards heard of it.
    assert names(app) == ["Vera"]
    assert [args[0]["online"][0]["name"] for args in received(board, "presence")] == ["Vera"]
    assert logged_tracebacks(caplog) == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and re.search(r"cut Socket\.IO connection .*: 5 refused", warnings[0])


def test_strikes_older_than_the_window_are_forgotten(app, socket_client):
    page = socket_client(signed_in(app, "alice").client, view="mine")
    guard = app.extensions[GUARD]
    now = [1000.0]
    guard.clock = lambda: now[0]
    for _ in range(guard.limit - 1):
        send_raw(page, "2[")
    now[0] += guard.window + 1
    for _ in range(guard.limit - 1):
        send_raw(page, "2[")
    assert page.is_connected()
    send_raw(page, "2[")
    assert not page.is_connected()


def test_a_loop_of_connects_on_one_connection_is_cut(app, socket_client):
    """Leaving and joining again is fair after a server-side cut, but each join replays what
    the page missed: a connection that keeps doing it is cut like one that sends garbage."""
    agent = signed_in(app, "alice")
    make_task(app, agent.user, "Seen")
    make_task(app, agent.user, "Missed, to replay")
    page = socket_client(agent.client, view="mine", since=1)
    guard = app.extensions[GUARD]
    replays = len(received(page, "replay"))
    for _ in range(guard.limit - 1):
        page.disconnect()
        page.connect(auth={"view": "mine", "since": 1})
        assert page.is_connected()
        replays += len(received(page, "replay"))
    assert replays == guard.limit  # the first join and each fair one caught up
    page.disconnect()
    page.connect(auth={"view": "mine", "since": 1})
    assert not page.is_connected()
    assert [item for item in page.queue if item["name"] == "replay"] == []  # a closed client's


def test_events_still_reach_the_handlers(app, socket_client):
    """The guard lets the protocol through: a kiosk's message is still checked against its
    link (the catch-all handler), so a socket of a revoked link that talks is cut."""
    admin = signed_in(app, "root", role=Role.ADMIN)
    kiosk_id, secret = create_link(admin)
    tv = socket_client(open_kiosk(app, secret), view="wall")
    revoke_elsewhere(app, kiosk_id)
    tv.emit("anything", {"a": 1})
    assert not tv.is_connected()


# --- long polling: Engine.IO's own packets ----------------------------------------------------


def open_polling(client: Any) -> str:
    """Open an Engine.IO long-polling session; returns its sid."""
    response = client.get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 200
    return re.search(r'"sid":"([^"]+)"', response.get_data(as_text=True)).group(1)


def test_an_undecodable_polling_post_is_refused_quietly_and_repeats_cut_the_session(app, caplog):
    """Engine.IO logged a traceback for each such POST and kept the session open."""
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    sid = open_polling(client)
    url = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    guard = app.extensions[GUARD]
    for body in ["x", "bnot base64!", "\x1ex", "d=", *["x"] * guard.limit]:
        response = client.post(url, data=body.encode(), content_type="text/plain")
        assert response.status_code == 400
    assert sid not in socketio.server.eio.sockets
    assert logged_tracebacks(caplog) == []


@pytest.mark.parametrize(
    "body",
    [
        b"4" + b"x" * 1_000_001,  # over Engine.IO's limit: it closed the session and hung
        b"9",  # a packet type nobody sends: the same
        b"0",
        b"2probe",  # a ping: servers ping, clients answer
        b"6",
    ],
)
def test_a_polling_post_engineio_would_hang_on_is_refused_at_once(app, caplog, body):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    sid = open_polling(client)
    url = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    assert client.post(url, data=body, content_type="text/plain").status_code == 400
    assert app.extensions[GUARD].strikes(sid) == 1
    assert sid in socketio.server.eio.sockets  # one strike: the session stands
    assert logged_tracebacks(caplog) == []


def test_a_polling_post_with_a_bad_length_is_refused(app):
    client = app.test_client()
    sid = open_polling(client)
    url = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    bad = client.post(url, data=b"40", environ_overrides={"CONTENT_LENGTH": "4O"})
    assert bad.status_code == 400
    assert app.extensions[GUARD].strikes(sid) == 1


def test_a_well_formed_polling_post_passes(app):
    client = app.test_client()
    sid = open_polling(client)
    url = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    assert client.post(url, data=b"40", content_type="text/plain").status_code == 200
    assert app.extensions[GUARD].strikes(sid) == 0


def test_a_polling_post_with_a_strangers_sid_is_refused_and_not_remembered(app):
    client = app.test_client()
    guard = app.extensions[GUARD]
    for number in range(50):
        url = f"/socket.io/?EIO=4&transport=polling&sid=made-up-{number}"
        assert client.post(url, data=b"x", content_type="text/plain").status_code == 400
    assert all(guard.strikes(f"made-up-{n}") == 0 for n in range(50))
    assert guard._strikes == {}  # nothing kept for them
