"""Each server process hands the event log to its own sockets, in seq order.

The log in the database is the one source. A process never forwards events to another: the
process that wrote an event hands it to its own sockets as it commits (`deliver`), and with
several processes (WESUP_MESSAGE_QUEUE) rings the others over Redis (wesup/bell.py), which
read the log after their cursor and hand out what they find (`catch_up`). A ring that never
arrives (Redis stopped, restarting or hung) costs latency, not events: every process also
reads the log every TAIL_SECONDS. Either way, a process hands out every event after its
cursor, in seq order, exactly once, so a page's "highest seq applied" is also "everything
up to here", and its next reconnect asks for the right gap.

Handing out an event also does what it means for open sockets: `session.ended` (a person
deactivated or their password reset) and `kiosk.revoked` cut their room on this process,
before anything logged after them goes out.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from wesup import realtime
from wesup.enums import EventKind
from wesup.extensions import db, live_state, socketio
from wesup.livestate import RelayCursor, SocketState
from wesup.models import TaskEvent

TAIL_SECONDS = 3  # how often every process reads the log when no ring came
BATCH = 200  # events read from the log at a time


def deliver(event: TaskEvent, message: dict[str, Any]) -> None:
    """Hand a just-committed event to this process's sockets, after any logged before it
    that are not out yet; then ring the other processes. Called by events.publish()."""
    state = live_state.current
    cursor = state.relay
    with cursor.lock:
        if cursor.delivered is None:
            cursor.delivered = event.seq - 1
        elif event.seq <= cursor.delivered and _newest_seq() < cursor.delivered:
            cursor.delivered = event.seq - 1  # the log was replaced under us (a restore)
        if event.seq > cursor.delivered + 1:  # another process's events, not read yet
            _hand_out_logged(cursor, up_to=event.seq - 1)
        if event.seq > cursor.delivered:
            _hand_out(event, message)
            cursor.delivered = event.seq
    if state.bell is not None:
        if not state.bell.sending:
            state.bell.sending = True
            socketio.start_background_task(state.bell.send_forever)
        state.bell.ring(event.seq)


def begin(state: SocketState, newest_seq: int) -> None:
    """A socket connected having what is logged up to newest_seq (or getting it in its
    replay): the first one sets where this process's cursor starts; later ones change nothing."""
    with state.relay.lock:
        if state.relay.delivered is None:
            state.relay.delivered = newest_seq


def catch_up(state: SocketState) -> int:
    """Hand out whatever the log holds after this process's cursor; returns how many."""
    cursor = state.relay
    with cursor.lock:
        if cursor.delivered is None:  # no socket here yet: nobody is owed anything
            return 0
        newest = _newest_seq()
        if newest < cursor.delivered:  # the log was replaced under us (a restore)
            cursor.delivered = newest
        return _hand_out_logged(cursor)


def _newest_seq() -> int:
    return db.session.scalar(sa.select(sa.func.max(TaskEvent.seq))) or 0


def _hand_out_logged(cursor: RelayCursor, up_to: int | None = None) -> int:
    """Read the log after the cursor (up to `up_to`) and hand it out in seq order."""
    assert cursor.delivered is not None
    count = 0
    while True:
        query = sa.select(TaskEvent).where(TaskEvent.seq > cursor.delivered)
        if up_to is not None:
            query = query.where(TaskEvent.seq <= up_to)
        batch = db.session.execute(query.order_by(TaskEvent.seq).limit(BATCH)).scalars().all()
        for event in batch:
            _hand_out(event, event.to_message())
            cursor.delivered = event.seq
        count += len(batch)
        if len(batch) < BATCH:
            return count


def _hand_out(event: TaskEvent, message: dict[str, Any]) -> None:
    """What one logged event means for this process's sockets. One that cannot be handed
    out (a kind from a newer version during a rolling upgrade) is logged and passed over:
    it must not stop the events behind it."""
    try:
        kind = EventKind(event.kind)
        if kind is EventKind.SESSION_ENDED:
            realtime.end_sessions(event.data["person"]["id"])
        elif kind is EventKind.KIOSK_REVOKED:
            realtime.disconnect_kiosk(event.data["kiosk"]["id"])
        if kind.is_published:
            realtime.broadcast(message, agent_id=event.agent_id)
    except Exception:
        current_app.logger.exception("relay: event %s (%s) not handed out", event.seq, event.kind)


def start_tailing(app: Flask) -> None:
    """With several processes: start this process's tail of the log and, with Redis, its
    listener for the other processes' rings; once."""
    state = live_state.of(app)
    if state.relay.tailing:
        return
    state.relay.tailing = True
    socketio.start_background_task(_tail_forever, app)
    if state.bell is not None:
        socketio.start_background_task(state.bell.listen_forever, state.relay.wake.set)


def _tail_forever(app: Flask) -> None:
    """Wait for a ring (or TAIL_SECONDS), then read the log. The wait is on this process
    alone, so a hung Redis never stretches it; a database hiccup must not end the loop."""
    state = live_state.of(app)
    while True:
        state.relay.wake.wait(TAIL_SECONDS)
        state.relay.wake.clear()
        try:
            with app.app_context():
                catch_up(state)
        except Exception:
            app.logger.exception("relay: reading the event log failed")
