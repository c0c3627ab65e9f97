"""The emit side of Socket.IO: rooms, broadcasting a committed event, cutting a room.

Rooms: `all` (every connection: directory changes), `board` (All tasks and the wall board:
every task change), `user:<id>` (a person's own tasks and their control messages),
`kiosk:<id>` (the sockets of one kiosk link, so that revoking it can cut them).

Nothing here reads a request: services call these after they commit. The socket handlers
that decide who joins which room live in wesup/sockets.py.
"""

from __future__ import annotations

from typing import Any

from wesup.extensions import socketio

ROOM_ALL = "all"
ROOM_BOARD = "board"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def kiosk_room(kiosk_id: int) -> str:
    return f"kiosk:{kiosk_id}"


def task_rooms(agent_id: int | None) -> list[str]:
    """Rooms that receive a change of a task owned by agent_id."""
    return [ROOM_BOARD, user_room(agent_id)] if agent_id else [ROOM_ALL]


def broadcast(message: dict[str, Any], *, agent_id: int | None) -> None:
    """Send a committed event to its rooms; called by events.publish() alone."""
    rooms = task_rooms(agent_id) if message.get("task_id") else [ROOM_ALL]
    socketio.emit("event", message, to=rooms)


def cut_room(room: str, notice: str, payload: dict[str, Any]) -> None:
    """Tell a room's pages why they are being cut, then disconnect its sockets.

    The notice goes through the message queue when there is one, so the pages of every
    server process leave; this process's sockets are disconnected here and now.
    """
    server = socketio.server
    if server is None:
        return
    socketio.emit(notice, payload, to=room)
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/", ignore_queue=True)


def end_sessions(user_id: int) -> None:
    """Cut the open pages of a person who was deactivated or whose password was reset:
    `session.ended` makes them reload into the sign-in page."""
    cut_room(user_room(user_id), "session.ended", {})


def disconnect_kiosk(kiosk_id: int) -> None:
    """Cut the screens of a revoked kiosk link: `kiosk.revoked` makes the wall page stop.

    Other processes' sockets of a page that ignores the message are cut by their next
    message or by the housekeeping sweep (wesup/sockets.py)."""
    cut_room(kiosk_room(kiosk_id), "kiosk.revoked", {"kiosk_id": kiosk_id})
