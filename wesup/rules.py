"""The rules the browser restates, as pure functions: no database, no request, no clock.

static/js/rules.js says the same in JavaScript, and the case tables in tests/rules/*.json are
checked against both (pytest here, `node --test` there), so the two cannot drift apart.
The services use these; SQL that selects the same rows (tasks_in_period) is tested against
them on the same table. Durations are worded by timeutil.format_duration (table too).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
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
    nobody (a lead restores it first). A task waiting in a line's queue is nobody's own: a
    member takes it first. Editing includes handing the task on (transfer)."""
    if deleted:
        return False
    return can_edit_every or (works_tasks and own)


def can_comment(*, works_tasks: bool, deleted: bool = False) -> bool:
    """Any agent, lead or admin adds a note to any task (the second line answering, a
    colleague who knows the fix); viewers watch. A deleted task takes no notes."""
    return works_tasks and not deleted


def can_take(
    *,
    works_tasks: bool,
    can_edit_every: bool,
    unassigned: bool,
    member_of_line: bool,
    deleted: bool = False,
) -> bool:
    """A task waiting in a line's queue is taken by a member of that line, or by a lead or an
    admin; one that has an owner is not up for taking."""
    if deleted or not unassigned or not works_tasks:
        return False
    return can_edit_every or member_of_line


def on_shift(*, holds_open: bool, resolved_today: bool, online: bool, shift_agent: bool) -> bool:
    """Who gets a lane on the wall: a person with open tasks, or who resolved one this shift
    (`resolved_today`: since the shift began, WESUP_SHIFTS), or who works tasks
    (`shift_agent`: agent, lead, admin, enums.WORKS_TASKS) and has WeSup open now. A viewer
    online only watches."""
    return holds_open or resolved_today or (online and shift_agent)


def queue_order(group: Mapping[str, Any]) -> tuple[int, int]:
    """Queue lanes go in the lines' order (Directories), then by id."""
    return (group.get("position", 0), group["id"])


def lane_order(agent: Mapping[str, Any]) -> tuple[str, int]:
    """Lanes go by name, case aside, then by id. The wall page sorts with the reader's
    collation (accents, ё, mixed scripts): there the browser has the last word."""
    return (agent["name"].casefold(), agent["id"])


def oldest_first(task: Mapping[str, Any]) -> tuple[datetime, int]:
    """Cards and rows by the time the request arrived; the same moment by id."""
    return (datetime.fromisoformat(task["received_at"]), task["id"])


def board_order(task: Mapping[str, Any]) -> tuple[int, datetime, int]:
    """Open urgent tasks first, then oldest first: the order of every board's open tasks
    (tasks.service.OPEN_ORDER says it in SQL)."""
    urgent_open = bool(task.get("urgent")) and not task.get("resolved_at")
    return (0 if urgent_open else 1, *oldest_first(task))


AGE_LEVELS = ("", "warn", "alert")


def age_level(
    since: datetime, now: datetime, warn_minutes: int, alert_minutes: int, *, parked: bool = False
) -> str:
    """How loudly a task's quiet time shouts: "" (fine), "warn" (amber, WESUP_AGE_WARN_MINUTES
    and more since `since`) or "alert" (red, WESUP_AGE_ALERT_MINUTES and more). Lists measure
    from the task's last activity, the wall from when it arrived; a postponed task (`parked`)
    waits on purpose and never shouts."""
    if parked:
        return ""
    minutes = (now - since).total_seconds() / 60
    if minutes >= alert_minutes:
        return "alert"
    if minutes >= warn_minutes:
        return "warn"
    return ""


def wall_lanes(
    tasks: Iterable[Mapping[str, Any]],
    online: Collection[Mapping[str, Any]],
    shift_agent_ids: Collection[int],
    shift_start: datetime,
    groups: Iterable[Mapping[str, Any]] = (),
) -> list[Lane]:
    """First one queue lane per line, in the lines' order ({"group", ...}: the line's
    unassigned tasks), then one lane per person on shift, by name ({"agent", ...}): open and
    postponed cards in board_order (urgent first, then oldest), tasks resolved this shift
    (since `shift_start`) newest first. Tasks are as Task.to_dict() sends them; `online` is
    [{id, name}]; `shift_agent_ids` are the people whose being online puts them on shift;
    `groups` are the active lines ({id, name, color, position}), each of which gets its
    queue lane."""
    lanes: dict[int, Lane] = {}
    queues: dict[int, Lane] = {}

    def lane(agent: Mapping[str, Any]) -> Lane:
        if agent["id"] not in lanes:
            lanes[agent["id"]] = {"agent": agent, "open": [], "postponed": [], "resolved": []}
        return lanes[agent["id"]]

    def queue(group: Mapping[str, Any]) -> Lane:
        if group["id"] not in queues:
            queues[group["id"]] = {"group": group, "open": [], "postponed": [], "resolved": []}
        return queues[group["id"]]

    for group in groups:
        queue(group)
    for task in tasks:
        resolved_at = _instant(task["resolved_at"])
        if task["deleted"] or (resolved_at is not None and resolved_at < shift_start):
            continue
        counter = summary_counter(resolved_at, task["status"]["category"])
        if task["agent"] is not None:
            lane(task["agent"])[counter].append(task)
        elif task.get("group") is not None:
            queue(task["group"])[counter].append(task)
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
        item["open"].sort(key=board_order)
        item["postponed"].sort(key=board_order)
        item["resolved"].sort(key=_newest_resolved_first)
        shown.append(item)
    for item in queues.values():
        item["open"].sort(key=board_order)
        item["postponed"].sort(key=board_order)
        item["resolved"].sort(key=_newest_resolved_first)
    ordered_queues = sorted(queues.values(), key=lambda item: queue_order(item["group"]))
    return ordered_queues + sorted(shown, key=lambda item: lane_order(item["agent"]))


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _newest_resolved_first(task: Mapping[str, Any]) -> tuple[float, int]:
    return (-datetime.fromisoformat(task["resolved_at"]).timestamp(), -task["id"])


# --- sorting All tasks -------------------------------------------------------------------------

STATUS_ORDER = tuple(StatusCategory)  # new, active, postponed, done


def _holder_name(task: Mapping[str, Any]) -> str:
    holder = task.get("agent") or task.get("group")
    return holder["name"].lower() if holder else ""


# The columns All tasks sorts by: each a value of a task (as Task.to_dict() sends it) at `now`.
# static/js/rules.js SORT_KEYS says the same; a new sortable column is one line in each.
SORT_KEYS: dict[str, Callable[[Mapping[str, Any], datetime], Any]] = {
    "received": lambda task, now: datetime.fromisoformat(task["received_at"]),
    "duration": lambda task, now: (
        (_instant(task["resolved_at"]) or now) - datetime.fromisoformat(task["received_at"])
    ).total_seconds(),
    "agent": lambda task, now: _holder_name(task),
    "status": lambda task, now: (
        STATUS_ORDER.index(task["status"]["category"]),
        task["status"]["name"].lower(),
    ),
    "activity": lambda task, now: datetime.fromisoformat(
        task.get("last_activity_at") or task["received_at"]
    ),
}
DEFAULT_SORT = "received"


def parse_sort(raw: str | None) -> tuple[str, bool]:
    """ "duration" or "-duration" (descending) from a link; anything else is the default order,
    received, oldest first."""
    raw = raw or ""
    key = raw.removeprefix("-")
    if key not in SORT_KEYS:
        return DEFAULT_SORT, False
    return key, raw.startswith("-")


def sort_tasks(
    tasks: Iterable[Mapping[str, Any]], key: str, descending: bool, now: datetime
) -> list[Mapping[str, Any]]:
    """Tasks by one column; equal ones oldest first (the whole order turns for descending).
    Open urgent tasks stay on top whatever the column, as on every board (board_order)."""
    value = SORT_KEYS[key]
    by_column = sorted(
        tasks, key=lambda task: (value(task, now), *oldest_first(task)), reverse=descending
    )
    return sorted(by_column, key=lambda task: board_order(task)[0])
