"""The event log: record a change with its seq, commit, hand it out, and replay what a page
missed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from wesup import realtime, relay
from wesup.enums import TASK_KINDS, UNPUBLISHED_KINDS, EventKind
from wesup.extensions import db
from wesup.models import Task, TaskEvent, User, table_of, utcnow
from wesup.reports import history

# PostgreSQL hands out sequence values before commit, so two writers could become visible
# out of seq order and a catch-up "after seq N" (or a server process reading the log after
# its cursor, wesup/relay.py) could skip one. Event writers take this transaction lock,
# which makes commit order equal seq order.
_PG_EVENT_LOCK = 0x57E5_0001
_EVENTS = table_of(TaskEvent)
# built once: in every write, building a statement cost about as much as running it
_TAKE_EVENT_LOCK = sa.select(sa.func.pg_advisory_xact_lock(_PG_EVENT_LOCK))
_ADD_EVENT = sa.insert(_EVENTS).returning(_EVENTS.c.seq)


def record(
    kind: EventKind,
    actor: User | None,
    *,
    task_id: int | None = None,
    agent_id: int | None = None,
    previous_agent_id: int | None = None,
    group_id: int | None = None,
    previous_group_id: int | None = None,
    subject: Task | None = None,
    **data: Any,
) -> TaskEvent:
    """Add an event to the current transaction; the caller commits through publish().

    agent_id / group_id: the owner and line the event concerns after the change;
    previous_agent_id / previous_group_id: before it, when the change moved the task (or the
    handover's giver). realtime.event_rooms() addresses the event from these. subject: the
    task of a task event, when the caller holds it (owners.task_event), for the reports'
    projection."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_TAKE_EVENT_LOCK)
    db.session.flush()  # the caller's pending rows first, as an ORM flush of the event would
    values = {
        "kind": EventKind(kind).value,
        "task_id": task_id,
        "agent_id": agent_id,
        "previous_agent_id": previous_agent_id if previous_agent_id != agent_id else None,
        "group_id": group_id,
        "previous_group_id": previous_group_id if previous_group_id != group_id else None,
        "actor_id": actor.id if actor else None,
        "created_at": utcnow(),
        "data": data,
    }
    # One Core INSERT … RETURNING, not an ORM add and flush (half the CPU, in every write);
    # the event handed back is not in the session: publish() only reads it.
    seq = db.session.execute(_ADD_EVENT, values).scalar_one()
    event = TaskEvent(seq=seq, actor=actor, **values)
    if task_id is not None and event.kind in TASK_KINDS:
        # the reports' projection commits with the event, or not at all
        if subject is None:
            history.rederive(task_id)
        else:
            history.follow(subject, event)
    return event


def publish(event: TaskEvent) -> dict[str, Any]:
    """Commit the change with its event, then hand it to this process's sockets in seq order
    and ring the other server processes (wesup/relay.py); never waits on Redis."""
    return publish_all([event])[0]


def publish_all(recorded: list[TaskEvent]) -> list[dict[str, Any]]:
    """Commit a change that made several events (a handover) at once, then hand each out in
    seq order: a page sees all of them or, until the commit, none."""
    messages = [(event, event.to_message()) for event in recorded]
    db.session.commit()
    for event, message in messages:
        relay.deliver(event, message)
    return [message for _, message in messages]


def latest_seq() -> int:
    """The seq a fresh snapshot is consistent with."""
    return db.session.scalar(sa.select(sa.func.max(TaskEvent.seq))) or 0


class ReplayTooOld(Exception):
    """The gap cannot be replayed: the page must reload its snapshot."""


def replay_after(
    seq: int,
    *,
    agent_id: int | None,
    board: bool,
    group_ids: Iterable[int] = (),
    leads: bool = False,
) -> list[dict[str, Any]]:
    """Events after seq that a page in these rooms (realtime.reader_rooms) would have received
    live (realtime.event_rooms), in order.

    Raises ReplayTooOld when the gap is larger than REPLAY_LIMIT or older than
    REPLAY_MAX_AGE_HOURS, or when seq is ahead of the log (the database was replaced). The
    limit counts the whole gap, not only this page's share: a long gap reloads.
    """
    config = current_app.config
    newest = latest_seq()
    if seq > newest:
        raise ReplayTooOld("seq is ahead of the event log")
    if seq == newest:
        return []
    if seq <= 0:  # checked before the query: a huge negative seq is beyond an INTEGER column
        raise ReplayTooOld("the page has no snapshot yet")
    query = sa.select(TaskEvent).where(
        TaskEvent.seq > seq, TaskEvent.kind.not_in(UNPUBLISHED_KINDS)
    )
    query = query.order_by(TaskEvent.seq).limit(config["REPLAY_LIMIT"] + 1)
    events = db.session.execute(query).unique().scalars().all()
    if len(events) > config["REPLAY_LIMIT"]:
        raise ReplayTooOld("too many events missed")
    first_missed_at = db.session.scalar(
        sa.select(TaskEvent.created_at).where(TaskEvent.seq > seq).order_by(TaskEvent.seq).limit(1)
    )
    oldest_allowed = utcnow() - timedelta(hours=config["REPLAY_MAX_AGE_HOURS"])
    if first_missed_at is not None and first_missed_at < oldest_allowed:
        raise ReplayTooOld("the gap is too old")
    rooms = realtime.reader_rooms(agent_id, group_ids, board=board, leads=leads)
    return [event.to_message() for event in events if realtime.event_rooms(event) & rooms]
