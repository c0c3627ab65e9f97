"""Shift handovers: every open task of one person moved at once, in one transaction, to the
next person or to a line's queue, with one note; pending until the receiver accepts it.

A handover is one `handover.created` event plus one `task.handed_over` event per moved task,
all committed together (one run of seqs). Deactivating a person who still holds open tasks
goes through here too, so no task is ever left with nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from wesup import events, validate
from wesup.enums import EventKind
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Group, Handover, Task, TaskEvent, User, utcnow
from wesup.owners import Holder, line_ids, pick_agent, pick_group, task_event
from wesup.timeutil import shift_at

NOTE_MAX = 5_000
RECENT = 50


# --- reading -------------------------------------------------------------------------------


def get_handover(handover_id: int) -> Handover:
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        raise NotFound(_("No such handover."))
    return handover


def pending() -> list[Handover]:
    """Handovers nobody has accepted yet, oldest first: the wall board shows them."""
    query = sa.select(Handover).where(Handover.accepted_at.is_(None))
    return list(db.session.execute(query.order_by(Handover.created_at, Handover.id)).scalars())


def recent(limit: int = RECENT) -> list[Handover]:
    """The latest handovers, newest first."""
    query = sa.select(Handover).order_by(Handover.created_at.desc(), Handover.id.desc())
    return list(db.session.execute(query.limit(limit)).scalars())


def is_receiver(actor: User, handover: Handover) -> bool:
    """The person it went to, any member of the line it went to, or a lead or an admin on
    their behalf (accepted_by says who): those may accept it."""
    if not actor.works_tasks:
        return False
    if actor.can_edit_every_task or handover.to_user_id == actor.id:
        return True
    return handover.to_group_id is not None and handover.to_group_id in line_ids(actor.id)


def can_accept(actor: User, handover: Handover) -> bool:
    """A receiver, while the handover is pending."""
    return handover.is_pending and is_receiver(actor, handover)


def awaiting(actor: User) -> list[Handover]:
    """The pending handovers addressed to this person or to one of their lines: their pages
    show these in a banner until accepted. (Leads may accept any, but are shown their own.)"""
    lines = line_ids(actor.id)
    query = sa.select(Handover).where(
        Handover.accepted_at.is_(None),
        sa.or_(Handover.to_user_id == actor.id, Handover.to_group_id.in_(lines)),
    )
    return list(db.session.execute(query.order_by(Handover.created_at, Handover.id)).scalars())


def as_json(handover: Handover, reader: User | None = None) -> dict[str, Any]:
    """Handover.to_dict() with what the giver resolved during the shift it was made in (the
    banner and the sheet show it) and, for a reader, whether they may accept it."""
    shift = shift_at(handover.created_at)
    resolved = db.session.scalar(
        sa.select(sa.func.count(Task.id)).where(
            Task.agent_id == handover.from_user_id,
            Task.resolved_at >= shift.start,
            Task.resolved_at <= handover.created_at,
            Task.deleted_at.is_(None),
        )
    )
    body = {**handover.to_dict(), "shift": shift.to_dict(), "resolved_in_shift": resolved or 0}
    if reader is not None:
        body["can_accept"] = can_accept(reader, handover)
    return body


# --- handing over --------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where a handover sends the tasks, and its note."""

    recipient: Holder
    note: str


def pick_destination(
    data: dict[str, Any], errors: dict[str, str], *, giver: User, note_required: bool = True
) -> Destination | None:
    """`to_agent_id` (an active person who works tasks, not the giver) or `to_group_id` (an
    active line), exactly one of the two, and `note`."""
    to_person = data.get("to_agent_id") not in (None, "")
    to_line = data.get("to_group_id") not in (None, "")
    note = validate.text(data, "note", errors, max_length=NOTE_MAX, required=note_required)
    if to_person == to_line:
        errors["to_agent_id"] = _("Choose the next person or a line, one of the two.")
        return None
    if to_person:
        agent = pick_agent(data, "to_agent_id", errors)
        if agent is not None and agent.id == giver.id:
            errors["to_agent_id"] = _("Choose somebody else: these tasks are already theirs.")
        recipient = Holder(agent, None)
    else:
        recipient = Holder(None, pick_group(data, "to_group_id", errors))
    if errors or (recipient.agent is None and recipient.group is None):
        return None
    return Destination(recipient, note or "")


def create_handover(actor: User, data: dict[str, Any]) -> Handover:
    """Hand over my shift: all my open tasks (every category but done; postponed included)
    move at once to the next person or to a line's queue, with one note."""
    if not actor.works_tasks:
        raise Forbidden(_("Your role holds no tasks to hand over."))
    errors: dict[str, str] = {}
    destination = pick_destination(data, errors, giver=actor)
    if errors or destination is None:
        raise ValidationFailed(_("Nothing was handed over."), errors)
    made = hand_over(actor, actor, destination)
    if made is None:
        db.session.rollback()  # ends the write transaction the UPDATE opened
        raise ValidationFailed(
            _("You have no open tasks to hand over."),
            {"to_agent_id": _("You have no open tasks to hand over.")},
        )
    handover, recorded = made
    events.publish_all(recorded)
    return handover


def open_task_count(person: User) -> int:
    """How many open tasks a person holds (what a handover would move)."""
    return db.session.scalar(sa.select(sa.func.count()).where(*_open_of(person))) or 0


def _open_of(person: User) -> tuple[Any, ...]:
    return (Task.agent_id == person.id, Task.resolved_at.is_(None), Task.deleted_at.is_(None))


def hand_over(
    actor: User | None, giver: User, destination: Destination
) -> tuple[Handover, list[TaskEvent]] | None:
    """Move every open task of `giver` (resolved_at IS NULL, not deleted) to the destination
    in this transaction and record the handover with its events; the caller publishes them
    (events.publish_all: one commit). None, with nothing written, when there was nothing to
    move.

    The first UPDATE claims exactly the tasks open at that moment (it locks them: the rows on
    PostgreSQL, the database on SQLite) and reads their lines before the second moves them,
    so none is lost, duplicated or closed, and each event says where its task came from."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Task)
        .where(*_open_of(giver))
        .values(version=Task.version + 1, updated_at=now)
        .returning(Task.id, Task.group_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return None
    ids = sorted(task_id for task_id, _group in claimed)
    recipient = destination.recipient
    moved = {"agent_id": recipient.agent_id}
    if recipient.group is not None:  # into the line's queue; to a person, the line stays
        moved["group_id"] = recipient.group_id
    db.session.execute(
        sa.update(Task)
        .where(Task.id.in_(ids))
        .values(**moved)
        .execution_options(synchronize_session=False)
    )
    tasks = list(
        db.session.execute(
            sa.select(Task)
            .where(Task.id.in_(ids))
            .order_by(Task.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    lines_before = dict(claimed)
    handover = Handover(
        from_user=giver,
        to_user=recipient.agent,
        to_group=recipient.group,
        note=destination.note,
        created_at=now,
        tasks=tasks,
    )
    db.session.add(handover)
    db.session.flush()
    recorded: list[TaskEvent] = []
    for task in tasks:
        group_id = lines_before[task.id]
        before = Holder(giver, db.session.get(Group, group_id) if group_id else None)
        recorded.append(
            task_event(
                EventKind.TASK_HANDED_OVER,
                actor,
                task,
                before=before,
                note=destination.note or None,
                handover_id=handover.id,
            )
        )
    recorded.append(_handover_event(EventKind.HANDOVER_CREATED, actor, handover))
    return handover, recorded


def _handover_event(kind: EventKind, actor: User | None, handover: Handover) -> TaskEvent:
    """A handover event goes to the board, the giver, and the person or line it went to."""
    return events.record(
        kind,
        actor,
        agent_id=handover.to_user_id,
        previous_agent_id=handover.from_user_id,
        group_id=handover.to_group_id,
        handover=as_json(handover),
    )


def accept_handover(actor: User, handover_id: int) -> Handover:
    """Acknowledge a handover: its banner goes, the wall stops counting it. One conditional
    UPDATE, so a second accept (or two at once) gets 409."""
    handover = get_handover(handover_id)
    if not is_receiver(actor, handover):
        raise Forbidden(_("Only the receiver (a member of the line), or a lead, accepts it."))
    if not handover.is_pending:
        raise Conflict(
            _("%(name)s accepted this handover already.", name=_accepted_by(handover)),
            current=as_json(handover),
        )
    now = utcnow()
    done: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Handover)
        .where(Handover.id == handover.id, Handover.accepted_at.is_(None))
        .values(accepted_at=now, accepted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        fresh = get_handover(handover_id)
        db.session.refresh(fresh)
        raise Conflict(
            _("%(name)s accepted this handover already.", name=_accepted_by(fresh)),
            current=as_json(fresh),
        )
    db.session.refresh(handover)
    events.publish(_handover_event(EventKind.HANDOVER_ACCEPTED, actor, handover))
    return handover


def _accepted_by(handover: Handover) -> str:
    return handover.accepted_by.name if handover.accepted_by else "—"


def leaving_destination(
    person: User, data: dict[str, Any], errors: dict[str, str]
) -> Destination | None:
    """A person who stops working tasks (deactivated, or made a viewer) while holding open
    ones must say where they go (`to_agent_id` or `to_group_id`); None when they hold none."""
    count = open_task_count(person)
    if not count:
        return None
    found: dict[str, str] = {}
    destination = pick_destination(data, found, giver=person, note_required=False)
    if destination is None:
        chosen = data.get("to_agent_id") not in (None, "") or data.get("to_group_id") not in (
            None,
            "",
        )
        errors["to_agent_id"] = (
            found.get("to_agent_id") or found.get("to_group_id") or found.get("note", "")
            if chosen
            else _(
                "%(name)s still holds %(n)d open tasks: choose who takes them over.",
                name=person.name,
                n=count,
            )
        )
        return None
    if not destination.note:
        destination = Destination(
            destination.recipient, _("%(name)s no longer works tasks.", name=person.name)
        )
    return destination
