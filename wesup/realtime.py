"""Socket.IO: who may connect, which rooms they join, catch-up on reconnect, presence, broadcast.

Rooms: `all` (every connection: directory changes), `board` (All tasks and the wall board:
every task change), `user:<id>` (a person's own tasks), `kiosk:<id>` (the sockets of one
kiosk link, so that revoking it can cut them).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import request, session
from flask_login import current_user
from flask_socketio import join_room

from wesup.extensions import db, socketio
from wesup.models import KioskToken

BOARD_VIEWS = ("board", "wall")


def task_rooms(agent_id: int | None) -> list[str]:
    """Rooms that receive a change of a task owned by agent_id."""
    return ["board", f"user:{agent_id}"] if agent_id else ["all"]


def broadcast(message: dict[str, Any], *, agent_id: int | None) -> None:
    """Send a committed event to its rooms; called by events.publish() alone."""
    rooms = task_rooms(agent_id) if message.get("task_id") else ["all"]
    socketio.emit("event", message, to=rooms)


class Presence:
    """Which people have WeSup open: sockets counted per person, several tabs counted once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: Counter[int] = Counter()
        self._names: dict[int, str] = {}

    def join(self, user_id: int, name: str) -> bool:
        """Count a socket in; True when the person just came online."""
        with self._lock:
            self._sockets[user_id] += 1
            self._names[user_id] = name
            return self._sockets[user_id] == 1

    def leave(self, user_id: int) -> bool:
        """Count a socket out; True when the person's last tab closed."""
        with self._lock:
            if not self._sockets[user_id]:
                return False
            self._sockets[user_id] -= 1
            if self._sockets[user_id]:
                return False
            del self._sockets[user_id]
            return True

    def online(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(
                ({"id": uid, "name": self._names[uid]} for uid in self._sockets),
                key=lambda person: person["name"].lower(),
            )

    def clear(self) -> None:
        with self._lock:
            self._sockets.clear()
            self._names.clear()


presence = Presence()


def _announce_presence() -> None:
    socketio.emit("presence", {"online": presence.online()}, to="board")


def current_kiosk() -> KioskToken | None:
    """The kiosk link this browser opened, while it is not revoked."""
    kiosk_id = session.get("kiosk_id")
    if kiosk_id is None:
        return None
    kiosk = db.session.get(KioskToken, kiosk_id)
    return kiosk if kiosk and kiosk.is_active else None


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Sent by every live page. Refuses anonymous clients; joins rooms; replays what was missed.

    auth: {"view": "mine" | "board" | "wall", "since": <last applied seq>}.
    Emits to this client alone either `replay` {"events": [...], "seq"} or `reload` {"reason"}.
    """
    from wesup.events import ReplayTooOld, latest_seq, replay_after

    auth = auth if isinstance(auth, dict) else {}
    view = auth.get("view") if auth.get("view") in ("mine", *BOARD_VIEWS) else "mine"
    if current_user.is_authenticated:
        user_id: int | None = current_user.id
        join_room("all")
        join_room(f"user:{user_id}")
        board = view in BOARD_VIEWS
        if presence.join(user_id, current_user.name):
            _announce_presence()
    else:
        kiosk = current_kiosk()
        if kiosk is None:
            return False
        user_id = None
        board = True
        join_room("all")
        join_room(f"kiosk:{kiosk.id}")
    if board:
        join_room("board")
        socketio.emit("presence", {"online": presence.online()}, to=request.sid)

    since = auth.get("since")
    if isinstance(since, int) and not isinstance(since, bool):
        try:
            events = replay_after(since, agent_id=user_id, board=board)
        except ReplayTooOld as exc:
            socketio.emit("reload", {"reason": str(exc)}, to=request.sid)
        else:
            socketio.emit("replay", {"events": events, "seq": latest_seq()}, to=request.sid)
    return True


@socketio.on("disconnect")
def on_disconnect(*_: Any) -> None:
    """Counts the person out of presence when their last tab goes."""
    if current_user.is_authenticated and presence.leave(current_user.id):
        _announce_presence()


def disconnect_kiosk(kiosk_id: int) -> None:
    """Cut every open socket of a revoked kiosk link on this server."""
    server = socketio.server
    if server is None:
        return
    room = f"kiosk:{kiosk_id}"
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/")
