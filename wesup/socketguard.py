"""A gate in front of python-socketio for what clients send: malformed packets are dropped
quietly, client events named like the server's own (connect, disconnect) never reach a
handler, and a connection that keeps sending either is cut; so is one that keeps leaving and
joining again (each join runs the catch-up replay).

Why here: python-socketio decodes a client's packet inside Engine.IO's message handler, so a
frame it cannot decode ("4x", "42[", '42{}') raises there and Engine.IO logs a traceback for
each one, connection after connection, signed in or not. And a client event named "connect"
or "disconnect" is dispatched to the handlers registered under those names, as if the
connection had opened or closed (a person vanishes from presence, a kiosk socket leaves the
sweep's list, the catch-up replay runs again). WeSup's pages emit no events at all, and
nothing in WeSup sends binary data: binary packets are refused too, so python-socketio never
waits for attachments.

The gate replaces python-socketio's Engine.IO message handler with a checked one; valid
packets go on to python-socketio unchanged. Flask-SocketIO's test client calls the server's
`_handle_eio_message` directly, so the gate is put there too. One level down, a long-polling
POST whose payload Engine.IO itself cannot decode would get a traceback logged and keep its
session, and one too long or with a packet type no client sends would hang for ever (Engine.IO
closes the session and waits for a poll that never comes): the gate answers them 400 and
counts them like the rest. (Such a frame over a WebSocket
ends that connection inside Engine.IO; under eventlet nothing is logged, under gevent and
threading their servers log it once per connection.)
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import socketio
from engineio import packet as eio_packet
from engineio.payload import Payload
from flask import Flask
from socketio import packet

RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error"})
STRIKE_LIMIT = 5  # dropped packets a connection may send within STRIKE_WINDOW seconds
STRIKE_WINDOW = 60.0
ACCEPTED = (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK)
# What an Engine.IO client sends (anything else makes Engine.IO close the session and hang).
FROM_POLLING_CLIENTS = {eio_packet.CLOSE, eio_packet.PONG, eio_packet.MESSAGE, eio_packet.UPGRADE}
KEY = "wesup.packet_guard"

log = logging.getLogger(__name__)


class Refused(Exception):
    """A client packet that must not reach python-socketio; the message says why."""


class PacketGuard:
    """Checks every packet a client sends before python-socketio dispatches it."""

    def __init__(
        self,
        server: socketio.Server,
        *,
        limit: int = STRIKE_LIMIT,
        window: float = STRIKE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.limit = limit
        self.window = window
        self.clock = clock
        self.cut = 0  # connections cut so far (for tests and curious operators)
        self._dispatch = server._handle_eio_message
        self._forget = server._handle_eio_disconnect
        self._handle_request = server.handle_request
        self._strikes: dict[str, deque[float]] = {}
        self._connected: set[str] = set()  # connections that sent a Socket.IO connect
        self._lock = threading.Lock()

    def install(self) -> None:
        """Stand in front of python-socketio's own Engine.IO handlers."""
        self.server.eio.on("message", self.on_message)
        self.server.eio.on("disconnect", self.on_disconnect)
        self.server._handle_eio_message = self.on_message  # the test client's way in
        self.server.handle_request = self.handle_request  # Flask-SocketIO's middleware calls it

    def handle_request(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        """An HTTP request to /socket.io/: a long-polling POST is checked first."""
        if environ.get("REQUEST_METHOD") == "POST":
            refused = self._check_post(environ)
            if refused:
                eio_sid = parse_qs(environ.get("QUERY_STRING", "")).get("sid", [""])[0]
                if eio_sid in self.server.eio.sockets:  # strangers' sids are not kept
                    self.strike(eio_sid, refused)
                start_response("400 BAD REQUEST", [("Content-Type", "text/plain")])
                return [b"Bad Request"]
        return self._handle_request(environ, start_response)

    def _check_post(self, environ: dict[str, Any]) -> str | None:
        """Why Engine.IO must not see this POST, or None; the body is read here and handed on.

        Besides garbage, what Engine.IO would refuse by closing the session: an over-long body
        or a packet a client never sends. Engine.IO's close waits until the client has polled
        what is queued, and the client waits for this answer: both would wait for ever.
        """
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return "a bad Content-Length"
        if int(length) > self.server.eio.max_http_buffer_size:
            return "an over-long Engine.IO payload"  # refused unread
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            payload = Payload(encoded_payload=body.decode("utf-8"))
        except Exception as exc:  # whatever the decoder trips on, the payload is garbage
            return f"an undecodable Engine.IO payload ({type(exc).__name__})"
        kinds = {pkt.packet_type for pkt in payload.packets}
        if not kinds <= FROM_POLLING_CLIENTS:
            return f"Engine.IO packet types {sorted(kinds - FROM_POLLING_CLIENTS)}"
        return None

    def on_message(self, eio_sid: str, data: Any) -> None:
        """One Engine.IO message from a client: a Socket.IO packet."""
        if eio_sid not in self.server.environ:
            return  # its connection was closed (cut) while this message was on its way
        try:
            kind = self.check(eio_sid, data)
        except Refused as refused:
            self.strike(eio_sid, str(refused))
            return
        if kind == packet.CONNECT and not self._first_connect(eio_sid):
            # Fair after a server-side disconnect (the page comes back), but each one runs the
            # connect handler, catch-up replay included: a loop of them is cut like garbage.
            if self.strike(eio_sid, "one more Socket.IO connect on the same connection"):
                return
        self._dispatch(eio_sid, data)

    def strikes(self, eio_sid: str) -> int:
        """Refused packets this connection has sent within the window so far."""
        with self._lock:
            return len(self._strikes.get(eio_sid, ()))

    def on_disconnect(self, eio_sid: str, reason: Any = None) -> None:
        with self._lock:
            self._strikes.pop(eio_sid, None)
            self._connected.discard(eio_sid)
        self._forget(eio_sid, reason)

    def _first_connect(self, eio_sid: str) -> bool:
        with self._lock:
            first = eio_sid not in self._connected
            self._connected.add(eio_sid)
        return first

    def check(self, eio_sid: str, data: Any) -> int:
        """The packet's type, or Refused unless python-socketio can dispatch the packet as the
        protocol means it."""
        if not isinstance(data, str):
            raise Refused("binary data")
        try:
            pkt = self.server.packet_class(encoded_packet=data)
        except Exception as exc:  # whatever the decoder trips on, the packet is garbage
            raise Refused(f"undecodable packet ({type(exc).__name__})") from None
        kind = pkt.packet_type
        if kind not in ACCEPTED:
            raise Refused(f"packet type {kind!r}")
        if kind in (packet.CONNECT, packet.DISCONNECT):
            return kind
        namespace = pkt.namespace or "/"
        sid = self.server.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not self.server.manager.is_connected(sid, namespace):
            raise Refused(f"not connected to namespace {namespace}")
        if kind == packet.ACK:
            if not isinstance(pkt.data, list):
                raise Refused("an acknowledgement without a list of arguments")
            return kind
        if not (isinstance(pkt.data, list) and pkt.data and isinstance(pkt.data[0], str)):
            raise Refused("an event without a name")
        if pkt.data[0] in RESERVED_EVENTS:
            raise Refused(f"a client event named {pkt.data[0]!r}")
        return kind

    def strike(self, eio_sid: str, reason: str) -> bool:
        """Count a refused packet; the STRIKE_LIMIT-th within STRIKE_WINDOW cuts the
        connection (returns True then)."""
        now = self.clock()
        with self._lock:
            strikes = self._strikes.setdefault(eio_sid, deque())
            strikes.append(now)
            while strikes and strikes[0] <= now - self.window:
                strikes.popleft()
            exhausted = len(strikes) >= self.limit
            if exhausted:
                del self._strikes[eio_sid]
        log.debug("dropped a Socket.IO packet from %s: %s", eio_sid, reason)
        if exhausted:
            log.warning(
                "cut Socket.IO connection %s: %d refused packets within %g s (last: %s)",
                eio_sid,
                self.limit,
                self.window,
                reason,
            )
            self._cut(eio_sid)
        return exhausted

    def _cut(self, eio_sid: str) -> None:
        """Leave every namespace as a server-side disconnect does (its handlers run), then
        close the Engine.IO connection (an anonymous one never joined a namespace).

        Not eio.disconnect(): it waits until the client has read what is queued, which a
        long-polling client that stopped polling never does."""
        manager = self.server.manager
        for namespace in list(manager.get_namespaces()):
            sid = manager.sid_from_eio_sid(eio_sid, namespace)
            if sid is not None and manager.is_connected(sid, namespace):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        connection = self.server.eio.sockets.pop(eio_sid, None)
        if connection is not None:
            connection.close(wait=False)
        self.cut += 1


def init_app(app: Flask, server: socketio.Server) -> None:
    """Put a guard in front of this app's Socket.IO server (call after socketio.init_app)."""
    guard = PacketGuard(server)
    guard.install()
    app.extensions[KEY] = guard
