"""Report pages: thin views over the report service (`service.build_report`, whose numbers the
API gives too) and My shift. Leads, admins and viewers see everybody; an agent their own (the
service decides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from wesup import events, notify
from wesup.directories import service as directories
from wesup.errors import ValidationFailed
from wesup.i18n import day_label, team_time
from wesup.models import utcnow
from wesup.periodnav import choose_period, period_links, shift_links, shift_param
from wesup.reports import charts, service
from wesup.reports.myshift import my_shift, post_to_chat, posted_this_shift
from wesup.reports.service import BadReportRequest, build_report
from wesup.timeutil import current_shift, shift_at, to_team_time, today
from wesup.wall.views import THEMES

bp = Blueprint("reports", __name__, url_prefix="/reports")

BREAKDOWNS = ("agent", "group", "chat", "status")
BREAKDOWN_LABELS = {
    "agent": _l("By person"),
    "group": _l("By line"),
    "chat": _l("By source chat"),
    "status": _l("By status"),
}
# The report's columns, in the order of the table (the numbers are build_report's).
COUNTS = (
    ("received", _l("Received tasks")),
    ("resolved", _l("Resolved")),
    ("open_at_end", _l("Open at the end")),
    ("postponed", _l("Postponed")),
    ("handed_over", _l("Handed over")),
    ("received_by_handover", _l("Received by handover")),
    ("transferred", _l("Transferred")),
    ("escalated", _l("Escalated")),
    ("reopened", _l("Reopened")),
)
TIMES = (
    ("first_action_p50", _l("First action, median")),
    ("first_action_p90", _l("First action, p90")),
    ("resolve_p50", _l("Resolve, median")),
    ("resolve_p90", _l("Resolve, p90")),
    ("time_credited", _l("Time credited")),
)
# The list of tasks each number opens (service.report_tasks' metric): a median or p90 opens
# the tasks it measures, a time the tasks that spent it; a count its own tasks.
TASKS_BEHIND = {
    "first_action_p50": "first_action",
    "first_action_p90": "first_action",
    "resolve_p50": "resolved",
    "resolve_p90": "resolved",
    "time_credited": "time",
    "time_in_category.new": "time",
    "time_in_category.active": "time",
    "time_in_category.postponed": "time",
}
CATEGORIES = (
    ("new", _l("Time new")),
    ("active", _l("Time active")),
    ("postponed", _l("Time postponed")),
)


@dataclass(frozen=True)
class Window:
    """The stretch of time a report covers, as the page's controls chose it: whole team days
    (?from=&to=, as on All tasks) or one shift (?shift=, WESUP_SHIFTS)."""

    start: datetime
    end: datetime
    label: str
    query: dict[str, Any]  # what names it in a link: {"from", "to"} or {"shift"}
    links: dict[str, str]
    dates: dict[str, str]
    is_shift: bool = False
    is_today: bool = False
    message: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def ends_in_future(self) -> bool:
        """Next would only show the future (no tasks yet), as on All tasks."""
        return self.end > utcnow()

    @property
    def live(self) -> bool:
        """A report of a stretch that includes now changes as events arrive."""
        return self.start <= utcnow() < self.end


def choose_window(args: Any, kept: dict[str, Any]) -> Window:
    """The report's stretch of time from the page's address: a shift when ?shift= names one
    (a bad one is ignored, with a message), otherwise the period of ?from=&to= (today when
    absent or bad, as on All tasks)."""
    message = None
    if args.get("shift"):
        try:
            start, _end = service.window({"shift": args["shift"]})  # the API reads it alike
        except BadReportRequest:
            message = _("The shift in the link is not valid; showing today instead.")
        else:
            shift = shift_at(start)
            day = team_date(shift.start)
            return Window(
                start=shift.start,
                end=shift.end,
                label=f"{team_time(shift.start)} – {team_time(shift.end)}",
                query={"shift": shift_param(shift)},
                links={
                    **shift_links("reports.report", shift, **kept),
                    "today": url_for("reports.report", **kept),
                },
                dates={"from": day.isoformat(), "to": day.isoformat()},
                is_shift=True,
            )
    chosen = choose_period(args)
    period = chosen.period
    first, last = day_label(period.first), day_label(period.last)
    return Window(
        start=period.start,
        end=period.end,
        label=first if first == last else f"{first} – {last}",
        query={"from": period.first.isoformat(), "to": period.last.isoformat()},
        links=period_links("reports.report", period, **kept),
        dates=chosen.dates,
        is_today=period.first == period.last == today(),
        message=message or chosen.message,
        fields=chosen.fields,
    )


def team_date(moment: datetime) -> date:
    """The team day a moment falls on."""
    local = to_team_time(moment)
    assert local is not None
    return local.date()


def _by() -> str:
    by = request.args.get("by", "agent")
    return by if by in BREAKDOWNS else "agent"


def _kept() -> dict[str, Any]:
    """The page's choices every link keeps: the breakdown, and the dark theme when chosen (a
    report on a TV, like the wall board's ?theme=)."""
    theme = request.args.get("theme")
    return {"by": _by(), "theme": theme if theme in THEMES and theme != "light" else None}


def report_context(kept: dict[str, Any]) -> dict[str, Any]:
    """What the report page and its live part render: the report of the chosen stretch, the
    chart data, and the links (drill-down, downloads) that name the same stretch."""
    by = kept["by"]
    window = choose_window(request.args, kept)
    seq = events.latest_seq()  # read first: anything newer makes the live page fetch again
    report = build_report(current_user, window.start, window.end, by)
    statuses = {status.id: status for status in directories.statuses(include_archived=True)}
    return {
        "by": by,
        "window": window,
        "report": report,
        "seq": seq,
        "counts": COUNTS,
        "times": TIMES,
        "categories": CATEGORIES,
        "tasks_behind": TASKS_BEHIND,
        "breakdown_labels": BREAKDOWN_LABELS,
        "status_times": [
            (statuses[int(status_id)], seconds)
            for status_id, seconds in report["total"].get("time_in_status", {}).items()
            if int(status_id) in statuses and seconds
        ],
        "page": {
            "by": by,
            "seq": seq,
            "query": window.query,
            "tasks_url": url_for("api.report_tasks"),
            "live": window.live,
            "charts": charts.chart_data(current_user, window.start, window.end, report, by),
        },
    }


@bp.get("")
@login_required
def report() -> ResponseReturnValue:
    """The report of a shift, a day or a period, by person, line, chat or status."""
    kept = _kept()
    by = kept["by"]
    context = report_context(kept)
    window: Window = context["window"]
    return render_template(
        "reports/report.html",
        breakdowns=BREAKDOWNS,
        this_shift=url_for("reports.report", shift="now", **kept),
        theme=kept["theme"] or "light",
        theme_switch=url_for(
            "reports.report",
            **{**window.query, "by": by, "theme": None if kept["theme"] else "dark"},
        ),
        tab_links={
            name: url_for("reports.report", **{**window.query, **kept, "by": name})
            for name in BREAKDOWNS
        },
        on_current_shift=window.is_shift and window.start == current_shift().start,
        downloads={
            kind: url_for("api.report", **{**window.query, "by": by, "format": kind})
            for kind in ("csv", "xlsx")
        },
        **context,
    )


@bp.get("/part")
@login_required
def report_part() -> ResponseReturnValue:
    """The report's table and chart data alone: the live page fetches it again as events
    arrive, so the numbers are rendered by one template only."""
    return render_template("reports/_report.html", **report_context(_kept()))


@bp.get("/my-shift")
@login_required
def my_shift_page() -> ResponseReturnValue:
    """The agent's end-of-shift report, ready to paste: viewers hold no tasks, their report is
    the team's."""
    if not current_user.works_tasks:
        return redirect(url_for("reports.report"))
    shift = my_shift(current_user)
    return render_template(
        "reports/my_shift.html",
        report=shift,
        chats=notify.chats_with_address(),
        posted=posted_this_shift(current_user, shift.shift),
    )


@bp.post("/my-shift/post")
@login_required
def post_my_shift() -> ResponseReturnValue:
    """ "Post to chat": the shift report goes to the chosen chat's outbox; its status shows
    under the form."""
    chat_id = request.form.get("chat_id", type=int)
    try:
        delivery = post_to_chat(current_user, chat_id)
    except ValidationFailed as exc:
        flash(" ".join([exc.message, *exc.fields.values()]))
        return redirect(url_for("reports.my_shift_page"), 303)
    flash(_("Your shift report is queued for %(chat)s.", chat=delivery.chat.name))
    return redirect(url_for("reports.my_shift_page", _anchor=f"delivery-{delivery.id}"), 303)
