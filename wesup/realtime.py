"""The emit side of Socket.IO: rooms, broadcasting a committed event, cutting a room.

Rooms: `all` (every connection: directory changes), `board` (All tasks and the wall board:
every task and handover change), `user:<id>` (a person's tasks, old and new, handovers to or
from them, and their control messages), `group:<id>` (the members of a support line: its
queue, tasks moving in or out of it, handovers to it), `kiosk:<id>` (the sockets of one kiosk
link, so that revoking it can cut them).

Who receives an event is decided once, by `event_rooms`, from the fields the event row
keeps; the live broadcast and the replay after a reconnect both ask it, so a page catching
up gets exactly what it would have received live.

Everything here reaches this process's sockets alone (`ignore_queue`): each server process
hands the event log to its own sockets (wesup/relay.py), so nothing depends on a message
crossing Redis, and nothing waits on it. The socket handlers that decide who joins which room
live in wesup/sockets.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wesup.enums import EventKind
from wesup.extensions import socketio
from wesup.models import TaskEvent

ROOM_ALL = "all"
ROOM_BOARD = "board"
ROOM_LEADS = "leads"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def kiosk_room(kiosk_id: int) -> str:
    return f"kiosk:{kiosk_id}"


def group_room(group_id: int) -> str:
    return f"group:{group_id}"


def event_rooms(event: TaskEvent) -> set[str]:
    """Who receives an event, live and on replay: a task or handover change goes to the
    board, to its owner before and after, and to its line before and after; anything else
    (directory entries) to every page; messages to chats to the leads' and admins' pages."""
    kind = EventKind(event.kind)
    if kind.is_for_leads:
        return {ROOM_LEADS}
    if not kind.is_addressed:
        return {ROOM_ALL}
    rooms = {ROOM_BOARD}
    rooms |= {user_room(i) for i in (event.agent_id, event.previous_agent_id) if i}
    rooms |= {group_room(i) for i in (event.group_id, event.previous_group_id) if i}
    return rooms


def reader_rooms(
    user_id: int | None, group_ids: Iterable[int], *, board: bool, leads: bool = False
) -> set[str]:
    """The rooms a page joins: everybody's, the reader's own and their lines', the board's
    for All tasks and the wall, and the leads' for a lead or an admin. sockets.py joins
    these; replay filters by them."""
    rooms = {ROOM_ALL}
    if leads:
        rooms.add(ROOM_LEADS)
    if user_id is not None:
        rooms.add(user_room(user_id))
    rooms |= {group_room(group_id) for group_id in group_ids}
    if board:
        rooms.add(ROOM_BOARD)
    return rooms


def broadcast(message: dict[str, Any], *, rooms: Iterable[str]) -> None:
    """Send a committed event to its rooms (event_rooms) on this process; called by
    wesup/relay.py alone."""
    socketio.emit("event", message, to=sorted(rooms), ignore_queue=True)


def move_members(group_id: int, joined: Iterable[int], left: Iterable[int]) -> None:
    """People joined or left a line: this process's sockets of theirs enter or leave its room.
    wesup/relay.py calls this as it hands out the line's event, so every event after it (in
    seq order) reaches exactly the line's members, on every process, with no reconnect."""
    server = socketio.server
    if server is None:
        return
    room = group_room(group_id)
    for people, move in ((joined, server.enter_room), (left, server.leave_room)):
        for user_id in people:
            for sid, _eio_sid in list(server.manager.get_participants("/", user_room(user_id))):
                move(sid, room, namespace="/")


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
