"""What one server process knows about its open sockets, kept on the app, not in globals.

`live_state.init_app(app)` puts a fresh SocketState on `app.extensions`, so each app (and
each test) starts with nobody online, no sockets held, nothing relayed and no background loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

from flask import Flask, current_app

from wesup.bell import LogBell
from wesup.config import is_redis_url
from wesup.presence import Presence, SharedPresence

Held = TypeVar("Held")


class HeldSockets(Generic[Held]):
    """Sockets this process holds, by sid, with what a sweep needs to re-check them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, Held] = {}

    def add(self, sid: str, value: Held) -> None:
        with self._lock:
            self._held[sid] = value

    def remove(self, sid: str) -> None:
        with self._lock:
            self._held.pop(sid, None)

    def snapshot(self) -> dict[str, Held]:
        with self._lock:
            return dict(self._held)


class PersonSocket(NamedTuple):
    """Who a person's socket belongs to, and the session stamp it connected with: a sweep
    cuts it once the person is deactivated or their password (so the stamp) changed."""

    user_id: int
    stamp: str


@dataclass
class RelayCursor:
    """How far this process has handed the event log to its sockets (wesup/relay.py).

    `delivered` is None until the first socket connects or the first event is written here:
    a process owes its sockets nothing from before they came.
    """

    delivered: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Event = field(default_factory=threading.Event)  # another process rang
    tailing: bool = False


@dataclass
class SocketState:
    """Presence, held sockets, the relay's cursor and the background loops' bookkeeping."""

    presence: Presence
    bell: LogBell | None = None  # with several processes: "the log grew", over Redis
    kiosk_sockets: HeldSockets[int] = field(default_factory=HeldSockets)  # sid -> kiosk id
    person_sockets: HeldSockets[PersonSocket] = field(default_factory=HeldSockets)
    relay: RelayCursor = field(default_factory=RelayCursor)
    housekeeping_running: bool = False
    announced: set[int] = field(default_factory=set)  # who the boards were last told is online


class LiveState:
    """A small Flask extension: `live_state.current` is the running app's SocketState."""

    KEY = "wesup.live"

    def init_app(self, app: Flask) -> None:
        """With a Redis message queue, presence is shared between the server processes and
        they ring each other when the event log grows."""
        url = app.config.get("MESSAGE_QUEUE") or ""
        if is_redis_url(url):
            state = SocketState(presence=Presence(SharedPresence(url)), bell=LogBell(url))
        else:
            state = SocketState(presence=Presence())
        app.extensions[self.KEY] = state

    def of(self, app: Flask) -> SocketState:
        return app.extensions[self.KEY]

    @property
    def current(self) -> SocketState:
        return self.of(current_app)

    @property
    def presence(self) -> Presence:
        return self.current.presence
