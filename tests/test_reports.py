"""Reports (wesup/reports): every number of build_report recomputed from the task list and the
event history by an independent oracle (tests/reports_oracle.py) on random histories made
through the services (tasks crossing the period's edges, reopened, handed over, sitting in
postponed, backdated, deleted), the tasks behind each number, the projection against a
rebuild from the log, and who sees what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests import reports_oracle as oracle
from tests.builders import make_chat, make_group, make_user
from tests.conftest import Clock
from wesup import handovers, models
from wesup.enums import Role
from wesup.errors import Forbidden, ServiceError
from wesup.extensions import db
from wesup.models import Status, Task, TaskMark, TaskSpan, User
from wesup.reports import history
from wesup.reports.service import TOTAL, build_report, report_tasks
from wesup.tasks import service as tasks

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # the clock fixture starts here


@dataclass
class World:
    """A lead, three agents, two lines, two chats and seven statuses (two of each open
    category but active, two done)."""

    people: list[User]  # the lead first
    lines: list[int]
    chats: list[int]
    statuses: list[int]

    @property
    def lead(self) -> User:
        return self.people[0]


@pytest.fixture
def world(app) -> World:
    lead = make_user(app, "lead", role=Role.LEAD, name="Lena Lead")
    agents = [make_user(app, login) for login in ("anna", "boris", "vera")]
    lines = [
        make_group(app, "First line", (agents[0], agents[1])).id,
        make_group(app, "Second line", (agents[2],), color="#8e24aa").id,
    ]
    chats = [make_chat(app, "Acme").id, make_chat(app, "Globex").id]
    with app.app_context():
        for position, (name, category) in enumerate(
            (("Triage", "new"), ("Waiting for client", "postponed"), ("Won't fix", "done")),
            start=10,
        ):
            db.session.add(Status(name=name, color="#607d8b", category=category, position=position))
        db.session.commit()
        statuses = list(db.session.scalars(sa.select(Status.id).order_by(Status.id)))
    return World([lead, *agents], lines, chats, statuses)


# --- random histories ---------------------------------------------------------------------------

task_index = st.integers(0, 15)
person = st.integers(0, 3)  # 0 is the lead
# who acts on a task: mostly its owner (the lead for a queued one), sometimes anybody
actor = st.one_of(st.just(-1), st.just(-1), st.just(-1), person)
target = st.integers(0, 4)  # 0-2 an agent, 3-4 a line
status_index = st.integers(0, 6)
create = st.tuples(
    st.just("create"),
    person,
    st.sampled_from(["self", "line"]),
    status_index,
    st.integers(0, 2),
    st.integers(0, 600),
)
operation = st.one_of(
    create,
    create,
    st.tuples(st.just("status"), task_index, actor, status_index),
    st.tuples(st.just("status"), task_index, actor, status_index),
    st.tuples(st.just("status"), task_index, actor, status_index),
    st.tuples(st.just("comment"), task_index, actor),
    st.tuples(st.just("transfer"), task_index, actor, target),
    st.tuples(st.just("take"), task_index, actor),
    st.tuples(st.just("assign"), task_index, target),
    st.tuples(st.just("handover"), st.integers(1, 3), target),
    st.tuples(st.just("delete"), task_index),
    st.tuples(st.just("restore"), task_index),
    st.tuples(st.just("received"), task_index, st.integers(0, 900)),
)
# Three tasks to begin with (one in a line's queue), then anything.
histories = st.lists(st.tuples(st.integers(0, 120), operation), min_size=8, max_size=20).map(
    lambda steps: [
        (0, ("create", 1, "self", 0, 1, 0)),
        (0, ("create", 2, "self", 1, 2, 90)),
        (0, ("create", 0, "line", 0, 0, 30)),
        *steps,
    ]
)


def apply(world: World, created: list[int], clock: Clock, op: tuple[Any, ...]) -> None:
    """One step of a history, through the services as the API would call them."""
    name, *args = op
    if name == "create":
        who, holder, status, chat, back = args
        data: dict[str, Any] = {
            "title": f"Task {len(created) + 1}",
            "status_id": world.statuses[status],
            "received_at": (clock.now - timedelta(minutes=back)).isoformat(),
        }
        if chat:
            data["chat_id"] = world.chats[chat - 1]
        if holder == "line":
            data["group_id"] = world.lines[who % 2]
            if who:
                data["agent_id"] = world.people[who].id
        created.append(tasks.create_task(_person(world, who), data).id)
        return
    if name == "handover":
        giver, to = args
        handovers.create_handover(
            _person(world, giver), _destination(world, to, "to_") | {"note": "end of shift"}
        )
        return
    if not created:
        return
    task_id = created[args[0] % len(created)]
    lead = _person(world, 0)
    if name in ("status", "comment", "transfer", "take") and args[1] == -1:
        args[1] = _owner(world, task_id, take=name == "take")
    if name == "status":
        tasks.update_task(
            _person(world, args[1]),
            task_id,
            {"version": _version(task_id), "status_id": world.statuses[args[2]]},
        )
    elif name == "comment":
        tasks.add_comment(_person(world, args[1]), task_id, {"body": "looked at it"})
    elif name == "transfer":
        data = _destination(world, args[2]) | {"note": "over to you", "version": _version(task_id)}
        tasks.transfer_task(_person(world, args[1]), task_id, data)
    elif name == "take":
        tasks.take_task(_person(world, args[1]), task_id)
    elif name == "assign":
        data = _destination(world, args[1])
        if "group_id" in data:
            data["agent_id"] = None
        tasks.update_task(lead, task_id, data | {"version": _version(task_id)})
    elif name == "delete":
        tasks.delete_task(lead, task_id)
    elif name == "restore":
        tasks.restore_task(lead, task_id)
    elif name == "received":
        moment = (clock.now - timedelta(minutes=args[1])).isoformat()
        tasks.update_task(lead, task_id, {"version": _version(task_id), "received_at": moment})


def _owner(world: World, task_id: int, *, take: bool) -> int:
    """The task's owner (for Take: a member of its line) as an index of world.people; the
    lead when there is none."""
    task = db.session.get(Task, task_id)
    ids = [person.id for person in world.people]
    if take and task is not None and task.group is not None and task.group.members:
        return ids.index(task.group.members[0].id)
    if task is not None and task.agent_id in ids:
        return ids.index(task.agent_id)
    return 0


def _person(world: World, index: int) -> User:
    return db.session.get(User, world.people[index].id)


def _destination(world: World, to: int, prefix: str = "") -> dict[str, Any]:
    if to < 3:
        return {f"{prefix}agent_id": world.people[to + 1].id}
    return {f"{prefix}group_id": world.lines[to - 3]}


def _version(task_id: int) -> int:
    task = db.session.get(Task, task_id)
    return task.version if task else 0


def run_history(app, world: World, clock: Clock, steps: list[tuple[int, Any]]) -> None:
    clock.now = START
    with app.app_context():
        for table in ("handover_tasks", "handovers", "comments", "task_marks", "task_spans"):
            db.session.execute(db.metadata.tables[table].delete())
        db.session.execute(sa.delete(models.TaskEvent).where(models.TaskEvent.task_id.is_not(None)))
        db.session.execute(
            sa.delete(models.TaskEvent).where(models.TaskEvent.kind.like("handover.%"))
        )
        db.session.execute(sa.delete(Task))
        db.session.commit()
    created: list[int] = []
    for minutes, op in steps:
        clock.advance(minutes)
        with app.app_context():
            try:
                apply(world, created, clock, op)
            except ServiceError:
                db.session.rollback()


def projection() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    spans = db.session.execute(
        sa.select(*(c for c in TaskSpan.__table__.c if c.name != "id"))
    ).all()
    marks = db.session.execute(
        sa.select(*(c for c in TaskMark.__table__.c if c.name != "id"))
    ).all()
    return sorted(map(tuple, spans), key=repr), sorted(map(tuple, marks), key=repr)


# Always tried: a task postponed, back at work, resolved and reopened; a queued one taken; a
# shift handed over; an escalation; a second done status; a period that cuts through it all.
STORY = [
    (0, ("create", 1, "self", 0, 1, 0)),
    (0, ("create", 2, "self", 1, 2, 90)),
    (0, ("create", 0, "line", 0, 0, 30)),
    (30, ("status", 0, -1, 2)),
    (60, ("status", 0, -1, 1)),
    (30, ("status", 0, -1, 3)),
    (45, ("status", 0, -1, 1)),
    (10, ("take", 2, -1)),
    (20, ("handover", 1, 1)),
    (15, ("transfer", 1, -1, 3)),
    (20, ("comment", 2, 3)),
    (30, ("status", 1, 0, 6)),
    (60, ("status", 0, -1, 5)),
]


def numbers(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "key"}


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(steps=STORY, offset=45, length=200, later=30, drill="agent")
@example(steps=STORY, offset=-60, length=1440, later=0, drill="status")
@given(
    steps=histories,
    offset=st.integers(-300, 1500),
    length=st.integers(1, 1440),
    later=st.integers(0, 600),
    drill=st.sampled_from(["agent", "group", "chat", "status"]),
)
def test_every_number_equals_its_recomputation_from_the_tasks_and_events(
    app, world, clock, steps, offset, length, later, drill
):
    """The report of a random period over a random history equals the oracle's, for every
    breakdown, the total, an agent's own view, and the tasks behind every number; the
    projection kept by each write equals one rebuilt from the log."""
    run_history(app, world, clock, steps)
    clock.advance(later)
    start = START + timedelta(minutes=offset)
    end = start + timedelta(minutes=length)
    s, e, now = (int(moment.timestamp()) for moment in (start, end, clock.now))
    with app.app_context():
        lead = db.session.get(User, world.lead.id)
        for by in ("agent", "group", "chat", "status"):
            got = build_report(lead, start, end, by)
            expected = oracle.report(s, e, now, by)
            assert {row["key"]["id"]: numbers(row) for row in got["rows"]} == expected["rows"]
            assert got["total"] == expected["total"]
            if by == drill:
                behind = expected["tasks"]
        for key in [*expected_keys(behind), TOTAL]:
            for metric in (*oracle.COUNTS, "first_action", "time"):
                listed = report_tasks(lead, start, end, drill, key, metric).all()
                assert {task["id"] for task in listed} == behind.get((key, metric), set()), (
                    key,
                    metric,
                )
        anna = db.session.get(User, world.people[1].id)
        mine = build_report(anna, start, end, drill)
        expected = oracle.report(s, e, now, drill, agent=anna.id)
        assert {row["key"]["id"]: numbers(row) for row in mine["rows"]} == expected["rows"]
        assert mine["total"] == expected["total"]

        kept = projection()
        history.rebuild()
        assert projection() == kept


def expected_keys(behind: dict[tuple[Any, str], set[int]]) -> set[Any]:
    return {key for key, _metric in behind if key != "all"}


# --- a day told by hand -------------------------------------------------------------------------


def test_a_day_of_work_reads_as_the_lead_would_count_it(app, world, clock):
    """Anna logs two requests at 09:00; one she starts at 09:30, postpones 10:00-11:00 and
    resolves at 12:00; the other she hands over to Boris at 13:00, who comments at 13:30.
    The day's report (Moscow) credits each what they did."""
    boris = world.people[2]
    accepted, in_progress, postponed, done = world.statuses[:4]
    clock.now = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    with app.app_context():
        first = tasks.create_task(_person(world, 1), {"title": "VPN down"}).id
        second = tasks.create_task(_person(world, 1), {"title": "Printer"}).id

    def step(minutes: int, change: Any, *args: Any) -> None:
        clock.advance(minutes)
        with app.app_context():
            change(*args)

    def status(task_id: int, status_id: int) -> None:
        tasks.update_task(
            _person(world, 1), task_id, {"version": _version(task_id), "status_id": status_id}
        )

    step(30, status, first, in_progress)
    step(30, status, first, postponed)
    step(60, status, first, in_progress)
    step(60, status, first, done)
    step(
        60,
        lambda: handovers.create_handover(
            _person(world, 1), {"to_agent_id": boris.id, "note": "evening"}
        ),
    )
    step(30, lambda: tasks.add_comment(_person(world, 2), second, {"body": "on it"}))
    clock.now = datetime(2026, 11, 3, 20, 0, tzinfo=UTC)
    with app.app_context():
        report = build_report(
            _person(world, 0),
            datetime(2026, 11, 2, 21, 0, tzinfo=UTC),
            datetime(2026, 11, 3, 21, 0, tzinfo=UTC),
            "agent",
        )
    rows = {row["key"]["name"]: row for row in report["rows"]}
    assert set(rows) == {"Anna", "Boris"}
    assert rows["Anna"]["received"] == 2
    assert rows["Anna"]["resolved"] == 1
    assert rows["Anna"]["resolve_p50"] == 3 * 3600
    assert rows["Anna"]["first_action_p50"] == 30 * 60  # VPN: 09:30; the printer: Boris's
    assert rows["Anna"]["postponed"] == 1
    assert rows["Anna"]["handed_over"] == 1
    assert rows["Boris"]["received_by_handover"] == 1
    assert rows["Boris"]["open_at_end"] == 1
    assert rows["Boris"]["first_action_p50"] == 4.5 * 3600
    # Anna: VPN 09:00-12:00 less the postponed hour, the printer 09:00-13:00
    assert rows["Anna"]["time_in_category"] == {
        "new": 30 * 60 + 4 * 3600,
        "active": 90 * 60,
        "postponed": 3600,
    }
    assert rows["Anna"]["time_credited"] == 6 * 3600
    assert rows["Anna"]["time_in_status"] == {
        str(accepted): 4.5 * 3600,
        str(in_progress): 90 * 60,
        str(postponed): 3600,
    }
    # Boris: the printer from 13:00 until now (23:00), in Accepted all along
    assert rows["Boris"]["time_credited"] == 10 * 3600
    assert report["total"]["received"] == 2 and report["total"]["open_at_end"] == 1


def test_renaming_or_recategorizing_a_status_later_rewrites_no_history(app, world, clock):
    """The category counts as the event recorded it: a status made `done` later does not
    resolve the tasks that sat in it back then."""
    waiting = world.statuses[5]
    with app.app_context():
        task_id = tasks.create_task(_person(world, 1), {"title": "Call back"}).id
    clock.advance(10)
    with app.app_context():
        tasks.update_task(
            _person(world, 1), task_id, {"version": _version(task_id), "status_id": waiting}
        )
    clock.advance(50)
    with app.app_context():
        before = build_report(_person(world, 0), START, START + timedelta(days=1), "status")
        tasks.update_task(
            _person(world, 1),
            task_id,
            {"version": _version(task_id), "status_id": world.statuses[0]},
        )
        entry = db.session.get(Status, waiting)
        entry.category = "done"  # straight in the table: the service refuses it while in use
        entry.name = "Closed"
        db.session.commit()
        history.rebuild()
        after = build_report(_person(world, 0), START, START + timedelta(minutes=60), "status")
    waited = {row["key"]["id"]: row for row in after["rows"]}[waiting]
    assert waited["time_in_category"]["postponed"] == 50 * 60
    assert waited["resolved"] == 0 and after["total"]["resolved"] == 0
    assert before["total"]["postponed"] == 1 == after["total"]["postponed"]


# --- who sees what ------------------------------------------------------------------------------


def test_an_agent_sees_their_own_numbers_and_is_refused_another_persons_tasks(app, world, clock):
    with app.app_context():
        for who in (1, 2):
            tasks.create_task(_person(world, who), {"title": f"From {who}"})
    clock.advance(60)
    period = (START - timedelta(hours=1), START + timedelta(hours=2))
    with app.app_context():
        anna, boris = _person(world, 1), _person(world, 2)
        own = build_report(anna, *period, "agent")
        assert [row["key"]["id"] for row in own["rows"]] == [anna.id]
        assert own["total"]["received"] == 1
        assert [
            t["title"] for t in report_tasks(anna, *period, "agent", anna.id, "received").all()
        ] == ["From 1"]
        assert len(report_tasks(anna, *period, "chat", TOTAL, "received").all()) == 1
        with pytest.raises(Forbidden):
            report_tasks(anna, *period, "agent", boris.id, "received")
        with pytest.raises(Forbidden):
            report_tasks(anna, *period, "agent", None, "received")
        viewer = User(login="watcher", name="Watcher", role=Role.VIEWER, password_hash="x")
        db.session.add(viewer)
        db.session.commit()
        everyone = build_report(viewer, *period, "agent")
        assert {row["key"]["id"] for row in everyone["rows"]} == {anna.id, boris.id}
        assert everyone["total"]["received"] == 2
        assert len(report_tasks(viewer, *period, "agent", boris.id, "received").all()) == 1
