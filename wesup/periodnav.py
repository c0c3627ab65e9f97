"""The period controls of the pages that show a period (All tasks, Reports): the from–to
dates as typed, with what is wrong with them, and the previous / today / next links, which
keep the page's other choices. One place, so the pages move through time alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import url_for

from wesup.errors import ValidationFailed
from wesup.timeutil import Period, Shift, parse_period, shift_at, today

_TICK = timedelta(microseconds=1)  # the last moment of a shift: the previous one is around it


@dataclass(frozen=True)
class ChosenPeriod:
    """The period a page shows: what was asked for when it is valid, today otherwise, with
    the dates as typed and the messages to show next to them."""

    period: Period
    dates: dict[str, str]
    message: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


def choose_period(args: Mapping[str, str]) -> ChosenPeriod:
    """?from=&to= of a page: a bad period is said next to the dates as typed, and the page
    shows today meanwhile (a shared link never ends on an error page)."""
    typed = {name: args.get(name, "") for name in ("from", "to")}
    try:
        period = parse_period(typed["from"], typed["to"])
    except ValidationFailed as exc:
        return ChosenPeriod(Period(today(), today()), typed, exc.message, exc.fields)
    return ChosenPeriod(period, {"from": period.first.isoformat(), "to": period.last.isoformat()})


def _moved(period: Period, days: int) -> Period:
    try:
        return period.shifted(days)
    except OverflowError:  # beyond year 1 or 9999: the link stays on this period
        return period


def period_links(endpoint: str, period: Period, **kept: Any) -> dict[str, str]:
    """Previous / today / next: the period of the same length before and after, and today,
    each link keeping the page's other choices (`kept`; empty ones are left out)."""
    kept = {key: value for key, value in kept.items() if value}

    def link(target: Period) -> str:
        params: dict[str, Any] = {"from": target.first.isoformat(), "to": target.last.isoformat()}
        return url_for(endpoint, **params, **kept)

    day = today()
    return {
        "previous": link(_moved(period, -period.days)),
        "today": link(Period(day, day)),
        "next": link(_moved(period, period.days)),
    }


def shift_links(endpoint: str, shift: Shift, **kept: Any) -> dict[str, str]:
    """Previous / next shift (WESUP_SHIFTS) around this one, keeping the page's other choices."""
    kept = {key: value for key, value in kept.items() if value}
    return {
        "previous": url_for(endpoint, shift=shift_param(shift_at(shift.start - _TICK)), **kept),
        "next": url_for(endpoint, shift=shift_param(shift_at(shift.end)), **kept),
    }


def shift_param(shift: Shift) -> str:
    """A shift in a link: its start, in UTC ("2026-12-01T08:00Z"): short, and the same
    shift whatever the zone of whoever opens it."""
    return shift.start.strftime("%Y-%m-%dT%H:%MZ")
