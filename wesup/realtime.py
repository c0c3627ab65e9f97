"""Socket.IO: who may connect, which rooms they join, catch-up on reconnect, presence, broadcast.

Rooms: `all` (every connection: directory changes), `board` (All tasks and the wall board:
every task change), `user:<id>` (a person's own tasks), `kiosk:<id>` (the sockets of one
kiosk link, so that revoking it can cut them).

Kiosk sockets (a wall-board TV opened with a kiosk link) read and never write: they are not
a person, so presence does not count them, and every socket message from one re-checks that
its link still stands. A socket handler that changes anything must get its actor from
socket_user() and refuse None.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import join_room

from wesup.extensions import socketio
from wesup.models import KioskToken, User
from wesup.presence import SharedPresence, presence

BOARD_VIEWS = ("board", "wall")
KIOSK_REVOKED = "kiosk_revoked"  # the refusal reason a revoked kiosk's page recognizes
HOUSEKEEPING_SECONDS = 10


def task_rooms(agent_id: int | None) -> list[str]:
    """Rooms that receive a change of a task owned by agent_id."""
    return ["board", f"user:{agent_id}"] if agent_id else ["all"]


def broadcast(message: dict[str, Any], *, agent_id: int | None) -> None:
    """Send a committed event to its rooms; called by events.publish() alone."""
    rooms = task_rooms(agent_id) if message.get("task_id") else ["all"]
    socketio.emit("event", message, to=rooms)


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

    def clear(self) -> None:
        with self._lock:
            self._kiosks.clear()


kiosk_sockets = KioskSockets()


def _announce_presence() -> None:
    online = presence.online()
    housekeeping.announced = {person["id"] for person in online}
    socketio.emit("presence", {"online": online}, to="board")


def current_kiosk() -> KioskToken | None:
    """The kiosk link this browser opened, while it is not revoked."""
    from wesup.kiosk import active_kiosk

    return active_kiosk(session.get("kiosk_id"))


def socket_user() -> User | None:
    """The person behind the current socket message; None for a kiosk (it never writes).

    A kiosk socket whose link was revoked in the meantime is disconnected here.
    """
    if current_user.is_authenticated:
        return current_user
    if session.get("kiosk_id") is not None and current_kiosk() is None:
        socketio.server.disconnect(request.sid, namespace="/")
    return None


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Sent by every live page. Refuses anonymous clients; joins rooms; replays what was missed.

    auth: {"view": "mine" | "board" | "wall", "since": <last applied seq>}.
    Emits to this client alone either `replay` {"events": [...], "seq"} or `reload` {"reason"},
    and to board views the current `presence`. A revoked kiosk link is refused with the
    reason "kiosk_revoked", so that its page can stop retrying and say so.
    """
    from wesup.events import ReplayTooOld, latest_seq, replay_after

    auth = auth if isinstance(auth, dict) else {}
    view = auth.get("view") if auth.get("view") in ("mine", *BOARD_VIEWS) else "mine"
    kiosk_id: int | None = None
    if current_user.is_authenticated:
        user_id: int | None = current_user.id
        rooms = ["all", f"user:{user_id}"]
        board = view in BOARD_VIEWS
    else:
        kiosk = current_kiosk()
        if kiosk is None:
            if session.get("kiosk_id") is not None:
                raise Refused(KIOSK_REVOKED)
            return False
        kiosk_id = kiosk.id
        user_id = None
        rooms = ["all", f"kiosk:{kiosk_id}"]
        board = True
    if board:
        rooms.append("board")

    since = auth.get("since")
    catch_up = isinstance(since, int) and not isinstance(since, bool)
    for room in rooms:
        join_room(room)  # before reading the log: nothing falls between replay and live
    if catch_up:
        # Read before the log: a later event may still be on its way here live, and a
        # replay that claimed its seq would make the next reconnect skip it if it got lost.
        replayed_up_to = latest_seq()
        try:
            events = replay_after(since, agent_id=user_id, board=board)
        except ReplayTooOld as exc:
            socketio.emit("reload", {"reason": str(exc)}, to=request.sid)
        else:
            socketio.emit("replay", {"events": events, "seq": replayed_up_to}, to=request.sid)

    # Bookkeeping last: a connect that failed above never leaves a count behind.
    announced = False
    if kiosk_id is not None:
        kiosk_sockets.add(request.sid, kiosk_id)
        _start_housekeeping()
    elif current_user.can_write_tasks and presence.join(
        request.sid, current_user.id, current_user.name
    ):
        _announce_presence()  # viewers watch; only people who work tasks count as online
        announced = True
    if board and not announced:  # the announcement already reached this board socket
        socketio.emit("presence", {"online": presence.online()}, to=request.sid)
    return True


@socketio.on("disconnect")
def on_disconnect(*_: Any) -> None:
    """Counts the socket out of presence; tells the boards when a person's last tab went."""
    kiosk_sockets.remove(request.sid)
    if presence.leave(request.sid):
        _announce_presence()


@socketio.on("*")
def on_any_message(event: str, *_: Any) -> None:
    """Any client message without a handler of its own: nothing is written.

    It still re-checks a kiosk socket's link, so a revoked one that talks is cut.
    """
    socket_user()


def end_sessions(user_id: int) -> None:
    """Cut the open pages of a person who was deactivated.

    `session.ended` reaches their pages in every process (through the message queue when there
    is one) and makes them reload into the sign-in page; this process's sockets are cut now.
    """
    server = socketio.server
    if server is None:
        return
    room = f"user:{user_id}"
    socketio.emit("session.ended", {}, to=room)
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/", ignore_queue=True)


def disconnect_kiosk(kiosk_id: int) -> None:
    """Cut the screens of a revoked kiosk link.

    The `kiosk.revoked` control message goes to room kiosk:<id> through the message queue
    when there is one, so the wall page leaves in every server process; the sockets this
    process holds are disconnected here and now. Other processes' sockets of a page that
    ignores the message are cut by their next message or by sweep_kiosks().
    """
    server = socketio.server
    if server is None:
        return
    room = f"kiosk:{kiosk_id}"
    socketio.emit("kiosk.revoked", {"kiosk_id": kiosk_id}, to=room)
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/", ignore_queue=True)


def sweep_kiosks() -> int:
    """Disconnect this process's sockets of revoked kiosk links; returns how many."""
    from wesup.kiosk import revoked_ids

    held = kiosk_sockets.snapshot()
    if not held:
        return 0
    revoked = revoked_ids(set(held.values()))
    cut = 0
    for sid, kiosk_id in held.items():
        if kiosk_id in revoked:
            kiosk_sockets.remove(sid)
            socketio.server.disconnect(sid, namespace="/", ignore_queue=True)
            cut += 1
    return cut


def init_app(app: Flask) -> None:
    """With a Redis message queue, presence is shared between the server processes."""
    url = app.config.get("MESSAGE_QUEUE") or ""
    presence.share(SharedPresence(url) if url.startswith(("redis://", "rediss://")) else None)


class Housekeeping:
    """Started once per process on the first connection, when there are several processes."""

    def __init__(self) -> None:
        self.running = False
        self.announced: set[int] = set()


housekeeping = Housekeeping()


def _start_housekeeping() -> None:
    if not current_app.config.get("MESSAGE_QUEUE") or housekeeping.running:
        return
    housekeeping.running = True
    socketio.start_background_task(_housekeeping_forever, current_app._get_current_object())


def _housekeeping_forever(app: Flask) -> None:
    """Each round: cut this process's revoked kiosk sockets; keep this process's presence
    entry alive; tell the boards when the people online changed elsewhere (a process died)."""
    while True:
        socketio.sleep(HOUSEKEEPING_SECONDS)
        try:
            with app.app_context():
                sweep_kiosks()
            presence.refresh()
            online = presence.online_ids()
            if online != housekeeping.announced:
                housekeeping.announced = online
                _announce_presence()
        except Exception:  # a database or Redis hiccup must not end the loop
            app.logger.exception("housekeeping round failed")
