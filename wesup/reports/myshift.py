"""My shift, ready to paste: the end-of-shift report an agent used to write by hand, read from
the tasks and the event log of the shift (WESUP_SHIFTS): what came to them, what they resolved,
what they handed on, and what is still open with its last comment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from wesup import events, notify, validate
from wesup.enums import OWNER_KINDS, EventKind
from wesup.errors import Forbidden, ValidationFailed
from wesup.extensions import db
from wesup.i18n import team_time
from wesup.models import Chat, Delivery, Task, TaskEvent, User
from wesup.tasks.service import closed_this_shift, open_tasks
from wesup.timeutil import Shift, current_shift


@dataclass(frozen=True)
class HandedOn:
    """A task that left the person this shift, and where it went (a person or a line)."""

    task: Task
    to: str


@dataclass(frozen=True)
class MyShift:
    """One person's shift: the figures of their end-of-shift report."""

    person: User
    shift: Shift
    received: list[Task]
    resolved: list[Task]
    handed_on: list[HandedOn]
    still_open: list[Task]

    def to_dict(self) -> dict[str, Any]:
        return {
            "shift": self.shift.to_dict(),
            "received": [task.to_dict() for task in self.received],
            "resolved": [task.to_dict() for task in self.resolved],
            "handed_on": [{"task": item.task.to_dict(), "to": item.to} for item in self.handed_on],
            "still_open": [task.to_dict() for task in self.still_open],
            "text": self.text(),
        }

    def text(self) -> str:
        """Plain text with line breaks, ready to paste into a chat: the figures, then the
        tasks handed on and the ones still open with their last comment."""
        lines = [
            _(
                "Shift report: %(name)s, %(start)s – %(end)s",
                name=self.person.name,
                start=team_time(self.shift.start),
                end=team_time(self.shift.end),
            ),
            _("Received: %(n)d", n=len(self.received)),
            _("Resolved: %(n)d", n=len(self.resolved)),
            _("Handed over: %(n)d", n=len(self.handed_on)),
        ]
        for item in self.handed_on:
            lines.append(f"  • {_task_line(item.task)} → {item.to}")
        lines.append(_("Still open: %(n)d", n=len(self.still_open)))
        for task in self.still_open:
            line = f"  • {_task_line(task)} [{task.status.name}]"
            if task.last_comment:
                line += f": {' '.join(task.last_comment.split())}"
            lines.append(line)
        return "\n".join(lines)


def _task_line(task: Task) -> str:
    """#12 Title (Chat): one task on one line of the text."""
    chat = f" ({task.chat.name})" if task.chat else ""
    return f"#{task.id} {' '.join(task.title.split())}{chat}"


def _holder_name(event: TaskEvent) -> str:
    """Where a move sent the task, in the words of its event (`to`: the owner, or the line's
    queue)."""
    to = (event.data or {}).get("to") or {}
    agent, group = to.get("agent"), to.get("group")
    if agent:
        return str(agent.get("name", ""))
    if group:
        return _("queue of %(line)s", line=group.get("name", ""))
    return _("nobody")


def _tasks(ids: list[int]) -> list[Task]:
    """These tasks (not deleted), oldest first."""
    if not ids:
        return []
    query = (
        sa.select(Task)
        .where(Task.id.in_(ids), Task.deleted_at.is_(None))
        .order_by(Task.received_at, Task.id)
    )
    return list(db.session.execute(query).scalars())


def my_shift(person: User, shift: Shift | None = None) -> MyShift:
    """The person's shift from the log: received are the tasks that became theirs during it
    (logged for them, or given, handed on, taken or handed over to them); handed over, the
    ones that left them for somebody else or a line's queue and are not theirs again; resolved,
    those resolved in it that they hold (tasks.service.closed_this_shift, as My tasks counts
    them); still open, everything open that is theirs now."""
    shift = shift or current_shift()
    moves = db.session.execute(
        sa.select(TaskEvent)
        .where(
            TaskEvent.kind.in_([EventKind.TASK_CREATED, *OWNER_KINDS]),
            TaskEvent.created_at >= shift.start,
            TaskEvent.created_at < shift.end,
            sa.or_(TaskEvent.agent_id == person.id, TaskEvent.previous_agent_id == person.id),
        )
        .order_by(TaskEvent.seq)
    ).scalars()
    came: list[int] = []
    left: dict[int, TaskEvent] = {}  # the last move away from the person, per task
    for event in moves:
        assert event.task_id is not None
        if event.agent_id == person.id and event.previous_agent_id != person.id:
            if event.task_id not in came:
                came.append(event.task_id)
            left.pop(event.task_id, None)  # it came back
        elif event.previous_agent_id == person.id and event.agent_id != person.id:
            left[event.task_id] = event
    handed = {task.id: task for task in _tasks(list(left))}
    return MyShift(
        person=person,
        shift=shift,
        received=_tasks(came),
        resolved=closed_this_shift(person.id, shift),
        handed_on=[
            HandedOn(handed[task_id], _holder_name(event))
            for task_id, event in left.items()
            if task_id in handed
        ],
        still_open=open_tasks(person.id),
    )


def _posted_key(person: User, shift: Shift) -> str:
    """The idempotency key of one shift's report to chats: one message per chat and shift,
    however often the button is pressed."""
    return f"shift:{person.id}:{shift.start.isoformat()}:chat:"


def post_to_chat(actor: User, chat_id: Any) -> Delivery:
    """Post the actor's My shift text (exactly the Copy text) to a chat with an address,
    through the outbox. People who work tasks post their own shift; viewers have none. A
    second press for the same chat in the same shift gives the message already queued."""
    if not actor.works_tasks:
        raise Forbidden(_("Only people who work tasks have a shift report to post."))
    if (
        not isinstance(chat_id, int)
        or isinstance(chat_id, bool)
        or not validate.in_int_range(chat_id)
    ):
        raise ValidationFailed(
            _("The shift report was not posted."), {"chat_id": _("Choose a chat.")}
        )
    chat = db.session.get(Chat, chat_id)
    if chat is None or not chat.notify_url or chat.archived_at is not None:
        raise ValidationFailed(
            _("The shift report was not posted."),
            {"chat_id": _("Choose chats that have an address.")},
        )
    report = my_shift(actor)
    key = _posted_key(actor, report.shift) + str(chat.id)
    already = db.session.execute(
        sa.select(Delivery).where(Delivery.idempotency_key == key)
    ).scalar_one_or_none()
    if already is not None:
        return already
    delivery = notify.queue_to_chat(chat, report.text(), key, kind="shift.report")
    event = events.record(
        EventKind.SHIFT_POSTED, actor, agent_id=actor.id, delivery=delivery.to_dict()
    )
    events.publish(event)
    return delivery


def posted_this_shift(person: User, shift: Shift) -> list[Delivery]:
    """The person's shift reports posted to chats this shift, with each one's status."""
    prefix = _posted_key(person, shift)
    query = sa.select(Delivery).where(Delivery.idempotency_key.startswith(prefix, autoescape=True))
    return list(db.session.execute(query.order_by(Delivery.id)).unique().scalars())
