"""Every change to a task goes through here: authorize, validate, write, record, broadcast."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from wesup import events, locks, notify, rules, validate
from wesup.enums import TASK_KINDS, EventKind, StatusCategory
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Chat, Comment, Status, Task, TaskEvent, User, table_of, utcnow
from wesup.names import fold
from wesup.owners import Holder, line_ids, pick_agent, pick_group, stamp_activity, task_event
from wesup.timeutil import Period, Shift, current_shift, parse_local_datetime, team_zone

TITLE_MAX = 300
DESCRIPTION_MAX = 10_000
COMMENT_MAX = 5_000
NOTE_MAX = 2_000
CLOCK_SKEW = timedelta(minutes=5)
_TASKS = table_of(Task)
_ADD_TASK = sa.insert(_TASKS).returning(_TASKS.c.id)  # built once: the hottest write
# rules.board_order in SQL: open urgent tasks first, then by the time the request arrived
OPEN_ORDER = (
    sa.case((sa.and_(Task.urgent, Task.resolved_at.is_(None)), 0), else_=1),
    Task.received_at,
    Task.id,
)


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
    """Any agent, lead or admin notes on any task; editing stays with the owner and leads. An
    integration (an API token with tasks:write) adds what the chat said later."""
    return rules.can_comment(
        works_tasks=actor.works_tasks or actor.is_integration, deleted=task.deleted_at is not None
    )


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
    """Who may log a task: people who work tasks, and integrations (a bot's API token)."""
    if not (actor.works_tasks or actor.is_integration):
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

    def applied_to(self, query: sa.Select[Any]) -> sa.Select[Any]:
        """The query narrowed to the live (or the deleted) tasks that match the filters."""
        if self.deleted:
            query = query.where(Task.deleted_at.is_not(None))
        else:
            query = query.where(Task.deleted_at.is_(None))
        for column, value in (
            (Task.agent_id, self.agent_id),
            (Task.status_id, self.status_id),
            (Task.chat_id, self.chat_id),
            (Task.group_id, self.group_id),
        ):
            if value:
                query = query.where(column == value)
        if self.unassigned:
            query = query.where(Task.agent_id.is_(None))
        return query

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
    query = task_filter.applied_to(sa.select(Task).where(Task.received_at < period.end))
    still_open = query.where(Task.resolved_at.is_(None)).order_by(Task.received_at, Task.id)
    resolved = query.where(Task.resolved_at >= period.start).order_by(Task.resolved_at)
    found = [*db.session.scalars(still_open), *db.session.scalars(resolved)]
    # OPEN_ORDER (rules.board_order): open urgent tasks first, then by arrival
    return sorted(
        found,
        key=lambda task: (
            0 if task.urgent and task.resolved_at is None else 1,
            task.received_at,
            task.id,
        ),
    )


def open_tasks(agent_id: int | None = None) -> list[Task]:
    """Unresolved tasks, urgent ones first, then oldest first (rules.board_order); one
    agent's or everybody's."""
    query = sa.select(Task).where(Task.resolved_at.is_(None), Task.deleted_at.is_(None))
    if agent_id is not None:
        query = query.where(Task.agent_id == agent_id)
    return list(db.session.execute(query.order_by(*OPEN_ORDER)).scalars())


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
    return list(db.session.execute(query.order_by(*OPEN_ORDER)).scalars())


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
            "period": period_dict(self.period),
            "seq": self.seq,
        }


def period_dict(period: Period) -> dict[str, str]:
    """The period's team days, and its instants: the page places live tasks with rules.js
    inPeriod."""
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def sort_tasks(tasks: list[Task], key: str, descending: bool, now: datetime) -> list[Task]:
    """Tasks by one column of All tasks (rules.SORT_KEYS), as the page's script sorts them."""
    by_id = {task.id: task for task in tasks}
    ordered = rules.sort_tasks([task.to_dict() for task in tasks], key, descending, now)
    return [by_id[task["id"]] for task in ordered]


def by_day(tasks: list[Task]) -> list[tuple[date, list[Task]]]:
    """Found tasks under the team day they arrived on, the newest day first; each day keeps
    the order it was given."""
    days: dict[date, list[Task]] = {}
    for task in tasks:
        days.setdefault(task.received_at.astimezone(team_zone()).date(), []).append(task)
    return sorted(days.items(), key=lambda item: item[0], reverse=True)


def board_snapshot(actor: User, period: Period, task_filter: TaskFilter) -> BoardSnapshot:
    """What All tasks shows (the page and GET /api/tasks alike)."""
    seq = events.latest_seq()  # read first: anything newer reaches the page live or on replay
    task_filter = task_filter.for_reader(actor)
    return BoardSnapshot(seq, period, task_filter, tasks_in_period(period, task_filter))


# --- search --------------------------------------------------------------------------------

SEARCH_MIN = 2  # characters: one letter would match half the log
SEARCH_MAX = 100
SEARCH_WORDS = 5
SEARCH_LIMIT = 50  # the newest ones; `more` says there are older matches


class BadSearch(ValidationFailed):
    """A search box too short or too long: the request is wrong, nothing to validate."""

    status = 400
    code = "bad_request"


def search_words(raw: Any) -> list[str]:
    """The words of a search box: each at least SEARCH_MIN characters (shorter ones are
    dropped), at most SEARCH_WORDS of them. Too short or too long as a whole is a 400."""
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) < SEARCH_MIN or len(text) > SEARCH_MAX or "\x00" in text:
        raise BadSearch(
            _("Type %(min)d to %(max)d characters to search.", min=SEARCH_MIN, max=SEARCH_MAX),
            {
                "q": _(
                    "Type %(min)d to %(max)d characters to search.", min=SEARCH_MIN, max=SEARCH_MAX
                )
            },
        )
    words = [word for word in text.split() if len(word) >= SEARCH_MIN][:SEARCH_WORDS]
    return words or [text]


def _matches(word: str) -> sa.ColumnElement[bool]:
    """The word is in the title, the description, a comment or the source chat's name, case
    aside: ILIKE on PostgreSQL (a UTF-8 ctype folds Cyrillic), and on SQLite the Python
    casefold registered on every connection (wesup/__init__.py; names.holds_folded), given
    the task's own text in one piece so that each task costs one call per word."""
    in_task: sa.ColumnElement[Any]
    in_comment_body: sa.ColumnElement[Any]
    if db.session.get_bind().dialect.name == "sqlite":
        folded = fold(word)
        own_text = Task.title + "\n" + Task.description + "\n" + sa.func.coalesce(Chat.name, "")
        in_task = sa.func.wesup_holds(own_text, folded)
        in_comment_body = sa.func.wesup_holds(Comment.body, folded)
    else:
        escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
        pattern = f"%{escaped}%"
        in_task = sa.or_(
            Task.title.ilike(pattern, escape="/"),
            Task.description.ilike(pattern, escape="/"),
            Chat.name.ilike(pattern, escape="/"),
        )
        in_comment_body = Comment.body.ilike(pattern, escape="/")
    # Not correlated: the commented tasks are found once per word, not looked up per task.
    in_comment = Task.id.in_(sa.select(Comment.task_id).where(in_comment_body))
    return sa.or_(in_task, in_comment)


@dataclass(frozen=True)
class SearchResult:
    """The newest tasks of all time whose text holds every word, as one reader may see them."""

    seq: int
    query: str
    task_filter: TaskFilter
    tasks: list[Task]
    more: bool

    def days(self) -> tuple[date, date] | None:
        """The first and last team day the found tasks arrived on (the period shown)."""
        days = [day for day, _tasks in by_day(self.tasks)]
        return (days[-1], days[0]) if days else None

    def to_dict(self) -> dict[str, Any]:
        days = self.days()
        return {
            "tasks": [task.to_dict() for task in self.tasks],
            "query": self.query,
            "more": self.more,
            "limit": SEARCH_LIMIT,
            "period": {"from": days[0].isoformat(), "to": days[1].isoformat()} if days else None,
            "seq": self.seq,
        }


def search_tasks(actor: User, raw: Any, task_filter: TaskFilter) -> SearchResult:
    """Tasks of all time whose title, description, comments or chat name hold every word of
    `raw`, newest first, SEARCH_LIMIT of them (the page and GET /api/tasks/search alike)."""
    words = search_words(raw)
    seq = events.latest_seq()
    task_filter = task_filter.for_reader(actor)
    query = task_filter.applied_to(sa.select(Task).outerjoin(Chat, Task.chat_id == Chat.id))
    for word in words:
        query = query.where(_matches(word))
    query = query.order_by(Task.received_at.desc(), Task.id.desc()).limit(SEARCH_LIMIT + 1)
    found = list(db.session.execute(query).scalars())
    return SearchResult(
        seq, raw.strip(), task_filter, found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT
    )


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
    return db.session.execute(_DEFAULT_STATUS).scalar_one_or_none()


def _first_status_query(category: StatusCategory) -> sa.Select[Status]:
    """The first active status of a category by position."""
    return (
        sa.select(Status)
        .where(Status.category == category, Status.archived_at.is_(None))
        .order_by(Status.position, Status.id)
        .limit(1)
    )


_DEFAULT_STATUS = _first_status_query(StatusCategory.NEW)
# held like a picked status (locks.TO_USE); built once, for the hottest write
_STARTING_STATUS = _DEFAULT_STATUS.with_for_update(read=True, key_share=True)


def first_done_status() -> Status | None:
    """The first active status of category `done` by position: where a resolved incident
    moves its tasks."""
    return db.session.execute(_first_status_query(StatusCategory.DONE)).scalar_one_or_none()


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
    return db.session.execute(
        _STARTING_STATUS, execution_options={"populate_existing": True}
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


def _apply_status(task: Task, status: Status, now: datetime) -> bool:
    """Entering a `done` status resolves the task; leaving it reopens the task. True when
    this resolved it."""
    resolved = False
    if status.category == StatusCategory.DONE:
        if task.resolved_at is None:
            task.resolved_at = max(now, task.received_at)
            resolved = True
    else:
        task.resolved_at = None
    task.status = status
    return resolved


def _tell_chat_field(data: dict[str, Any], errors: dict[str, str]) -> bool | None:
    """`tell_chat`: whether the source chat hears when the task is resolved (a boolean)."""
    if "tell_chat" not in data:
        return None
    value = data["tell_chat"]
    if not isinstance(value, bool):
        errors["tell_chat"] = _("Use true or false.")
        return None
    return value


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
    urgent = validate.flag(data, "urgent", errors)
    holder = _pick_holder(actor, data, errors, None)
    tell_chat = _tell_chat_field(data, errors)
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
        deleted_at=None,
        last_comment=None,
        last_activity_at=now,
        urgent=bool(urgent),
        tell_chat=True if tell_chat is None else tell_chat,
        version=1,
    )
    _apply_status(task, status, now)
    _insert(task)
    notify.task_created(task)  # the developers' chats, in the same commit
    _publish_task(EventKind.TASK_CREATED, actor, task, stamped=True)  # last_activity_at: now
    return task


def _insert(task: Task) -> None:
    """Write a new task with one Core INSERT … RETURNING and put it in the session as loaded
    (make_transient_to_detached, then add): the ORM's unit of work for the same row costs
    about five times the statement in Python, in the hottest write (docs/PERFORMANCE.md).
    create_task sets every column and relationship; the foreign keys come from the latter.
    A column it leaves unset (one added later) gets its default from the database and is
    loaded from the row when first read, as the ORM would."""
    task.chat_id = task.chat.id if task.chat else None
    task.status_id = task.status.id
    task.agent_id = task.agent.id if task.agent else None
    task.group_id = task.group.id if task.group else None
    given = sa.inspect(task).dict
    values = {column.key: given[column.key] for column in _TASKS.c if column.key in given}
    task.id = db.session.execute(_ADD_TASK, values).scalar_one()
    so.make_transient_to_detached(task)
    db.session.add(task)


def _pick_holder(
    actor: User, data: dict[str, Any], errors: dict[str, str], task: Task | None
) -> Holder | None:
    """The owner and line `agent_id` / `group_id` ask for; a field left out keeps the task's
    (a new task: the line's queue when only a line is named, else the person creating it;
    an integration owns no tasks, so it must name a person or a line)."""
    agent = task.agent if task else None
    group = task.group if task else None
    if "agent_id" in data:
        agent = pick_agent(data, "agent_id", errors, current=agent)
    elif task is None and data.get("group_id") in (None, "") and not actor.is_integration:
        agent = actor
    if "group_id" in data:
        group = pick_group(data, "group_id", errors, current=group)
    if "agent_id" in errors or "group_id" in errors:
        return None
    if agent is None and group is None:
        if actor.is_integration:
            errors["agent_id"] = _("Name the task's agent_id or group_id: a bot owns no tasks.")
        else:
            errors["agent_id"] = _("A task needs an owner or a line.")
        return None
    return Holder(agent, group)


def _require_assigner(actor: User, before: Holder | None, after: Holder) -> None:
    """Leads and admins give a task to anybody and any line. An agent keeps it: they stay its
    owner, and may put it only in a line of their own. An integration hands the task it logs
    to the person or line it names (and can move no task after that: it edits none)."""
    if actor.can_edit_every_task or (actor.is_integration and before is None):
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
    urgent = validate.flag(data, "urgent", errors)
    if urgent is not None and urgent != task.urgent:
        changes["urgent"] = [task.urgent, urgent]
    before = Holder.of(task)
    after = before
    if "agent_id" in data or "group_id" in data:
        after = _pick_holder(actor, data, errors, task) or before
    tell_chat = _tell_chat_field(data, errors)
    if tell_chat is not None and tell_chat != task.tell_chat:
        changes["tell_chat"] = [task.tell_chat, tell_chat]
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
    if "urgent" in changes:
        task.urgent = changes["urgent"][1]
    if "tell_chat" in changes:
        task.tell_chat = changes["tell_chat"][1]
    resolved = "status" in changes and _apply_status(task, new_status, now)
    task.agent, task.group = after.agent, after.group
    task.updated_at = now
    if resolved:
        _tell_resolved(task)
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
    stamped: bool = False,
    **data: Any,
) -> None:
    """Flush (bumping the version, with the activity stamp when a change is waiting), record
    the event with the task as it now is (and, for a move, where it was), commit, emit.
    stamped: the task's INSERT already carries this moment as its last activity."""
    stamped = stamped or stamp_activity(task)
    _flush(task)
    events.publish(task_event(kind, actor, task, before=before, note=note, stamped=stamped, **data))


def _flush(task: Task) -> None:
    """Write the change, bumping the version; another writer's change first is a 409."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        fresh = db.session.get(Task, task.id)
        raise Conflict(
            _("Somebody changed this task first."), current=fresh.to_dict() if fresh else None
        ) from exc


def _tell_resolved(task: Task) -> None:
    """The source chat hears of the resolve in the same commit (notify.task_resolved); the
    version is bumped first, as the message's key carries the version the change makes."""
    _flush(task)
    notify.task_resolved(task)


def resolve_together(
    actor: User, tasks: list[Task], status: Status, **data: Any
) -> list[TaskEvent]:
    """Move these open tasks into a `done` status in the current transaction, each with the
    `task.status` event an edit would record (plus `data`, e.g. the incident), so every board
    and report counts them as resolved; the caller commits them all at once
    (events.publish_all). A task somebody changed meanwhile is a 409 with nothing saved."""
    now = utcnow()
    changes = [{"status": [task.status.name, status.name]} for task in tasks]
    for task in tasks:
        _apply_status(task, status, now)
        task.updated_at = now
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(_("Somebody changed one of these tasks first. Try again.")) from exc
    return [
        task_event(EventKind.TASK_STATUS, actor, task, changes=change, **data)
        for task, change in zip(tasks, changes, strict=True)
    ]


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
