"""Reports of a shift, a day or any period: the numbers (`build_report`) and the tasks behind
each of them (`report_tasks`), read from the projection of the event log (wesup/reports/
history.py) with a handful of SQL aggregates. docs/METRICS.md defines every number.

Who sees what: leads, admins and viewers see the whole team; an agent sees only what is
credited to them (their own row, and their share of the other breakdowns).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from wesup import validate
from wesup.config import REPORT_PAGE_MAX
from wesup.enums import ReportBreakdown, ReportMetric, StatusCategory
from wesup.errors import Forbidden, ServiceError, ValidationFailed
from wesup.extensions import db
from wesup.models import Chat, Group, Status, Task, TaskMark, TaskSpan, User, utcnow
from wesup.reports.history import seconds
from wesup.timeutil import MAX_PERIOD_DAYS, parse_local_datetime, parse_period, shift_at

# The row counters read from the moments, resolved aside (its last entry in the period).
COUNTED = (
    ReportMetric.RECEIVED,
    ReportMetric.POSTPONED,
    ReportMetric.HANDED_OVER,
    ReportMetric.RECEIVED_BY_HANDOVER,
    ReportMetric.TRANSFERRED,
    ReportMetric.ESCALATED,
    ReportMetric.REOPENED,
)
COUNTERS = (
    "received",
    "resolved",
    "open_at_end",
    "postponed",
    "handed_over",
    "received_by_handover",
    "transferred",
    "escalated",
    "reopened",
)
OPEN_CATEGORIES = (StatusCategory.NEW, StatusCategory.ACTIVE, StatusCategory.POSTPONED)
# Working time: the task was this person's (or line's…) and not postponed.
WORKING = (StatusCategory.NEW.value, StatusCategory.ACTIVE.value)
TOTAL = "all"  # report_tasks' key for the team total


class BadReportRequest(ServiceError):
    """A report asked for with parameters that make no report."""

    status = 400
    code = "bad_request"


# --- who sees what -----------------------------------------------------------------------------


def sees_everyone(actor: User) -> bool:
    """Leads, admins and viewers read the team's report; an agent reads their own."""
    return actor.can_edit_every_task or not actor.works_tasks


def _scope(actor: User) -> int | None:
    """The person a report is limited to (None: everyone)."""
    return None if sees_everyone(actor) else actor.id


# --- parameters ------------------------------------------------------------------------------


def breakdown(by: str | None) -> ReportBreakdown:
    try:
        return ReportBreakdown(by or ReportBreakdown.AGENT)
    except ValueError:
        raise BadReportRequest(
            _("Choose how to break the report down."),
            {"by": _("One of: %(choices)s.", choices=", ".join(ReportBreakdown))},
        ) from None


def metric(name: str | None) -> ReportMetric:
    try:
        return ReportMetric(name or "")
    except ValueError:
        raise BadReportRequest(
            _("Choose a number of the report."),
            {"metric": _("One of: %(choices)s.", choices=", ".join(ReportMetric))},
        ) from None


def window(args: Mapping[str, str | None]) -> tuple[datetime, datetime]:
    """The period a request asks for, as UTC [start, end): `shift=` (a moment in the shift, or
    `now`), `start=`/`end=` (ISO datetimes; without an offset, the team's clock), or
    `from=`/`to=` (team days, as on All tasks; neither means today)."""
    if args.get("shift"):
        shift = shift_at(_moment(args, "shift", allow_now=True))
        return shift.start, shift.end
    if args.get("start") or args.get("end"):
        start, end = _moment(args, "start"), _moment(args, "end")
        if end <= start:
            raise BadReportRequest(
                _("The period ends before it starts."), {"end": _("Before 'start'.")}
            )
        if end - start > timedelta(days=MAX_PERIOD_DAYS):
            raise BadReportRequest(
                _("The period is longer than a year."), {"end": _("Too far from 'start'.")}
            )
        return start, end
    try:
        period = parse_period(args.get("from"), args.get("to"))
    except ValidationFailed as exc:
        raise BadReportRequest(exc.message, exc.fields) from None
    return period.start, period.end


def _moment(args: Mapping[str, str | None], name: str, *, allow_now: bool = False) -> datetime:
    raw = args.get(name) or ""
    if allow_now and raw == "now":
        return utcnow()
    try:
        return parse_local_datetime(raw)
    except ValueError:
        raise BadReportRequest(
            _("The period is not valid."), {name: _("Use a date and time (ISO 8601).")}
        ) from None


def key_arg(raw: str | None) -> int | str | None:
    """report_tasks' key from the query: `all` (the total), `none` (no owner, line or chat), or
    an id."""
    if raw in (None, "", TOTAL):
        return TOTAL
    if raw == "none":
        return None
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        return int(raw)
    raise BadReportRequest(_("The report row is not valid."), {"key": _("An id, none or all.")})


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """The period in the projection's unit: [start, end), and the end of the time that has
    passed (now, when the period reaches into the future)."""

    start: int
    end: int
    passed: int

    @classmethod
    def of(cls, start: datetime, end: datetime) -> _Window:
        first, last = seconds(start), seconds(end)
        return cls(first, last, max(first, min(last, seconds(utcnow()))))


def build_report(actor: User, start: datetime, end: datetime, by: str) -> dict[str, Any]:
    """The report of [start, end) broken down `by` agent, group (line), chat or status, with
    the team total: see docs/METRICS.md. Seconds are whole; null where nothing was measured."""
    kind = breakdown(by)
    if end <= start:
        raise BadReportRequest(_("The period ends before it starts."))
    period = _Window.of(start, end)
    scope = _scope(actor)
    rows: dict[int | None, _Tally] = defaultdict(_Tally)
    total = _Tally()

    mark_key = _column(TaskMark, kind)
    for name, key, count in db.session.execute(
        _marks(period, scope, COUNTED)
        .with_only_columns(TaskMark.mark, mark_key, sa.func.count(sa.distinct(TaskMark.task_id)))
        .group_by(TaskMark.mark, mark_key)
    ):
        rows[key].counts[name] = count
    for name, count in db.session.execute(
        _marks(period, scope, COUNTED)
        .with_only_columns(TaskMark.mark, sa.func.count(sa.distinct(TaskMark.task_id)))
        .group_by(TaskMark.mark)
    ):
        total.counts[name] = count

    resolved = _last_resolutions(period, kind).subquery()
    query = sa.select(resolved.c.key, resolved.c.seconds).where(resolved.c.last == 1)
    if scope is not None:
        query = query.where(resolved.c.agent_id == scope)
    for key, took in db.session.execute(query):
        for tally in (rows[key], total):
            tally.counts["resolved"] += 1
            tally.resolve.append(took)

    for key, took in db.session.execute(
        _marks(period, scope, (ReportMetric.FIRST_ACTION,)).with_only_columns(
            mark_key, TaskMark.seconds
        )
    ):
        rows[key].first_action.append(took)
        total.first_action.append(took)

    span_key = _column(TaskSpan, kind)
    for key, status_id, category, spent in db.session.execute(
        _spans(period, scope)
        .with_only_columns(
            span_key, TaskSpan.status_id, TaskSpan.category, sa.func.sum(_clipped(period))
        )
        .group_by(span_key, TaskSpan.status_id, TaskSpan.category)
    ):
        for tally in (rows[key], total):
            tally.add_time(status_id, category, int(spent))

    for key, count in db.session.execute(
        _open_at_end(period, scope)
        .with_only_columns(span_key, sa.func.count(sa.distinct(TaskSpan.task_id)))
        .group_by(span_key)
    ):
        rows[key].counts["open_at_end"] = count
    total.counts["open_at_end"] = (
        db.session.scalar(
            _open_at_end(period, scope).with_only_columns(
                sa.func.count(sa.distinct(TaskSpan.task_id))
            )
        )
        or 0
    )

    names = _names(kind, [key for key in rows if key is not None])
    ordered = sorted(
        (key for key, tally in rows.items() if tally.anything()),
        key=lambda key: _order(key, names),
    )
    return {
        "period": {
            "start": start.astimezone(UTC).isoformat(),
            "end": end.astimezone(UTC).isoformat(),
        },
        "by": kind.value,
        "rows": [
            {"key": {"id": key, "name": _name(kind, key, names)}, **rows[key].to_dict()}
            for key in ordered
        ],
        "total": total.to_dict(),
    }


class _Tally:
    """One row's numbers while the queries come in."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.resolve: list[int] = []
        self.first_action: list[int] = []
        self.in_status: dict[str, int] = {}
        self.in_category: dict[str, int] = dict.fromkeys(
            (category.value for category in OPEN_CATEGORIES), 0
        )

    def add_time(self, status_id: int | None, category: str, spent: int) -> None:
        if spent <= 0:
            return
        if status_id is not None:
            self.in_status[str(status_id)] = self.in_status.get(str(status_id), 0) + spent
        self.in_category[category] = self.in_category.get(category, 0) + spent

    def anything(self) -> bool:
        return bool(
            any(self.counts.values())
            or self.resolve
            or self.first_action
            or any(self.in_status.values())
            or any(self.in_category.values())
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.counts,
            "first_action_p50": percentile(self.first_action, 50),
            "first_action_p90": percentile(self.first_action, 90),
            "resolve_p50": percentile(self.resolve, 50),
            "resolve_p90": percentile(self.resolve, 90),
            "time_in_status": dict(sorted(self.in_status.items(), key=lambda item: int(item[0]))),
            "time_in_category": self.in_category,
            "time_credited": sum(self.in_category.get(category, 0) for category in WORKING),
        }


def percentile(values: Iterable[int], share: int) -> int | None:
    """The nearest-rank percentile: the smallest value with at least `share` % of the values
    at or below it (the median of 1, 2 is 1). None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(share * len(ordered) / 100)
    return ordered[max(rank, 1) - 1]


def _column(model: type[TaskMark] | type[TaskSpan], kind: ReportBreakdown) -> Any:
    """The column a breakdown keys rows by: agent_id, group_id, chat_id or status_id."""
    return getattr(model, f"{kind.value}_id")


def _marks(period: _Window, scope: int | None, kinds: Iterable[ReportMetric]) -> sa.Select[Any]:
    query = sa.select(TaskMark.id).where(
        TaskMark.at >= period.start,
        TaskMark.at < period.end,
        TaskMark.mark.in_([str(kind) for kind in kinds]),
    )
    return query if scope is None else query.where(TaskMark.agent_id == scope)


def _last_resolutions(period: _Window, kind: ReportBreakdown) -> sa.Select[Any]:
    """Each resolution in the period with `last` = 1 on a task's last one there: a task
    resolved, reopened and resolved again counts once, where it was resolved last."""
    last = sa.func.row_number().over(
        partition_by=TaskMark.task_id, order_by=(TaskMark.at.desc(), TaskMark.id.desc())
    )
    return _marks(period, None, (ReportMetric.RESOLVED,)).with_only_columns(
        TaskMark.task_id,
        _column(TaskMark, kind).label("key"),
        TaskMark.agent_id,
        TaskMark.seconds,
        last.label("last"),
    )


def _spans(period: _Window, scope: int | None) -> sa.Select[Any]:
    """Spans with some time inside the period (up to now)."""
    query = sa.select(TaskSpan.id).where(
        TaskSpan.ended > period.start, TaskSpan.began < period.passed
    )
    return query if scope is None else query.where(TaskSpan.agent_id == scope)


def _clipped(period: _Window) -> Any:
    """A span's seconds inside the period: both ends clipped to its edges (and to now)."""
    ends = sa.case((TaskSpan.ended < period.passed, TaskSpan.ended), else_=period.passed)
    begins = sa.case((TaskSpan.began > period.start, TaskSpan.began), else_=period.start)
    return ends - begins


def _open_at_end(period: _Window, scope: int | None) -> sa.Select[Any]:
    """The span each task open at the end was in (the moment just before the end)."""
    query = sa.select(TaskSpan.id).where(TaskSpan.ended >= period.end, TaskSpan.began < period.end)
    return query if scope is None else query.where(TaskSpan.agent_id == scope)


# --- names of the rows -------------------------------------------------------------------------


_MODELS: dict[ReportBreakdown, Any] = {
    ReportBreakdown.AGENT: User,
    ReportBreakdown.GROUP: Group,
    ReportBreakdown.CHAT: Chat,
    ReportBreakdown.STATUS: Status,
}


def _names(kind: ReportBreakdown, ids: list[int]) -> dict[int, tuple[Any, str]]:
    """{id: (sort key, name)}: lines and statuses in their board order, people and chats by
    name."""
    model = _MODELS[kind]
    if not ids:
        return {}
    found = db.session.execute(sa.select(model).where(model.id.in_(ids))).scalars()
    names: dict[int, tuple[Any, str]] = {}
    for entry in found:
        order = (entry.position, entry.id) if hasattr(entry, "position") else (0, 0)
        names[entry.id] = ((*order, entry.name.casefold(), entry.id), entry.name)
    return names


def _order(key: int | None, names: Mapping[int, tuple[Any, str]]) -> tuple[Any, ...]:
    if key is None:
        return (2,)
    if key not in names:
        return (1, key)
    return (0, names[key][0])


def _name(kind: ReportBreakdown, key: int | None, names: Mapping[int, tuple[Any, str]]) -> str:
    if key is None:
        return {
            ReportBreakdown.AGENT: _("Unassigned"),
            ReportBreakdown.GROUP: _("No line"),
            ReportBreakdown.CHAT: _("No chat"),
            ReportBreakdown.STATUS: "—",
        }[kind]
    return names[key][1] if key in names else f"#{key}"


# --- the tasks behind a number -----------------------------------------------------------------


@dataclass(frozen=True)
class TasksBehind:
    """The tasks behind one number of build_report, oldest received first: all of them (the
    charts), or a page (the API and the page: a number over a month can stand for 100,000
    tasks, too many for one answer or one list on a page)."""

    query: sa.Select[Any]  # (Task, seconds)

    def all(self) -> list[dict[str, Any]]:
        return [task.to_dict() | {"seconds": took} for task, took in db.session.execute(self.query)]

    def page(self, limit: int, offset: int) -> dict[str, Any]:
        """`limit` tasks from `offset`, with `total` (how many there are) and `next_offset`
        (None on the last page)."""
        counted = sa.select(sa.func.count()).select_from(self.query.order_by(None).subquery())
        total = db.session.scalar(counted) or 0
        found = db.session.execute(self.query.limit(limit).offset(offset))
        tasks = [task.to_dict() | {"seconds": took} for task, took in found]
        following = offset + len(tasks)
        return {
            "tasks": tasks,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if tasks and following < total else None,
        }


def page_of(args: Mapping[str, Any], default_limit: int) -> tuple[int, int]:
    """(limit, offset) of a list's page from the query: `limit` 1 to REPORT_PAGE_MAX (the default
    when absent), `offset` 0 or more. A bad one is a 422 naming the field."""
    errors: dict[str, str] = {}
    given = {name: args.get(name) for name in ("limit", "offset")}
    limit = validate.integer(given, "limit", errors)
    offset = validate.integer(given, "offset", errors)
    if limit is not None and not 1 <= limit <= REPORT_PAGE_MAX:
        errors["limit"] = _("From 1 to %(most)s.", most=REPORT_PAGE_MAX)
    if offset is not None and offset < 0:
        errors["offset"] = _("0 or more.")
    if errors:
        raise ValidationFailed(_("The page of the list is not valid."), errors)
    return (default_limit if limit is None else limit), offset or 0


def report_tasks(
    actor: User,
    start: datetime,
    end: datetime,
    by: str,
    key_id: int | str | None,
    metric_name: str,
) -> TasksBehind:
    """The tasks behind one number (with their seconds): the row `key_id` (an id,
    None for "no owner / line / chat", TOTAL for the team total) and the metric (`received`,
    `resolved`, …, `first_action` for the tasks measured, `time` for the tasks that spent time
    there); `seconds` where the number measures one (time to resolve or to first action, time
    in the period). An agent asking for another person's row is refused."""
    kind = breakdown(by)
    wanted = metric(metric_name)
    scope = _scope(actor)
    if scope is not None and kind == ReportBreakdown.AGENT and key_id not in (TOTAL, scope):
        raise Forbidden(_("You can see your own report only."))
    if end <= start:
        raise BadReportRequest(_("The period ends before it starts."))
    measured = _measured(_Window.of(start, end), scope, kind, wanted, key_id).subquery()
    return TasksBehind(
        sa.select(Task, measured.c.seconds)
        .join(measured, Task.id == measured.c.task_id)
        .order_by(Task.received_at, Task.id)
    )


def _measured(
    period: _Window,
    scope: int | None,
    kind: ReportBreakdown,
    wanted: ReportMetric,
    key_id: int | str | None,
) -> sa.Select[Any]:
    """(task_id, seconds) once per task behind the number; seconds may be null."""

    def of_row(query: Any, column: Any) -> sa.Select[Any]:
        return (
            query
            if key_id == TOTAL
            else query.where(column.is_(None) if key_id is None else column == key_id)
        )

    if wanted == ReportMetric.RESOLVED:
        resolved = _last_resolutions(period, kind).subquery()
        query = sa.select(resolved.c.task_id, resolved.c.seconds).where(resolved.c.last == 1)
        if scope is not None:
            query = query.where(resolved.c.agent_id == scope)
        return of_row(query, resolved.c.key)
    if wanted == ReportMetric.OPEN_AT_END:
        still_open = (
            _open_at_end(period, scope)
            .with_only_columns(TaskSpan.task_id, sa.cast(sa.null(), sa.Integer).label("seconds"))
            .distinct()
        )
        return of_row(still_open, _column(TaskSpan, kind))
    if wanted == ReportMetric.TIME:
        spent = sa.func.sum(_clipped(period))
        query = (
            _spans(period, scope)  # PostgreSQL's sum of bigints is a numeric: back to whole
            .with_only_columns(TaskSpan.task_id, sa.cast(spent, sa.BigInteger).label("seconds"))
            .group_by(TaskSpan.task_id)
            .having(spent > 0)
        )
        return of_row(query, _column(TaskSpan, kind))
    query = (
        _marks(period, scope, (wanted,))
        .with_only_columns(TaskMark.task_id, sa.func.max(TaskMark.seconds).label("seconds"))
        .group_by(TaskMark.task_id)
    )
    return of_row(query, _column(TaskMark, kind))


def period_tasks(actor: User, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every task the report of [start, end) counts or times (the XLSX's task list), oldest
    first; an agent's own only."""
    if end <= start:
        raise BadReportRequest(_("The period ends before it starts."))
    period = _Window.of(start, end)
    scope = _scope(actor)
    ids = sa.union(
        _marks(period, scope, ReportMetric).with_only_columns(TaskMark.task_id),
        _spans(period, scope).with_only_columns(TaskSpan.task_id),
        _open_at_end(period, scope).with_only_columns(TaskSpan.task_id),
    ).subquery()
    tasks = db.session.execute(
        sa.select(Task)
        .where(Task.id.in_(sa.select(ids.c.task_id)))
        .order_by(Task.received_at, Task.id)
    ).scalars()
    return [task.to_dict() for task in tasks]
