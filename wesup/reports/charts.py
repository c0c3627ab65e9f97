"""The report page's charts, from the report service and nothing else: received vs resolved
over the period, the spread of time to resolve, each person's load. The tasks behind the
received and resolved numbers (`service.report_tasks`) give the moments and the durations, so
a chart's bars add up to the table's numbers by construction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from wesup.models import User
from wesup.reports.service import TOTAL, build_report, report_tasks
from wesup.timeutil import to_team_time

HOURLY_UP_TO = timedelta(days=2)  # longer periods are drawn by day
# Upper bounds of the time-to-resolve bars, in seconds; the last bar is everything longer.
RESOLVE_BUCKETS = (
    15 * 60,
    30 * 60,
    60 * 60,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    24 * 3600,
    3 * 24 * 3600,
)


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def _slot(moment: datetime, hourly: bool) -> datetime:
    """The hour (or the team day) a moment falls in, on the team's clock."""
    local = to_team_time(moment)
    assert local is not None
    if hourly:
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _slots(start: datetime, end: datetime, hourly: bool) -> list[datetime]:
    """Every hour (or team day) of [start, end), in order."""
    step = timedelta(hours=1)
    found: dict[datetime, None] = {}
    moment = start
    while moment < end:
        found[_slot(moment, hourly)] = None
        moment += step
    found[_slot(end - timedelta(microseconds=1), hourly)] = None
    return list(found)


def flow(
    received: list[dict[str, Any]],
    resolved: list[dict[str, Any]],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """Received and resolved per hour of the team's clock (per day beyond two days): a task
    counts where it was received, and where the resolution the report counts happened
    (received at + its time to resolve)."""
    hourly = end - start <= HOURLY_UP_TO
    slots = _slots(start, end, hourly)
    came = Counter(_slot(_parse(task["received_at"]), hourly) for task in received)
    went = Counter(
        _slot(_parse(task["received_at"]) + timedelta(seconds=task["seconds"] or 0), hourly)
        for task in resolved
    )
    if not hourly:
        shape = "%d.%m"
    elif end - start <= timedelta(days=1):
        shape = "%H:%M"
    else:
        shape = "%d.%m %H:%M"
    return {
        "hourly": hourly,
        "labels": [slot.strftime(shape) for slot in slots],
        "received": [came.get(slot, 0) for slot in slots],
        "resolved": [went.get(slot, 0) for slot in slots],
        "names": {"received": _("Received tasks"), "resolved": _("Resolved")},
    }


def _short(seconds: int) -> str:
    """A round bound in one unit, in the reader's words: "15 min", "2 h", "3 d"."""
    for size, unit in ((86400, _("d")), (3600, _("h"))):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds // 60} {_('min')}"


def resolve_spread(resolved: list[dict[str, Any]]) -> dict[str, Any]:
    """How many tasks were resolved within 15 min, 30 min, 1 h, … and beyond 3 days."""
    counts = [0] * (len(RESOLVE_BUCKETS) + 1)
    for task in resolved:
        took = task["seconds"] or 0
        index = next(
            (i for i, bound in enumerate(RESOLVE_BUCKETS) if took <= bound), len(RESOLVE_BUCKETS)
        )
        counts[index] += 1
    bounds = [_short(bound) for bound in RESOLVE_BUCKETS]
    return {
        "labels": [f"≤ {bound}" for bound in bounds] + [f"> {bounds[-1]}"],
        "counts": counts,
        "names": {"tasks": _("Tasks")},
    }


def load(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each person's resolved tasks and the ones still theirs at the end (the report by
    person)."""
    return {
        "labels": [row["key"]["name"] for row in rows],
        "resolved": [row["resolved"] for row in rows],
        "open_at_end": [row["open_at_end"] for row in rows],
        "names": {"resolved": _("Resolved"), "open_at_end": _("Open at the end")},
    }


def chart_data(
    actor: User, start: datetime, end: datetime, report: dict[str, Any], by: str
) -> dict[str, Any]:
    """The three charts of the report page for this reader (an agent's own, like the
    table)."""
    received = report_tasks(actor, start, end, by, TOTAL, "received").all()
    resolved = report_tasks(actor, start, end, by, TOTAL, "resolved").all()
    by_person = report if by == "agent" else build_report(actor, start, end, "agent")
    return {
        "flow": flow(received, resolved, start, end),
        "resolve": resolve_spread(resolved),
        "load": load(by_person["rows"]),
    }
