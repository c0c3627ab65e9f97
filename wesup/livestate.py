"""What one server process knows about its open sockets, kept on the app, not in globals.

`live_state.init_app(app)` puts a fresh SocketState on `app.extensions`, so each app (and
each test) starts with nobody online, no kiosk sockets and no housekeeping loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from wesup.config import is_redis_url
from wesup.presence import Presence, SharedPresence


class KioskSockets:
    """The kiosk sockets this process holds, so that a sweep can cut revoked ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kiosks: dict[str, int] = {}  # sid -> kiosk id

    def add(self, sid: str, kiosk_id: int) -> None:
        with self._lock:
            self._kiosks[sid] = kiosk_id

    def remove(self, sid: str) -> None:
        with self._lock:
            self._kiosks.pop(sid, None)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._kiosks)


@dataclass
class SocketState:
    """Presence, kiosk sockets, and the housekeeping loop's bookkeeping for one app."""

    presence: Presence
    kiosk_sockets: KioskSockets = field(default_factory=KioskSockets)
    housekeeping_running: bool = False
    announced: set[int] = field(default_factory=set)  # who the boards were last told is online


class LiveState:
    """A small Flask extension: `live_state.current` is the running app's SocketState."""

    KEY = "wesup.live"

    def init_app(self, app: Flask) -> None:
        """With a Redis message queue, presence is shared between the server processes."""
        url = app.config.get("MESSAGE_QUEUE") or ""
        shared = SharedPresence(url) if is_redis_url(url) else None
        app.extensions[self.KEY] = SocketState(presence=Presence(shared))

    def of(self, app: Flask) -> SocketState:
        return app.extensions[self.KEY]

    @property
    def current(self) -> SocketState:
        return self.of(current_app)

    @property
    def presence(self) -> Presence:
        return self.current.presence
