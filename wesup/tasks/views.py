"""Task pages: thin views that read through the service and render.

With JavaScript on, the pages write through the JSON API; the quick-add form also posts here,
so that logging a task works without JavaScript too (same service, then a redirect).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wesup import handovers, rules, users, validate
from wesup.directories import service as directories
from wesup.errors import Conflict, ValidationFailed
from wesup.models import User, utcnow
from wesup.owners import chosen, line_ids
from wesup.tasks import bp, service
from wesup.timeutil import Period, duration_seconds, parse_period, shift_at, to_team_time, today

INPUT_MINUTE = "%Y-%m-%dT%H:%M"  # the value format of <input type="datetime-local">


@bp.context_processor
def task_helpers() -> dict[str, Any]:
    """Templates compute a row's first-paint duration the way timeutil does."""
    return {"duration_seconds": duration_seconds}


def me(user: User) -> dict[str, Any]:
    """What the page scripts need to know about the reader: who they are, what they may do,
    and which lines they take tasks from."""
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "works_tasks": user.works_tasks,
        "can_edit_every": user.can_edit_every_task,
        "group_ids": line_ids(user.id),
    }


def team() -> dict[str, Any]:
    """Who a task can go to: the people who work tasks and the active lines (the Owner, Line
    and hand-on pickers), and the handovers waiting for this reader (the banner)."""
    return {
        "people": [person.brief() for person in users.people_who_work_tasks()],
        "groups": [group.to_dict() for group in directories.groups()],
        "handovers": [
            handovers.as_json(item, current_user) for item in handovers.awaiting(current_user)
        ],
    }


def now_input() -> str:
    """Now in the team's zone, as a datetime-local value: the quick-add default."""
    local = to_team_time(utcnow())
    return local.strftime(INPUT_MINUTE) if local else ""


def _render_mine(form: Any = None, errors: dict[str, str] | None = None) -> str:
    snapshot = service.mine_snapshot(current_user)
    chats = directories.chats()
    statuses = directories.statuses()
    default = service.default_status()
    return render_template(
        "tasks/mine.html",
        people=users.people_who_work_tasks(),
        groups=directories.groups(),
        seq=snapshot.seq,
        open_tasks=snapshot.open,
        closed=snapshot.closed_this_shift,
        queue=snapshot.queue,
        chats=chats,
        statuses=statuses,
        default_status=default,
        now=utcnow(),
        now_input=now_input(),
        form=form or {},
        errors=errors or {},
        page={
            **snapshot.to_dict(),
            **team(),
            "me": me(current_user),
            "statuses": [status.to_dict() for status in statuses],
            "chats": [chat.to_dict() for chat in chats],
        },
    )


@bp.get("/mine")
@login_required
def mine() -> ResponseReturnValue:
    """Viewers own no tasks: their home is the All-tasks board."""
    if not current_user.works_tasks:
        return redirect(url_for("tasks.board"))
    return _render_mine()


@bp.post("/mine")
@login_required
def add() -> ResponseReturnValue:
    """The quick-add form without JavaScript: the same service as POST /api/tasks."""
    data = request.form.to_dict()
    # An untouched "received at" means "now", not "when the page was rendered".
    if data.get("received_at") == data.pop("received_at_default", None):
        data.pop("received_at", None)
    data.update(chosen(data.pop("for", None)))  # a lead logs it for somebody or a line
    try:
        task = service.create_task(current_user, data)
    except ValidationFailed as exc:
        return _render_mine(form=request.form, errors=exc.fields or {"title": exc.message}), 422
    flash(_("Task saved: %(title)s", title=task.title))
    return redirect(url_for("tasks.mine"), 303)


def _id_filter(name: str, errors: dict[str, str]) -> int | None:
    """A filter of a shared link: a bad one is ignored, with a message, not refused."""
    problems: dict[str, str] = {}
    value = validate.integer(request.args, name, problems)
    if problems:
        errors[name] = _("A filter in the link is not valid and was ignored.")
    return value


@bp.get("")
@login_required
def board() -> ResponseReturnValue:
    """Every agent's tasks for a period (?from=&to=), filtered by agent, status and chat, sorted
    by a column (?sort=); or, with ?q=, the tasks of all time that hold those words, by day."""
    errors: dict[str, str] = {}
    typed = {name: request.args.get(name, "") for name in ("from", "to")}
    period_errors: dict[str, str] = {}
    try:
        period = parse_period(typed["from"], typed["to"])
    except ValidationFailed as exc:
        # Say what is wrong, next to the dates as typed; the board shows today meanwhile.
        errors["period"] = exc.message
        period_errors = exc.fields
        period = Period(today(), today())
    else:
        typed = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    requested = service.TaskFilter(
        agent_id=_id_filter("agent", errors),
        status_id=_id_filter("status", errors),
        chat_id=_id_filter("chat", errors),
        group_id=_id_filter("group", errors),
        unassigned=request.args.get("unassigned") == "1",
        deleted=request.args.get("deleted") == "1",
    )
    query = request.args.get("q", "").strip()
    found: service.SearchResult | None = None
    if query:
        try:
            found = service.search_tasks(current_user, query, requested)
        except ValidationFailed as exc:
            errors["q"] = exc.message
    snapshot = found or service.board_snapshot(current_user, period, requested)
    # A search reads newest first unless the reader picks a column.
    newest_first = f"-{rules.DEFAULT_SORT}" if found else None
    sort_key, descending = rules.parse_sort(request.args.get("sort") or newest_first)
    now = utcnow()
    tasks = service.sort_tasks(snapshot.tasks, sort_key, descending, now)
    filters = snapshot.task_filter.chosen()
    deleted = snapshot.task_filter.deleted
    statuses = directories.statuses(include_archived=True)
    chats = directories.chats(include_archived=True)
    lines = directories.groups(include_archived=True)
    page: dict[str, Any] = {
        **snapshot.to_dict(),
        **team(),
        "filters": filters,
        "deleted": deleted,
        "sort": _sort_value(sort_key, descending),
        "me": me(current_user),
        # archived ones too: the filters offer them; the pickers leave them out
        "statuses": [status.to_dict() for status in statuses],
        "chats": [chat.to_dict() for chat in chats],
        "all_groups": [group.to_dict() for group in lines],
    }
    if found:
        page["search"] = {"query": found.query, "more": found.more, "period": page["period"]}
        page["period"] = service.period_dict(period)  # where live tasks would belong otherwise
    return render_template(
        "tasks/board.html",
        seq=snapshot.seq,
        period=period,
        today=today(),
        tasks=tasks,
        days=service.by_day(tasks) if found else None,
        found=found,
        query=query,
        summary=service.summary(tasks),
        filters=filters,
        deleted=deleted,
        errors=errors,
        dates=typed,
        period_errors=period_errors,
        links=_period_links(period, filters, deleted, sort=page["sort"]),
        sort_links=_sort_links(sort_key, descending),
        sort_key=sort_key,
        descending=descending,
        agents=users.people_who_work_tasks(include_inactive=True),
        statuses=statuses,
        chats=chats,
        groups=lines,
        now=now,
        page=page,
    )


def _sort_value(key: str, descending: bool) -> str:
    return f"-{key}" if descending else key


def _sort_links(key: str, descending: bool) -> dict[str, str]:
    """Each sortable column's header link: the same page sorted by it, or turned round when it
    is the column already sorted by."""
    args: dict[str, Any] = request.args.to_dict()
    return {
        column: url_for(
            "tasks.board",
            **{**args, "sort": _sort_value(column, not descending if column == key else False)},
        )
        for column in rules.SORT_KEYS
    }


def _period_links(
    period: Period, filters: dict[str, int | None], deleted: bool, sort: str = ""
) -> dict[str, str]:
    """Previous / today / next and the deleted-tasks switch, each keeping the other choices."""
    kept: dict[str, Any] = {key: value for key, value in filters.items() if value}
    if sort and sort != rules.DEFAULT_SORT:
        kept["sort"] = sort

    def link(target: Period, *, show_deleted: bool = deleted) -> str:
        params: dict[str, Any] = {
            "from": target.first.isoformat(),
            "to": target.last.isoformat(),
            **kept,
        }
        if show_deleted:
            params["deleted"] = 1
        return url_for("tasks.board", **params)

    def shifted(days: int) -> Period:
        try:
            return period.shifted(days)
        except OverflowError:  # beyond year 1 or 9999: the link stays on this period
            return period

    day = today()
    return {
        "previous": link(shifted(-period.days)),
        "today": link(Period(day, day)),
        "next": link(shifted(period.days)),
        "deleted": link(period, show_deleted=True),
        "live": link(period, show_deleted=False),
    }


@bp.post("/handovers/<int:handover_id>/accept")
@login_required
def accept_handover(handover_id: int) -> ResponseReturnValue:
    """Accept from the banner without JavaScript: the same service as the API."""
    try:
        handovers.accept_handover(current_user, handover_id)
    except Conflict as exc:  # accepted by a colleague meanwhile: nothing left to do
        flash(exc.message)
    else:
        flash(_("Handover accepted."))
    return redirect(url_for("tasks.mine" if current_user.works_tasks else "tasks.board"), 303)


@bp.get("/handovers/<int:handover_id>")
@login_required
def handover_sheet(handover_id: int) -> ResponseReturnValue:
    """The printable handover sheet: what was handed, to whom, the note, each task's last
    comment, and what the giver resolved during that shift."""
    handover = handovers.get_handover(handover_id)
    return render_template(
        "tasks/handover.html",
        handover=handover,
        details=handovers.as_json(handover, current_user),
        shift=shift_at(handover.created_at),
    )
