"""An independent recomputation of a report from the task list and the event history, written
from docs/METRICS.md without the projection: each task's states as a step function of time,
evaluated between its change points; what build_report answers must equal it.

Moments are whole seconds (the histories the tests make are whole minutes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from wesup.extensions import db
from wesup.models import Task, TaskEvent

OPEN = ("new", "active", "postponed")
FIRST_ACTIONS = {"task.taken", "task.transferred", "task.assigned", "task.commented"}
COUNTS = (
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


@dataclass
class Change:
    at: int  # when the change counts: never before receipt, never before an earlier change
    kind: str
    actor: int | None
    before: dict[str, Any] | None
    after: dict[str, Any]


def _state(task: dict[str, Any]) -> dict[str, Any]:
    def ident(entry: Any) -> int | None:
        return entry["id"] if entry else None

    return {
        "agent": ident(task["agent"]),
        "group": ident(task["group"]),
        "chat": ident(task["chat"]),
        "status": task["status"]["id"],
        "category": task["status"]["category"],
    }


def histories() -> dict[int, tuple[int, list[Change]]]:
    """{task id: (received, changes)} for every task that is not deleted, from the tables."""
    received = {
        task.id: int(task.received_at.timestamp())
        for task in db.session.execute(sa.select(Task).where(Task.deleted_at.is_(None))).scalars()
    }
    found: dict[int, tuple[int, list[Change]]] = {}
    events = db.session.execute(
        sa.select(TaskEvent).where(TaskEvent.kind.like("task.%")).order_by(TaskEvent.seq)
    ).scalars()
    latest: dict[int, int] = {}
    for event in events:
        if event.task_id not in received:
            continue
        start = received[event.task_id]
        at = max(start, latest.get(event.task_id, start), int(event.created_at.timestamp()))
        latest[event.task_id] = at
        changes = found.setdefault(event.task_id, (start, []))[1]
        before = changes[-1].after if changes else None
        changes.append(Change(at, event.kind, event.actor_id, before, _state(event.data["task"])))
    return found


def state_before(start: int, changes: list[Change], moment: int) -> dict[str, Any] | None:
    """The task's state just before `moment` (None before it was received): the first
    change holds from receipt, each later one from its own time."""
    if moment <= start:
        return None
    state = changes[0].after
    for change in changes[1:]:
        if change.at < moment:
            state = change.after
    return state


def nearest_rank(values: list[int], share: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    for value in ordered:
        if sum(1 for other in ordered if other <= value) * 100 >= share * len(ordered):
            return value
    return ordered[-1]


def report(start: int, end: int, now: int, by: str, agent: int | None = None) -> dict[str, Any]:
    """{"rows": {key id: numbers}, "total": numbers, "tasks": {(key, metric): {task ids}}} of
    the period [start, end) seen at `now`; `agent` limits it to what is credited to them."""
    rows: dict[Any, dict[str, Any]] = defaultdict(_blank)
    total = _blank()
    tasks: dict[tuple[Any, str], set[int]] = defaultdict(set)
    passed = max(start, min(end, now))

    def credit(metric: str, state: dict[str, Any], task_id: int, value: int | None = None):
        if agent is not None and state["agent"] != agent:
            return
        key = state[by]
        for target, tally_key in ((rows[key], key), (total, "all")):
            if task_id not in tasks[(tally_key, metric)]:
                tasks[(tally_key, metric)].add(task_id)
                if metric in COUNTS:
                    target[metric] += 1
                if value is not None:
                    target["values"][metric].append(value)

    for task_id, (received, changes) in histories().items():
        if start <= received < end:
            credit("received", changes[0].after, task_id)
        resolutions = []
        acted = False
        for change in changes:
            before, after = change.before, change.after
            was = before["category"] if before else None
            inside = start <= change.at < end
            if after["category"] == "done" and was != "done" and inside:
                resolutions.append(change)
            if inside and was == "done" and after["category"] != "done":
                credit("reopened", after, task_id)
            if inside and after["category"] == "postponed" and was != "postponed":
                credit("postponed", after, task_id)
            if inside and before is not None and change.kind == "task.handed_over":
                credit("handed_over", before, task_id)
                credit("received_by_handover", after, task_id)
            if (
                inside
                and before is not None
                and change.kind in ("task.transferred", "task.assigned")
            ):
                credit("transferred", before, task_id)
                if after["agent"] is None and after["group"] is not None:
                    credit("escalated", before, task_id)
            action = change.kind in FIRST_ACTIONS or (
                after["category"] != "new" and (was is None or was == "new")
            )
            if not acted and change.actor is not None and action:
                acted = True
                if inside:
                    credit(
                        "first_action",
                        {**after, "agent": change.actor},
                        task_id,
                        change.at - received,
                    )
        if resolutions:
            last = resolutions[-1]
            credit("resolved", last.after, task_id, last.at - received)
        at_end = state_before(received, changes, end)
        if at_end is not None and at_end["category"] in OPEN:
            credit("open_at_end", at_end, task_id)
        # time: piece by piece between the change points
        points = [received] + [change.at for change in changes[1:]]
        for index, state_from in enumerate(points):
            state_to = points[index + 1] if index + 1 < len(points) else None
            state = changes[index].after
            low = max(state_from, start)
            high = passed if state_to is None else min(state_to, passed)
            if high <= low or state["category"] not in OPEN:
                continue
            if agent is not None and state["agent"] != agent:
                continue
            for target, tally_key in ((rows[state[by]], state[by]), (total, "all")):
                target["time_in_status"][str(state["status"])] += high - low
                target["time_in_category"][state["category"]] += high - low
                tasks[(tally_key, "time")].add(task_id)
    return {
        "rows": {key: _finish(row) for key, row in rows.items()},
        "total": _finish(total),
        "tasks": tasks,
    }


def _blank() -> dict[str, Any]:
    return {
        **dict.fromkeys(COUNTS, 0),
        "values": defaultdict(list),
        "time_in_status": defaultdict(int),
        "time_in_category": dict.fromkeys(OPEN, 0),
    }


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    values = row.pop("values")
    row["first_action_p50"] = nearest_rank(values["first_action"], 50)
    row["first_action_p90"] = nearest_rank(values["first_action"], 90)
    row["resolve_p50"] = nearest_rank(values["resolved"], 50)
    row["resolve_p90"] = nearest_rank(values["resolved"], 90)
    row["time_in_status"] = {
        key: value
        for key, value in sorted(row["time_in_status"].items(), key=lambda i: int(i[0]))
        if value
    }
    row["time_credited"] = row["time_in_category"]["new"] + row["time_in_category"]["active"]
    return row
