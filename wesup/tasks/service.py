"""Every change to a task goes through here: authorize, validate, write, record, broadcast."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from wesup import events, locks, rules, validate
from wesup.enums import TASK_KINDS, EventKind, StatusCategory
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Chat, Comment, Status, Task, TaskEvent, User, utcnow
from wesup.owners import Holder, line_ids, pick_agent, pick_group, task_event
from wesup.timeutil import Period, Shift, current_shift, parse_local_datetime

TITLE_MAX = 300
DESCRIPTION_MAX = 10_000
COMMENT_MAX = 5_000
NOTE_MAX = 2_000
CLOCK_SKEW = timedelta(minutes=5)


# --- permissions ---------------------------------------------------------------------------


def can_edit(actor: User, task: Task) -> bool:
    """Agents edit their own tasks; leads and admins edit every task; viewers edit none."""
    return rules.can_edit(
        works_tasks=actor.works_tasks,
        can_edit_every=actor.can_edit_every_task,
        own=task.agent_id == actor.id,
        deleted=task.deleted_at is not None,
    )


def can_comment(actor: User, task: Task) -> bool:
    """Any agent, lead or admin notes on any task; editing stays with the owner and leads."""
    return rules.can_comment(works_tasks=actor.works_tasks, deleted=task.deleted_at is not None)


def can_take(actor: User, task: Task, lines: Collection[int]) -> bool:
    """A member of the task's line (`lines`: the actor's), or a lead, takes a queued task."""
    return rules.can_take(
        works_tasks=actor.works_tasks,
        can_edit_every=actor.can_edit_every_task,
        unassigned=task.agent_id is None,
        member_of_line=task.group_id in lines,
        deleted=task.deleted_at is not None,
    )


def _require_writer(actor: User) -> None:
    if not actor.works_tasks:
        raise Forbidden(_("Your role cannot change tasks."))


def _require_editor(actor: User, task: Task) -> None:
    if not can_edit(actor, task):
        raise Forbidden(_("Only the task's agent or a lead can change this task."))


# --- reading -------------------------------------------------------------------------------


def get_task(task_id: int, actor: User, *, include_deleted: bool = False) -> Task:
    """A task by id; deleted ones only for those who may restore them."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(_("No such task."))
    if task.deleted_at is not None and not (include_deleted and actor.can_edit_every_task):
        raise NotFound(_("No such task."))
    return task


@dataclass(frozen=True)
class TaskFilter:
    """The All-tasks filters; `deleted` shows the deleted tasks instead of the live ones."""

    agent_id: int | None = None
    status_id: int | None = None
    chat_id: int | None = None
    group_id: int | None = None
    unassigned: bool = False  # only the tasks waiting in a line's queue
    deleted: bool = False

    def for_reader(self, actor: User) -> TaskFilter:
        """Deleted tasks are shown only to those who may restore them (leads and admins);
        anybody else asking for them gets the live tasks."""
        if self.deleted and not actor.can_edit_every_task:
            return replace(self, deleted=False)
        return self

    def chosen(self) -> dict[str, int | None]:
        """The filters by the names the page and its links use."""
        return {
            "agent": self.agent_id,
            "status": self.status_id,
            "chat": self.chat_id,
            "group": self.group_id,
            "unassigned": 1 if self.unassigned else None,
        }


def tasks_in_period(period: Period, task_filter: TaskFilter | None = None) -> list[Task]:
    """Tasks open at any moment of the period (rules.in_period, said here in SQL): received
    before it ends, not resolved before it starts. Yesterday's unresolved tasks therefore stay
    on today's board.

    Asked as two searches, the tasks still open and those resolved since the period began,
    each along the index on (resolved_at, received_at), whatever the history: with one `OR`,
    SQLite walked the received_at index through every task received before the period's end
    (docs/PERFORMANCE.md). The second is ordered by resolved_at so that SQLite, which keeps
    no statistics, prefers that index to received_at's (tests/test_query_plans.py)."""
    task_filter = task_filter or TaskFilter()
    query = sa.select(Task).where(Task.received_at < period.end)
    if task_filter.deleted:
        query = query.where(Task.deleted_at.is_not(None))
    else:
        query = query.where(Task.deleted_at.is_(None))
    if task_filter.agent_id:
        query = query.where(Task.agent_id == task_filter.agent_id)
    if task_filter.status_id:
        query = query.where(Task.status_id == task_filter.status_id)
    if task_filter.chat_id:
        query = query.where(Task.chat_id == task_filter.chat_id)
    if task_filter.group_id:
        query = query.where(Task.group_id == task_filter.group_id)
    if task_filter.unassigned:
        query = query.where(Task.agent_id.is_(None))
    still_open = query.where(Task.resolved_at.is_(None)).order_by(Task.received_at, Task.id)
    resolved = query.where(Task.resolved_at >= period.start).order_by(Task.resolved_at)
    found = [*db.session.scalars(still_open), *db.session.scalars(resolved)]
    return sorted(found, key=lambda task: (task.received_at, task.id))


def open_tasks(agent_id: int | None = None) -> list[Task]:
    """Unresolved tasks, oldest first; one agent's or everybody's."""
    query = sa.select(Task).where(Task.resolved_at.is_(None), Task.deleted_at.is_(None))
    if agent_id is not None:
        query = query.where(Task.agent_id == agent_id)
    return list(db.session.execute(query.order_by(Task.received_at, Task.id)).scalars())


def closed_this_shift(agent_id: int | None = None, shift: Shift | None = None) -> list[Task]:
    """Tasks resolved since the shift began (WESUP_SHIFTS; the team's midnight without it),
    newest first."""
    shift = shift or current_shift()
    query = sa.select(Task).where(
        Task.resolved_at >= shift.start, Task.resolved_at < shift.end, Task.deleted_at.is_(None)
    )
    if agent_id is not None:
        query = query.where(Task.agent_id == agent_id)
    return list(db.session.execute(query.order_by(Task.resolved_at.desc())).scalars())


def queued_tasks(group_ids: Collection[int]) -> list[Task]:
    """Open tasks waiting unassigned in these lines' queues, oldest first."""
    if not group_ids:
        return []
    query = sa.select(Task).where(
        Task.agent_id.is_(None),
        Task.group_id.in_(group_ids),
        Task.resolved_at.is_(None),
        Task.deleted_at.is_(None),
    )
    return list(db.session.execute(query.order_by(Task.received_at, Task.id)).scalars())


def summary(tasks: list[Task]) -> dict[str, int]:
    """Counters of the summary line: open (not postponed), postponed, resolved."""
    counts = dict.fromkeys(rules.SUMMARY_COUNTERS, 0)
    for task in tasks:
        counts[rules.summary_counter(task.resolved_at, task.status.category)] += 1
    return counts


@dataclass(frozen=True)
class BoardSnapshot:
    """All tasks of a period as one reader may see them, with the seq they are consistent with."""

    seq: int
    period: Period
    task_filter: TaskFilter
    tasks: list[Task]

    @property
    def summary(self) -> dict[str, int]:
        return summary(self.tasks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": [task.to_dict() for task in self.tasks],
            "summary": self.summary,
            # the instants too: the page places live tasks with rules.js inPeriod
            "period": {
                "from": self.period.first.isoformat(),
                "to": self.period.last.isoformat(),
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "seq": self.seq,
        }


def board_snapshot(actor: User, period: Period, task_filter: TaskFilter) -> BoardSnapshot:
    """What All tasks shows (the page and GET /api/tasks alike)."""
    seq = events.latest_seq()  # read first: anything newer reaches the page live or on replay
    task_filter = task_filter.for_reader(actor)
    return BoardSnapshot(seq, period, task_filter, tasks_in_period(period, task_filter))


@dataclass(frozen=True)
class MineSnapshot:
    """One person's open tasks (oldest first), the ones they closed this shift, and the
    queues of their lines (tasks they may take)."""

    seq: int
    open: list[Task]
    closed_this_shift: list[Task]
    queue: list[Task]
    shift: Shift

    def to_dict(self) -> dict[str, Any]:
        return {
            "open": [task.to_dict() for task in self.open],
            "closed_this_shift": [task.to_dict() for task in self.closed_this_shift],
            "queue": [task.to_dict() for task in self.queue],
            "shift": self.shift.to_dict(),
            "seq": self.seq,
        }


def mine_snapshot(actor: User) -> MineSnapshot:
    """What My tasks shows (the page and GET /api/tasks/mine alike)."""
    seq = events.latest_seq()  # read first: anything newer reaches the page live or on replay
    shift = current_shift()
    return MineSnapshot(
        seq,
        open_tasks(actor.id),
        closed_this_shift(actor.id, shift),
        queued_tasks(line_ids(actor.id)),
        shift,
    )


def comments(task: Task) -> list[Comment]:
    query = sa.select(Comment).where(Comment.task_id == task.id).order_by(Comment.id)
    return list(db.session.execute(query).scalars())


def timeline(task: Task) -> list[dict[str, Any]]:
    """Comments, status changes and moves (from → to, note) with author and time, from the
    event log."""
    query = (
        sa.select(TaskEvent)
        .where(TaskEvent.task_id == task.id, TaskEvent.kind.in_(TASK_KINDS))
        .order_by(TaskEvent.seq)
    )
    return [event.to_message() for event in db.session.execute(query).unique().scalars()]


def default_status() -> Status | None:
    """The first status of category `new`: what a quick-added task starts with."""
    return db.session.execute(_default_status_query()).scalar_one_or_none()


def _default_status_query() -> sa.Select[Status]:
    return (
        sa.select(Status)
        .where(Status.category == StatusCategory.NEW, Status.archived_at.is_(None))
        .order_by(Status.position, Status.id)
        .limit(1)
    )


# --- validation ----------------------------------------------------------------------------


def _pick_chat(chat_id: int | None, current: Chat | None, errors: dict[str, str]) -> Chat | None:
    if chat_id is None:
        return None
    if current is not None and current.id == chat_id:
        return current  # an archived chat stays on the tasks that already have it
    chat = locks.hold(Chat, chat_id, to_change=False)  # a lead may be removing it right now
    if chat is None or chat.archived_at is not None:
        errors["chat_id"] = _("Choose a chat from the list.")
        return None
    return chat


def _pick_status(status_id: int, current: Status | None, errors: dict[str, str]) -> Status | None:
    if current is not None and current.id == status_id:
        return current
    status = locks.hold(Status, status_id, to_change=False)
    if status is None or status.archived_at is not None:
        errors["status_id"] = _("Choose a status from the list.")
        return None
    return status


def _starting_status() -> Status | None:
    """The default status, found and held like a picked one in one query (a quick add is the
    hottest write). Should a lead archive or remove it at this very moment, PostgreSQL waits,
    re-checks the row against the WHERE clause and takes the next status of category `new`;
    SQLite has taken the write lock first (locks.begin_write), so nothing can change it."""
    locks.begin_write()
    query = _default_status_query().with_for_update(read=True, key_share=True)  # locks.TO_USE
    return db.session.execute(
        query, execution_options={"populate_existing": True}
    ).scalar_one_or_none()


def _parse_received_at(data: dict[str, Any], errors: dict[str, str]) -> datetime | None:
    raw = data.get("received_at")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        errors["received_at"] = _("Use a date and time.")
        return None
    try:
        value = parse_local_datetime(raw)
    except ValueError:
        errors["received_at"] = _("Use a date and time.")
        return None
    if value > utcnow() + CLOCK_SKEW:
        errors["received_at"] = _("A request cannot arrive in the future.")
        return None
    return value


def _apply_status(task: Task, status: Status, now: datetime) -> None:
    """Entering a `done` status resolves the task; leaving it reopens the task."""
    if status.category == StatusCategory.DONE:
        if task.resolved_at is None:
            task.resolved_at = max(now, task.received_at)
    else:
        task.resolved_at = None
    task.status = status


# --- writing -------------------------------------------------------------------------------


def create_task(actor: User, data: dict[str, Any]) -> Task:
    """Log a request in a few seconds: only the title is required."""
    _require_writer(actor)
    errors: dict[str, str] = {}
    title = validate.text(data, "title", errors, max_length=TITLE_MAX, required=True)
    description = validate.text(data, "description", errors, max_length=DESCRIPTION_MAX)
    chat = _pick_chat(validate.integer(data, "chat_id", errors), None, errors)
    status_id = validate.integer(data, "status_id", errors)
    status = _pick_status(status_id, None, errors) if status_id else _starting_status()
    if status is None and "status_id" not in errors:
        errors["status_id"] = _("Create a status of category 'new' first.")
    received_at = _parse_received_at(data, errors)
    holder = _pick_holder(actor, data, errors, None)
    if errors or status is None or holder is None:
        raise ValidationFailed(_("The task was not saved."), errors)
    _require_assigner(actor, None, holder)

    now = utcnow()
    task = Task(
        title=title,
        description=description or "",
        chat=chat,
        agent=holder.agent,
        group=holder.group,
        received_at=received_at or now,
        created_at=now,
        updated_at=now,
    )
    _apply_status(task, status, now)
    db.session.add(task)
    db.session.flush()
    _publish_task(EventKind.TASK_CREATED, actor, task)
    return task


def _pick_holder(
    actor: User, data: dict[str, Any], errors: dict[str, str], task: Task | None
) -> Holder | None:
    """The owner and line `agent_id` / `group_id` ask for; a field left out keeps the task's
    (a new task: the line's queue when only a line is named, else the person creating it)."""
    agent = task.agent if task else None
    group = task.group if task else None
    if "agent_id" in data:
        agent = pick_agent(data, "agent_id", errors, current=agent)
    elif task is None and data.get("group_id") in (None, ""):
        agent = actor
    if "group_id" in data:
        group = pick_group(data, "group_id", errors, current=group)
    if "agent_id" in errors or "group_id" in errors:
        return None
    if agent is None and group is None:
        errors["agent_id"] = _("A task needs an owner or a line.")
        return None
    return Holder(agent, group)


def _require_assigner(actor: User, before: Holder | None, after: Holder) -> None:
    """Leads and admins give a task to anybody and any line. An agent keeps it: they stay its
    owner, and may put it only in a line of their own."""
    if actor.can_edit_every_task:
        return
    keeps_line = before is not None and after.group_id == before.group_id
    if after.agent_id != actor.id or not (
        after.group_id is None or keeps_line or after.group_id in line_ids(actor.id)
    ):
        raise Forbidden(
            _("Only a lead can give a task to somebody else or to a line; hand it on instead.")
        )


def update_task(actor: User, task_id: int, data: dict[str, Any]) -> Task:
    """Edit fields or change the status; `version` must match what the editor saw."""
    task = get_task(task_id, actor)
    _require_editor(actor, task)
    errors: dict[str, str] = {}
    version = validate.integer(data, "version", errors)
    if version is None and "version" not in errors:
        errors["version"] = _("This field is required.")
    if errors:
        raise ValidationFailed(_("The task was not saved."), errors)
    if version != task.version:
        raise Conflict(
            _("Somebody changed this task first. Look at the current version and try again."),
            current=task.to_dict(),
        )

    changes: dict[str, list[Any]] = {}
    if "title" in data:
        title = validate.text(data, "title", errors, max_length=TITLE_MAX, required=True)
        if title is not None and title != task.title:
            changes["title"] = [task.title, title]
    if "description" in data:
        description = validate.text(data, "description", errors, max_length=DESCRIPTION_MAX)
        if description is not None and description != task.description:
            changes["description"] = [task.description, description]
    new_chat: Chat | None = task.chat
    if "chat_id" in data:
        chat_id = validate.integer(data, "chat_id", errors)
        new_chat = _pick_chat(chat_id, task.chat, errors)
        if "chat_id" not in errors and new_chat is not task.chat:
            changes["chat"] = [_name(task.chat), _name(new_chat)]
    new_status = task.status
    if "status_id" in data:
        status_id = validate.integer(data, "status_id", errors)
        if status_id is None:
            errors.setdefault("status_id", _("This field is required."))
        else:
            new_status = _pick_status(status_id, task.status, errors) or task.status
            if new_status is not task.status:
                changes["status"] = [task.status.name, new_status.name]
    received_at = task.received_at
    if "received_at" in data:
        received_at = _parse_received_at(data, errors) or task.received_at
        if task.resolved_at and received_at > task.resolved_at:
            errors["received_at"] = _("A task cannot be received after it was resolved.")
        elif received_at != task.received_at:
            changes["received_at"] = [task.received_at.isoformat(), received_at.isoformat()]
    before = Holder.of(task)
    after = before
    if "agent_id" in data or "group_id" in data:
        after = _pick_holder(actor, data, errors, task) or before
    note = validate.text(data, "note", errors, max_length=NOTE_MAX)
    if errors:
        raise ValidationFailed(_("The task was not saved."), errors)
    moved = after != before
    if moved:
        _require_assigner(actor, before, after)
    if not changes and not moved:
        return task

    now = utcnow()
    if "title" in changes:
        task.title = changes["title"][1]
    if "description" in changes:
        task.description = changes["description"][1]
    task.chat = new_chat
    task.received_at = received_at
    if "status" in changes:
        _apply_status(task, new_status, now)
    task.agent, task.group = after.agent, after.group
    task.updated_at = now
    if moved:
        _publish_task(
            EventKind.TASK_ASSIGNED, actor, task, before=before, note=note or None, changes=changes
        )
        return task
    kind = EventKind.TASK_STATUS if "status" in changes else EventKind.TASK_UPDATED
    _publish_task(kind, actor, task, changes=changes)
    return task


def delete_task(actor: User, task_id: int, version: int | None = None) -> Task:
    """Soft delete: the row stays, the event log keeps who did it, a lead can restore it."""
    task = get_task(task_id, actor)
    _require_editor(actor, task)
    if version is not None and version != task.version:
        raise Conflict(_("Somebody changed this task first."), current=task.to_dict())
    now = utcnow()
    task.deleted_at = now
    task.updated_at = now
    _publish_task(EventKind.TASK_DELETED, actor, task)
    return task


def restore_task(actor: User, task_id: int) -> Task:
    """Bring back a deleted task; leads and admins only."""
    if not actor.can_edit_every_task:
        raise Forbidden(_("Only a lead or an admin can restore tasks."))
    task = get_task(task_id, actor, include_deleted=True)
    if task.deleted_at is None:
        raise Conflict(_("This task is not deleted."), current=task.to_dict())
    task.deleted_at = None
    task.updated_at = utcnow()
    _publish_task(EventKind.TASK_RESTORED, actor, task)
    return task


def add_comment(actor: User, task_id: int, data: dict[str, Any]) -> Comment:
    """A note on the task's timeline; the newest one shows on the board. Anybody who works
    tasks may add one to any task (the second line answering, a colleague who knows)."""
    task = get_task(task_id, actor)
    if not can_comment(actor, task):
        raise Forbidden(_("Your role cannot comment on tasks."))
    errors: dict[str, str] = {}
    body = validate.text(data, "body", errors, max_length=COMMENT_MAX, required=True)
    if errors:
        raise ValidationFailed(_("The comment was not saved."), errors)
    now = utcnow()
    comment = Comment(task_id=task.id, author=actor, body=body, created_at=now)
    db.session.add(comment)
    task.last_comment = body
    task.updated_at = now
    db.session.flush()
    _publish_task(EventKind.TASK_COMMENTED, actor, task, comment=comment.to_dict())
    return comment


def _publish_task(
    kind: EventKind,
    actor: User,
    task: Task,
    *,
    before: Holder | None = None,
    note: str | None = None,
    **data: Any,
) -> None:
    """Flush (bumping the version), record the event with the task as it now is (and, for a
    move, where it was), commit, emit."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        fresh = db.session.get(Task, task.id)
        raise Conflict(
            _("Somebody changed this task first."), current=fresh.to_dict() if fresh else None
        ) from exc
    events.publish(task_event(kind, actor, task, before=before, note=note, **data))


# --- moving a task: transfer and take --------------------------------------------------------


def transfer_task(actor: User, task_id: int, data: dict[str, Any]) -> Task:
    """The owner (or a lead) hands one task to a person or to a line's queue, with a note;
    for a line the note is required: an escalation says why."""
    task = get_task(task_id, actor)
    _require_editor(actor, task)
    errors: dict[str, str] = {}
    version = validate.integer(data, "version", errors)
    to_person = data.get("agent_id") not in (None, "")
    to_line = data.get("group_id") not in (None, "")
    if to_person == to_line:
        errors["agent_id"] = _("Choose a person or a line, one of the two.")
    note = validate.text(data, "note", errors, max_length=NOTE_MAX, required=to_line)
    before = Holder.of(task)
    after = before
    if to_person and not to_line:
        agent = pick_agent(data, "agent_id", errors)
        after = Holder(agent, task.group)
        if agent is not None and agent.id == task.agent_id:
            errors["agent_id"] = _("The task is already theirs.")
    elif to_line and not to_person:
        group = pick_group(data, "group_id", errors)
        after = Holder(None, group)
        if group is not None and task.agent_id is None and task.group_id == group.id:
            errors["group_id"] = _("The task already waits in this line's queue.")
    if errors:
        raise ValidationFailed(_("The task was not handed on."), errors)
    if version is not None and version != task.version:
        raise Conflict(_("Somebody changed this task first."), current=task.to_dict())
    task.agent, task.group = after.agent, after.group
    task.updated_at = utcnow()
    _publish_task(EventKind.TASK_TRANSFERRED, actor, task, before=before, note=note or None)
    return task


def take_task(actor: User, task_id: int) -> Task:
    """Take a task from a line's queue: one conditional UPDATE (… WHERE agent_id IS NULL), so
    of several people pressing Take at once exactly one wins, on either database; the others
    get a 409 that names who took it."""
    task = get_task(task_id, actor)
    _require_writer(actor)
    # whether they may take it were it free: whether it still is, the UPDATE decides
    if not rules.can_take(
        works_tasks=actor.works_tasks,
        can_edit_every=actor.can_edit_every_task,
        unassigned=True,
        member_of_line=task.group_id in line_ids(actor.id),
    ):
        raise Forbidden(_("Only a member of the task's line, or a lead, can take it."))
    before = Holder.of(task)
    won: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Task)
        .where(
            Task.id == task.id,
            Task.agent_id.is_(None),
            Task.group_id == task.group_id,
            Task.deleted_at.is_(None),
        )
        .values(agent_id=actor.id, version=Task.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        db.session.rollback()  # ends the write transaction the UPDATE opened
        fresh = get_task(task_id, actor)
        db.session.refresh(fresh)
        if fresh.agent is None:  # moved to another line meanwhile
            raise Conflict(_("The task moved meanwhile."), current=fresh.to_dict())
        raise Conflict(
            _("%(name)s took this task first.", name=fresh.agent.name),
            current=fresh.to_dict(),
            taken_by=fresh.agent.brief(),
        )
    db.session.refresh(task)
    _publish_task(EventKind.TASK_TAKEN, actor, task, before=before)
    return task


def _name(chat: Chat | None) -> str | None:
    return chat.name if chat else None
