"""The shared rules against their case tables (tests/rules/*.json).

tests/js/ runs the same tables against static/js/rules.js, so a case changed here changes
there too: the server and the pages cannot come to disagree without a test failing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.builders import make_task, make_user, set_task_times
from wesup import rules
from wesup.extensions import db
from wesup.models import Task, User
from wesup.tasks import service
from wesup.timeutil import Period, format_duration

TABLES = Path(__file__).resolve().parent / "rules"


def cases(name: str) -> list[Any]:
    """The cases of one table, each named after its `name` (or its position)."""
    table = json.loads((TABLES / f"{name}.json").read_text(encoding="utf-8"))
    return [
        pytest.param(case, id=str(case.get("name", index)))
        for index, case in enumerate(table["cases"])
    ]


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def ids(tasks: list[dict[str, Any]]) -> list[int]:
    return [task["id"] for task in tasks]


# --- period membership ---------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("in_period"))
def test_in_period(case):
    got = rules.in_period(
        at(case["received_at"]), at(case["resolved_at"]), at(case["start"]), at(case["end"])
    )
    assert got is case["in"]


PERIODS = [param for param in cases("in_period") if "period" in param.values[0]]


@pytest.mark.parametrize("case", PERIODS)
def test_the_tables_bounds_are_the_team_days_midnights(case):
    """The instants in the table are what timeutil.Period makes of those days in that zone."""
    period = case["period"]
    app = Flask(__name__)
    app.config["TIMEZONE"] = period["zone"]
    with app.app_context():
        days = Period(date.fromisoformat(period["from"]), date.fromisoformat(period["to"]))
        assert (days.start, days.end) == (at(case["start"]), at(case["end"]))


@dataclass(frozen=True)
class Bounds:
    """A period given by its instants, as tasks_in_period reads it."""

    start: datetime
    end: datetime


def test_the_sql_selects_what_in_period_says(app):
    """tasks_in_period's query and rules.in_period agree on every case of the table."""
    agent = make_user(app, "alice")
    placed = []
    for param in cases("in_period"):
        case = param.values[0]
        task = make_task(app, agent, case["name"])
        set_task_times(
            app, task.id, received_at=at(case["received_at"]), resolved_at=at(case["resolved_at"])
        )
        placed.append((case, task.id))
    with app.app_context():
        for case, task_id in placed:
            period = Bounds(at(case["start"]), at(case["end"]))
            found = {task.id for task in service.tasks_in_period(period)}  # type: ignore[arg-type]
            assert (task_id in found) is case["in"], case["name"]


# --- summary counts ------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("summary"))
def test_summary_counter(case):
    assert rules.summary_counter(at(case["resolved_at"]), case["category"]) == case["counter"]


def test_the_summary_line_adds_up_the_table():
    table = json.loads((TABLES / "summary.json").read_text(encoding="utf-8"))
    tasks = [
        SimpleNamespace(
            resolved_at=at(case["resolved_at"]), status=SimpleNamespace(category=case["category"])
        )
        for case in table["cases"]
    ]
    assert service.summary(tasks) == table["totals"]  # type: ignore[arg-type]


# --- what a reader may do with a task ------------------------------------------------------


@pytest.mark.parametrize("case", cases("task_actions"))
def test_task_actions(case):
    who = case["who"]
    reader = User(id=1, role=who["role"])
    # the table's reader is what tasks/views.py me() tells the page about that role
    assert (reader.works_tasks, reader.can_edit_every_task) == (
        who["works_tasks"],
        who["can_edit_every"],
    )
    assert (
        rules.can_edit(
            works_tasks=who["works_tasks"],
            can_edit_every=who["can_edit_every"],
            own=case["own"],
            deleted=case["deleted"],
        )
        is case["may_edit"]
    )
    assert (
        rules.can_comment(works_tasks=who["works_tasks"], deleted=case["deleted"])
        is (case["may_comment"])
    )
    assert (
        rules.can_take(
            works_tasks=who["works_tasks"],
            can_edit_every=who["can_edit_every"],
            unassigned=case["unassigned"],
            member_of_line=case["member_of_line"],
            deleted=case["deleted"],
        )
        is case["may_take"]
    )
    # the services ask the same of a task row
    task = SimpleNamespace(
        agent_id=None if case["unassigned"] else (1 if case["own"] else 2),
        group_id=7,
        deleted_at=datetime.fromisoformat("2024-03-10T07:00:00Z") if case["deleted"] else None,
    )
    lines = {7} if case["member_of_line"] else {8}
    assert service.can_edit(reader, task) is case["may_edit"]  # type: ignore[arg-type]
    assert service.can_comment(reader, task) is case["may_comment"]  # type: ignore[arg-type]
    assert service.can_take(reader, task, lines) is case["may_take"]  # type: ignore[arg-type]


# --- the wall ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("on_shift"))
def test_on_shift(case):
    got = rules.on_shift(
        holds_open=case["holds_open"],
        resolved_today=case["resolved_today"],
        online=case["online"],
        shift_agent=case["shift_agent"],
    )
    assert got is case["on_shift"]


@pytest.mark.parametrize("case", cases("wall_lanes"))
def test_wall_lanes(case):
    lanes = rules.wall_lanes(
        case["tasks"],
        case["online"],
        case["shift_agent_ids"],
        at(case["shift_start"]),
        case.get("groups", []),
    )
    assert [
        {
            ("group" if "group" in lane else "agent"): (lane.get("group") or lane["agent"])["id"],
            "open": ids(lane["open"]),
            "postponed": ids(lane["postponed"]),
            "resolved": ids(lane["resolved"]),
        }
        for lane in lanes
    ] == case["lanes"]


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("format_duration"))
def test_format_duration(case):
    assert format_duration(case["seconds"], **case.get("units", {})) == case["text"]


# --- order and age of a board's rows -------------------------------------------------------


@pytest.mark.parametrize("case", cases("board_order"))
def test_board_order(case):
    assert ids(sorted(case["tasks"], key=rules.board_order)) == case["order"]


def test_the_sql_orders_open_tasks_as_board_order_says(app):
    """tasks.service.OPEN_ORDER and rules.board_order agree on every case of the table."""
    agent = make_user(app, "alice")
    for param in cases("board_order"):
        case = param.values[0]
        made = {}
        for row in sorted(case["tasks"], key=lambda row: row["id"]):  # database ids in that order
            task = make_task(app, agent, f"{case['name']} {row['id']}", urgent=row["urgent"])
            set_task_times(
                app, task.id, received_at=at(row["received_at"]), resolved_at=at(row["resolved_at"])
            )
            made[task.id] = row["id"]
        with app.app_context():
            query = sa.select(Task.id).where(Task.id.in_(made)).order_by(*service.OPEN_ORDER)
            got = [made[task_id] for task_id in db.session.execute(query).scalars()]
        assert got == case["order"], case["name"]


@pytest.mark.parametrize("case", cases("age_level"))
def test_age_level(case):
    got = rules.age_level(
        at(case["since"]),
        at(case["now"]),
        case["warn"],
        case["alert"],
        parked=case.get("parked", False),
    )
    assert got == case["level"]


# --- sorting All tasks ---------------------------------------------------------------------

SORT_TABLE = json.loads((TABLES / "task_sort.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", cases("task_sort"))
def test_sort_tasks(case):
    key, descending = rules.parse_sort(case["sort"])
    now = at(SORT_TABLE["now"])
    assert ids(rules.sort_tasks(SORT_TABLE["tasks"], key, descending, now)) == case["order"]
