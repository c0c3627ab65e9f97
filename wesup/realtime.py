"""The emit side of Socket.IO: rooms, broadcasting a committed event, cutting a room.

Rooms: `all` (every connection: directory changes), `board` (All tasks and the wall board:
every task change), `user:<id>` (a person's own tasks and their control messages),
`kiosk:<id>` (the sockets of one kiosk link, so that revoking it can cut them).

Everything here reaches this process's sockets alone (`ignore_queue`): each server process
hands the event log to its own sockets (wesup/relay.py), so nothing depends on a message
crossing Redis, and nothing waits on it. The socket handlers that decide who joins which room
live in wesup/sockets.py.
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
    """Send a committed event to its rooms on this process; called by wesup/relay.py alone."""
    rooms = task_rooms(agent_id) if message.get("task_id") else [ROOM_ALL]
    socketio.emit("event", message, to=rooms, ignore_queue=True)


def cut_socket(sid: str, notice: str, payload: dict[str, Any]) -> None:
    """Tell one socket of this process why it is being cut, then disconnect it."""
    socketio.emit(notice, payload, to=sid, ignore_queue=True)
    socketio.server.disconnect(sid, namespace="/", ignore_queue=True)


def cut_room(room: str, notice: str, payload: dict[str, Any]) -> None:
    """Tell a room's pages on this process why they are being cut, and cut them.

    Nothing relies on the page: one that ignores the notice is cut all the same. Its sockets
    leave every room here and now, so nothing sent after this reaches them; the disconnect
    itself runs in a task of its own, because the disconnect handler announces presence
    through Redis, and the relay that calls this (wesup/relay.py) must never wait on Redis.
    """
    server = socketio.server
    if server is None:
        return
    socketio.emit(notice, payload, to=room, ignore_queue=True)
    sids = [sid for sid, _eio_sid in server.manager.get_participants("/", room)]
    for sid in sids:
        for joined in server.manager.get_rooms(sid, "/"):
            if joined != sid:  # its own room stays, as the disconnect needs it
                server.leave_room(sid, joined, namespace="/")
    if sids:
        socketio.start_background_task(_disconnect, sids)


def _disconnect(sids: list[str]) -> None:
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/", ignore_queue=True)


def end_sessions(user_id: int) -> None:
    """Cut this process's pages of a person who was deactivated or whose password was reset:
    `session.ended` makes them reload into the sign-in page."""
    cut_room(user_room(user_id), "session.ended", {})


def disconnect_kiosk(kiosk_id: int) -> None:
    """Cut this process's screens of a revoked kiosk link: `kiosk.revoked` makes the wall
    page stop."""
    cut_room(kiosk_room(kiosk_id), "kiosk.revoked", {"kiosk_id": kiosk_id})
