"""The live pages' task queries find today's tasks through an index on resolved_at, never by
walking the history (SQLite's query plans; bench/history.py measures the effect).

SQLite keeps no statistics (WeSup never runs ANALYZE), so its plan follows from the query and
the indexes alone: the same plan as with 100,000 old tasks, on an empty database. PostgreSQL
plans by its statistics, which an empty test database does not have: bench/history.py covers
it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import make_group, make_task, make_user
from wesup.enums import Role
from wesup.extensions import db
from wesup.tasks import service
from wesup.timeutil import Period, current_shift, today

pytestmark = pytest.mark.parametrize("app", [pytest.param(None, id="sqlite")], indirect=True)

# "SEARCH tasks USING INDEX ix_tasks_agent_id_resolved_at (agent_id=? AND resolved_at=?)"
TASKS_STEP = re.compile(r"^(SCAN|SEARCH) tasks\b(.*)$")


@contextmanager
def statements() -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs run meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def task_steps(read: Callable[[], Any]) -> list[str]:
    """How SQLite reaches the tasks table in each query `read` makes."""
    with statements() as seen:
        read()
    steps = []
    with db.engine.connect() as connection:
        for statement, parameters in seen:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            steps += [m.group(0) for row in plan if (m := TASKS_STEP.match(row[-1]))]
    return steps


LIVE_READS: dict[str, Callable[[int, int], Any]] = {
    "All tasks, today": lambda _agent, _line: service.tasks_in_period(Period(today(), today())),
    "All tasks, one agent": lambda agent, _line: service.tasks_in_period(
        Period(today(), today()), service.TaskFilter(agent_id=agent)
    ),
    "All tasks, a line's queue": lambda _agent, line: service.tasks_in_period(
        Period(today(), today()), service.TaskFilter(group_id=line, unassigned=True)
    ),
    "My tasks: open": lambda agent, _line: service.open_tasks(agent),
    "My tasks: closed this shift": lambda agent, _line: service.closed_this_shift(
        agent, current_shift()
    ),
    "My tasks: my lines' queues": lambda _agent, line: service.queued_tasks([line]),
    "wall board: open": lambda _agent, _line: service.open_tasks(),
    "wall board: closed this shift": lambda _agent, _line: service.closed_this_shift(),
}


@pytest.mark.parametrize("read", LIVE_READS)
def test_a_live_page_reaches_its_tasks_through_resolved_at(app, read):
    """Each query searches an index whose constraint includes resolved_at (open: IS NULL, or
    resolved since a moment): it fails if such an index is dropped, or a query is rewritten
    so that SQLite walks the tasks by agent, line or received_at, which grows with history."""
    agent = make_user(app, "agent")
    lead = make_user(app, "lead", role=Role.LEAD)
    line = make_group(app, members=(agent,))
    make_task(app, agent)
    make_task(app, lead, "Waiting in the queue", group_id=line.id)
    with app.app_context():
        steps = task_steps(lambda: LIVE_READS[read](agent.id, line.id))
    assert steps, "no query on tasks"
    for step in steps:
        assert step.startswith("SEARCH tasks USING INDEX ix_tasks_"), step
        constraint = step[step.index("(") :]
        assert "resolved_at" in constraint, step
