"""A task's history as reports read it: the spans of its open life and the moments they
count, derived from its events and kept in step with the event log.

`derive` is the one definition (pure: events in, spans and marks out). `follow` re-derives
one task inside the transaction that records its event (events.record calls it), so the
projection is never behind the log; `rebuild` re-derives every task (the migration that
created the tables, `flask --app wesup report-rebuild`).

Each event carries the task as it was after the change, its status's category included, so
the category *as it was at the time* is what counts: renaming or recategorizing a status
later rewrites nothing. docs/METRICS.md says what each moment means.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from wesup.enums import TASK_KINDS, EventKind, ReportMetric, StatusCategory
from wesup.extensions import db
from wesup.models import Status, Task, TaskEvent, TaskMark, TaskSpan, table_of

DONE = StatusCategory.DONE.value
NEW = StatusCategory.NEW.value
POSTPONED = StatusCategory.POSTPONED.value
# What a person does to a task that counts as its first action, besides moving it out of a
# `new` status (and besides creating it straight into another category).
ACTIONS = frozenset(
    {
        EventKind.TASK_TAKEN.value,
        EventKind.TASK_TRANSFERRED.value,
        EventKind.TASK_ASSIGNED.value,
        EventKind.TASK_COMMENTED.value,
    }
)
MOVES = frozenset({EventKind.TASK_TRANSFERRED.value, EventKind.TASK_ASSIGNED.value})
# Written with Core statements on the tables, not ORM-enabled ones, built once: this runs
# inside every task write, where building a statement (and its cache key) each time cost more
# than running it (docs/PERFORMANCE.md).
SPANS = table_of(TaskSpan)
MARKS = table_of(TaskMark)
_EVENTS = table_of(TaskEvent).c
_DROP_SPANS = sa.delete(SPANS).where(SPANS.c.task_id == sa.bindparam("task_id"))
_DROP_MARKS = sa.delete(MARKS).where(MARKS.c.task_id == sa.bindparam("task_id"))
_STEPS = (
    sa.select(_EVENTS.kind, _EVENTS.created_at, _EVENTS.actor_id, _EVENTS.data)
    .where(_EVENTS.task_id == sa.bindparam("task_id"), _EVENTS.kind.in_(TASK_KINDS))
    .order_by(_EVENTS.seq)
)
_ADD_SPANS = sa.insert(SPANS)
_ADD_MARKS = sa.insert(MARKS)


def seconds(moment: datetime) -> int:
    """A moment as whole seconds since 1970 UTC, the projection's unit."""
    return math.floor(moment.timestamp())


@dataclass(frozen=True)
class State:
    """Where a task stood after an event: what a report's rows are keyed by."""

    status_id: int | None
    category: str
    agent_id: int | None
    group_id: int | None
    chat_id: int | None


@dataclass(frozen=True)
class Step:
    """One event of a task, as much of it as the derivation reads."""

    kind: str
    at: int
    actor_id: int | None
    task: Mapping[str, Any]


@dataclass(frozen=True)
class Span:
    began: int
    ended: int
    state: State


@dataclass(frozen=True)
class Mark:
    mark: str
    at: int
    state: State
    seconds: int | None = None


def _id(entry: Any) -> int | None:
    return entry.get("id") if isinstance(entry, Mapping) else None


def state_of(task: Mapping[str, Any], categories: Mapping[int, str]) -> State:
    """The state an event recorded; an old event without the category takes the status's
    current one (what the migration did for such events)."""
    status = task.get("status") or {}
    status_id: int | None = status.get("id")
    category = status.get("category") or categories.get(status_id or 0, NEW)
    return State(
        status_id, category, _id(task.get("agent")), _id(task.get("group")), _id(task.get("chat"))
    )


def derive(
    received: int, steps: Sequence[Step], categories: Mapping[int, str] | None = None
) -> tuple[list[Span], list[Mark]]:
    """The spans and marks of one task received at `received`, from its events in seq order.

    The state each event records holds from that event (the first one from `received`) to the
    next; moments never go back (a later seq is never earlier) and nothing counts before the
    task was received. Spans cover the open states only (not done), merged when nothing a
    report keys by changed."""
    categories = categories or {}
    spans: list[Span] = []
    marks: list[Mark] = []
    before: State | None = None
    clock = received
    acted = False
    for index, step in enumerate(steps):
        clock = max(clock, step.at)
        state = state_of(step.task, categories)
        at = clock  # the moment of this step's change, never before receipt
        if index == 0:
            marks.append(Mark(ReportMetric.RECEIVED, received, state))
            _open(spans, received, state)
        elif state != before:
            _close(spans, at)
            _open(spans, at, state)
        marks.extend(_moments(step, before, state, at, received))
        if not acted and step.actor_id is not None and _is_action(step, before, state):
            acted = True
            credited = replace(state, agent_id=step.actor_id)
            marks.append(Mark(ReportMetric.FIRST_ACTION, at, credited, at - received))
        before = state
    return [span for span in spans if span.ended > span.began], marks


def _open(spans: list[Span], at: int, state: State) -> None:
    """Start a span for an open state (a resolved task has none)."""
    if state.category != DONE:
        spans.append(Span(at, TaskSpan.STILL_OPEN, state))


def _close(spans: list[Span], at: int) -> None:
    if spans and spans[-1].ended == TaskSpan.STILL_OPEN:
        spans[-1] = replace(spans[-1], ended=at)


def _moments(
    step: Step, before: State | None, after: State, at: int, received: int
) -> Iterator[Mark]:
    """The counted moments of one step: resolved (an entry into done), reopened (leaving
    done), postponed (an entry into postponed), handed over / received by handover,
    transferred and escalated (a move into a line's queue)."""
    was = before.category if before else None
    if after.category == DONE and was != DONE:
        yield Mark(ReportMetric.RESOLVED, at, after, at - received)
    if was == DONE and after.category != DONE:
        yield Mark(ReportMetric.REOPENED, at, after)
    if after.category == POSTPONED and was != POSTPONED:
        yield Mark(ReportMetric.POSTPONED, at, after)
    if before is None:
        return
    if step.kind == EventKind.TASK_HANDED_OVER:
        yield Mark(ReportMetric.HANDED_OVER, at, before)
        yield Mark(ReportMetric.RECEIVED_BY_HANDOVER, at, after)
    elif step.kind in MOVES:
        yield Mark(ReportMetric.TRANSFERRED, at, before)
        if after.agent_id is None and after.group_id is not None:
            yield Mark(ReportMetric.ESCALATED, at, before)


def _is_action(step: Step, before: State | None, after: State) -> bool:
    """Takes, transfers, comments on, or moves out of `new` (or creates it in another
    category: logged straight into work)."""
    if step.kind in ACTIONS:
        return True
    return after.category != NEW and (before is None or before.category == NEW)


# --- keeping the projection in step ------------------------------------------------------------


def follow(task: Task, event: TaskEvent) -> None:
    """Keep one task's spans and marks in step with the event just recorded for it, in the
    same transaction (events.record calls this for every task event, after adding it).

    A created task has no earlier event, span or mark (ids are never reused:
    models.NEVER_REUSE_IDS), so its projection is derived from the event in hand, with no
    DELETE and no SELECT: the hottest write is a quick add. Any other event re-derives the
    task from all its events (`rederive`)."""
    if event.kind == EventKind.TASK_CREATED and task.deleted_at is None:
        step = _step(event.kind, event.created_at, event.actor_id, event.data)
        _write(task.id, *derive(seconds(task.received_at), [step]))
        return
    rederive(task.id, task)


def rederive(task_id: int, task: Task | None = None) -> None:
    """Re-derive one task's spans and marks in the current transaction from its events (the
    task, when the caller holds it, saves a lookup). A deleted task has none: reports leave it
    out until it is restored."""
    if task is None:
        task = db.session.get(Task, task_id)
    db.session.execute(_DROP_SPANS, {"task_id": task_id})
    db.session.execute(_DROP_MARKS, {"task_id": task_id})
    if task is None or task.deleted_at is not None:
        return
    steps = [_step(*row) for row in db.session.execute(_STEPS, {"task_id": task_id})]
    _write(task_id, *derive(seconds(task.received_at), steps))


def rebuild(batch: int = 2000) -> int:
    """Re-derive every task from the event log (after a restore from an old backup, or to
    check the projection); returns how many tasks have a history. One transaction."""
    categories = {
        row.id: row.category for row in db.session.execute(sa.select(Status.id, Status.category))
    }
    db.session.execute(sa.delete(SPANS))
    db.session.execute(sa.delete(MARKS))
    tasks = db.session.execute(
        sa.select(Task.id, Task.received_at).where(Task.deleted_at.is_(None)).order_by(Task.id)
    ).all()
    count = 0
    for start in range(0, len(tasks), batch):
        chunk = dict(tasks[start : start + batch])
        spans: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        for task_id, steps in _steps_of(chunk):
            found = derive(seconds(chunk[task_id]), steps, categories)
            spans += span_rows(task_id, found[0])
            marks += mark_rows(task_id, found[1])
            count += 1
        _insert(spans, marks)
    db.session.commit()
    return count


def _steps_of(received: Mapping[int, datetime]) -> Iterable[tuple[int, list[Step]]]:
    query = (
        sa.select(
            TaskEvent.task_id,
            TaskEvent.kind,
            TaskEvent.created_at,
            TaskEvent.actor_id,
            TaskEvent.data,
        )
        .where(TaskEvent.task_id.in_(list(received)), TaskEvent.kind.in_(TASK_KINDS))
        .order_by(TaskEvent.task_id, TaskEvent.seq)
    )
    current: int | None = None
    steps: list[Step] = []
    for task_id, *row in db.session.execute(query):
        if task_id != current:
            if current is not None:
                yield current, steps
            current, steps = task_id, []
        steps.append(_step(*row))
    if current is not None:
        yield current, steps


def _step(kind: str, created_at: datetime, actor_id: int | None, data: Any) -> Step:
    task = data.get("task") if isinstance(data, Mapping) else None
    return Step(kind, seconds(created_at), actor_id, task or {})


def _write(task_id: int, spans: list[Span], marks: list[Mark]) -> None:
    _insert(span_rows(task_id, spans), mark_rows(task_id, marks))


def span_rows(task_id: int, spans: list[Span]) -> list[dict[str, Any]]:
    """Rows of task_spans (the migration that made the table inserts these too)."""
    return [
        {"task_id": task_id, "began": span.began, "ended": span.ended}
        | {"category": span.state.category}
        | _keys(span.state)
        for span in spans
    ]


def mark_rows(task_id: int, marks: list[Mark]) -> list[dict[str, Any]]:
    """Rows of task_marks."""
    return [
        {"task_id": task_id, "at": mark.at, "mark": str(mark.mark), "seconds": mark.seconds}
        | _keys(mark.state)
        for mark in marks
    ]


def _insert(spans: list[dict[str, Any]], marks: list[dict[str, Any]]) -> None:
    if spans:
        db.session.execute(_ADD_SPANS, spans)
    if marks:
        db.session.execute(_ADD_MARKS, marks)


def _keys(state: State) -> dict[str, int | None]:
    return {
        "status_id": state.status_id,
        "agent_id": state.agent_id,
        "group_id": state.group_id,
        "chat_id": state.chat_id,
    }
