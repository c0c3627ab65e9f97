"""Socket.IO handlers: who may connect, which rooms they join, catch-up on reconnect,
presence, and the housekeeping loop. The emit helpers live in wesup/realtime.py, the
relay of the event log to this process's sockets in wesup/relay.py.

Kiosk sockets (a wall-board TV opened with a kiosk link) read and never write: they are not
a person, so presence does not count them, and every socket message from one re-checks that
its link still stands. A socket handler that changes anything must get its actor from
socket_user() and refuse None.

Every socket this process holds is written down with what a sweep needs to re-check it (the
kiosk link; the person and their session stamp), so that a change this process never heard
about (a lost message, a change made straight in the database) still cuts it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import join_room

from wesup import events, realtime, relay
from wesup.extensions import live_state, socketio
from wesup.kiosk import current_kiosk, revoked_ids
from wesup.livestate import PersonSocket, SocketState
from wesup.models import User
from wesup.owners import line_ids
from wesup.users import session_stamps

BOARD_VIEWS = ("board", "wall")
KIOSK_REVOKED = "kiosk_revoked"  # the refusal reason a revoked kiosk's page recognizes
HOUSEKEEPING_SECONDS = 10


def current_sid() -> str:
    """The Socket.IO id of the socket whose message is being handled (Flask-SocketIO sets it
    on the request)."""
    return request.sid  # type: ignore[attr-defined]


def answer(event: str, payload: dict[str, Any]) -> None:
    """Send to the socket being handled. It is on this process, so the message queue is not
    needed (and a hung Redis cannot hold the answer)."""
    socketio.emit(event, payload, to=current_sid(), ignore_queue=True)


def announce_presence(state: SocketState) -> None:
    """Tell every board who is online now."""
    online = state.presence.online()
    state.announced = {person["id"] for person in online}
    socketio.emit("presence", {"online": online}, to=realtime.ROOM_BOARD)


def socket_user() -> User | None:
    """The person behind the current socket message; None for a kiosk (it never writes).

    A kiosk socket whose link was revoked in the meantime is disconnected here.
    """
    if current_user.is_authenticated:
        return current_user
    if session.get("kiosk_id") is not None and current_kiosk() is None:
        socketio.server.disconnect(current_sid(), namespace="/", ignore_queue=True)
    return None


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Sent by every live page. Refuses anonymous clients; joins rooms; replays what was missed.

    auth: {"view": "mine" | "board" | "wall", "since": <last applied seq>}.
    A person joins `all`, `user:<id>`, `group:<id>` of each of their lines and, for board
    views, `board` (realtime.reader_rooms). Emits to this client alone either `replay`
    {"events": [...], "seq"} or `reload` {"reason"}, and to board views the current
    `presence`. A revoked kiosk link is refused with the reason "kiosk_revoked", so that its
    page can stop retrying and say so.
    """
    state = live_state.current
    auth = auth if isinstance(auth, dict) else {}
    view = auth.get("view") if auth.get("view") in ("mine", *BOARD_VIEWS) else "mine"
    kiosk_id: int | None = None
    group_ids: list[int] = []
    leads = False
    if current_user.is_authenticated:
        user_id: int | None = current_user.id
        group_ids = line_ids(current_user.id)  # as they are now; a change moves the socket later
        board = view in BOARD_VIEWS
        leads = current_user.leads_team
        rooms = realtime.reader_rooms(user_id, group_ids, board=board, leads=leads)
    else:
        kiosk = current_kiosk()
        if kiosk is None:
            if session.get("kiosk_id") is not None:
                raise Refused(KIOSK_REVOKED)
            return False
        kiosk_id = kiosk.id
        user_id = None
        board = True
        rooms = realtime.reader_rooms(None, (), board=True) | {realtime.kiosk_room(kiosk.id)}

    since = auth.get("since")
    for room in sorted(rooms):
        join_room(room)  # before reading the log: nothing falls between replay and live
    # Read before the log: a later event may still be on its way here live, and a replay
    # that claimed its seq would make the next reconnect skip it if it got lost.
    newest = events.latest_seq()
    relay.begin(state, newest)  # the first socket here: from now on, this process owes it all
    if isinstance(since, int) and not isinstance(since, bool):
        try:
            missed = events.replay_after(
                since, agent_id=user_id, board=board, group_ids=group_ids, leads=leads
            )
        except events.ReplayTooOld as exc:
            answer("reload", {"reason": str(exc)})
        else:
            answer("replay", {"events": missed, "seq": newest})

    # Bookkeeping last: a connect that failed above never leaves a count behind.
    _start_background(state)
    announced = False
    if kiosk_id is not None:
        state.kiosk_sockets.add(current_sid(), kiosk_id)
    else:
        stamp = PersonSocket(current_user.id, current_user.session_stamp)
        state.person_sockets.add(current_sid(), stamp)
        # viewers watch; only people who work tasks count as online
        if current_user.works_tasks and state.presence.join(
            current_sid(), current_user.id, current_user.name
        ):
            announce_presence(state)
            announced = True
    if board and not announced:  # the announcement already reached this board socket
        answer("presence", {"online": state.presence.online()})
    return True


@socketio.on("disconnect")
def on_disconnect(*_: Any) -> None:
    """Counts the socket out of presence; tells the boards when a person's last tab went."""
    state = live_state.current
    state.kiosk_sockets.remove(current_sid())
    state.person_sockets.remove(current_sid())
    if state.presence.leave(current_sid()):
        announce_presence(state)


@socketio.on("*")
def on_any_message(event: str, *_: Any) -> None:
    """Any client message without a handler of its own: nothing is written.

    It still re-checks a kiosk socket's link, so a revoked one that talks is cut.
    """
    socket_user()


def sweep_kiosks(state: SocketState) -> int:
    """Disconnect this process's sockets of revoked kiosk links; returns how many."""
    held = state.kiosk_sockets.snapshot()
    if not held:
        return 0
    revoked = revoked_ids(set(held.values()))
    cut = 0
    for sid, kiosk_id in held.items():
        if kiosk_id in revoked:
            state.kiosk_sockets.remove(sid)
            realtime.cut_socket(sid, "kiosk.revoked", {"kiosk_id": kiosk_id})
            cut += 1
    return cut


def sweep_people(state: SocketState) -> int:
    """Disconnect this process's sockets of people deactivated, gone, or whose password
    changed since they connected (their session stamp moved on); returns how many."""
    held = state.person_sockets.snapshot()
    if not held:
        return 0
    stamps = session_stamps({person.user_id for person in held.values()})
    cut = 0
    for sid, person in held.items():
        if stamps.get(person.user_id) != person.stamp:
            state.person_sockets.remove(sid)
            realtime.cut_socket(sid, "session.ended", {})
            cut += 1
    return cut


def _start_background(state: SocketState) -> None:
    """Started once per process on its first connection, when there are several processes:
    the tail of the event log (wesup/relay.py) and the housekeeping loop. With one process,
    every change reaches its sockets as it is written and presence is all here."""
    if not current_app.config.get("MESSAGE_QUEUE") or state.housekeeping_running:
        return
    state.housekeeping_running = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app
    relay.start_tailing(app)
    socketio.start_background_task(_housekeeping_forever, app)


def _housekeeping_forever(app: Flask) -> None:
    """Each round: cut this process's sockets of revoked kiosk links and of ended sessions;
    keep this process's presence entry alive; tell the boards when the people online changed
    elsewhere (a process died)."""
    state = live_state.of(app)
    while True:
        socketio.sleep(HOUSEKEEPING_SECONDS)
        try:
            with app.app_context():
                sweep_kiosks(state)
                sweep_people(state)
            state.presence.refresh()
            if state.presence.online_ids() != state.announced:
                announce_presence(state)
        except Exception:  # a database or Redis hiccup must not end the loop
            app.logger.exception("housekeeping round failed")
