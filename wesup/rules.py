"""The rules the browser restates, as pure functions: no database, no request, no clock.

static/js/rules.js says the same in JavaScript, and the case tables in tests/rules/*.json are
checked against both (pytest here, `node --test` there), so the two cannot drift apart.
The services use these; SQL that selects the same rows (tasks_in_period) is tested against
them on the same table. Durations are worded by timeutil.format_duration (table too).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from wesup.enums import StatusCategory

SUMMARY_COUNTERS = ("open", "postponed", "resolved")

Lane = dict[str, Any]


def in_period(
    received_at: datetime, resolved_at: datetime | None, start: datetime, end: datetime
) -> bool:
    """A task belongs to every moment it was open: received before the period ends [start,
    end), and not resolved before it starts. Yesterday's unresolved task is on today's board."""
    return received_at < end and (resolved_at is None or resolved_at >= start)


def summary_counter(resolved_at: datetime | None, category: str) -> str:
    """Which counter of the summary line a task adds to: resolved, postponed or open."""
    if resolved_at is not None:
        return "resolved"
    if category == StatusCategory.POSTPONED:
        return "postponed"
    return "open"


def can_edit(*, works_tasks: bool, can_edit_every: bool, own: bool, deleted: bool = False) -> bool:
    """Agents edit their own tasks, leads and admins every task, viewers none; a deleted task
    nobody (a lead restores it first)."""
    if deleted:
        return False
    return can_edit_every or (works_tasks and own)


def on_shift(*, holds_open: bool, resolved_today: bool, online: bool, shift_agent: bool) -> bool:
    """Who gets a lane on the wall: a person with open tasks, or who resolved one today, or who
    works tasks (`shift_agent`: agent, lead, admin, enums.WORKS_TASKS) and has WeSup open now.
    A viewer online only watches."""
    return holds_open or resolved_today or (online and shift_agent)


def lane_order(agent: Mapping[str, Any]) -> tuple[str, int]:
    """Lanes go by name, case aside, then by id. The wall page sorts with the reader's
    collation (accents, ё, mixed scripts): there the browser has the last word."""
    return (agent["name"].casefold(), agent["id"])


def oldest_first(task: Mapping[str, Any]) -> tuple[datetime, int]:
    """Cards and rows by the time the request arrived; the same moment by id."""
    return (datetime.fromisoformat(task["received_at"]), task["id"])


def wall_lanes(
    tasks: Iterable[Mapping[str, Any]],
    online: Collection[Mapping[str, Any]],
    shift_agent_ids: Collection[int],
    day_start: datetime,
) -> list[Lane]:
    """One lane per person on shift, by name: open and postponed cards oldest first, tasks
    resolved today newest first. Tasks are as Task.to_dict() sends them; `online` is
    [{id, name}]; `shift_agent_ids` are the people whose being online puts them on shift."""
    lanes: dict[int, Lane] = {}

    def lane(agent: Mapping[str, Any]) -> Lane:
        if agent["id"] not in lanes:
            lanes[agent["id"]] = {"agent": agent, "open": [], "postponed": [], "resolved": []}
        return lanes[agent["id"]]

    for task in tasks:
        resolved_at = _instant(task["resolved_at"])
        if task["deleted"] or (resolved_at is not None and resolved_at < day_start):
            continue
        counter = summary_counter(resolved_at, task["status"]["category"])
        lane(task["agent"])[counter].append(task)
    online_ids = {person["id"] for person in online}
    for person in online:
        lane(person)

    shown = []
    for item in lanes.values():
        person = item["agent"]["id"]
        if not on_shift(
            holds_open=bool(item["open"] or item["postponed"]),
            resolved_today=bool(item["resolved"]),
            online=person in online_ids,
            shift_agent=person in shift_agent_ids,
        ):
            continue
        item["open"].sort(key=oldest_first)
        item["postponed"].sort(key=oldest_first)
        item["resolved"].sort(key=_newest_resolved_first)
        shown.append(item)
    return sorted(shown, key=lambda item: lane_order(item["agent"]))


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _newest_resolved_first(task: Mapping[str, Any]) -> tuple[float, int]:
    return (-datetime.fromisoformat(task["resolved_at"]).timestamp(), -task["id"])
