"""The task service: the rules every page, the API and the live feed rely on."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.builders import (
    NO_ADDRESS,
    event_kinds,
    make_chat,
    make_task,
    make_user,
    status_named,
    task_json,
)
from wesup.directories import service as directories
from wesup.enums import Role
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Comment, Task, TaskEvent, User, utcnow
from wesup.tasks import service
from wesup.timeutil import Period, today


def as_user(user: User) -> User:
    """The person loaded in the current app context, as a request would have them."""
    return db.session.get(User, user.id)


def edit(app, actor: User, task_id: int, **data) -> dict:
    """PATCH through the service with the version the editor sees now."""
    with app.app_context():
        version = db.session.get(Task, task_id).version
        return service.update_task(as_user(actor), task_id, {"version": version, **data}).to_dict()


def lead_status(app, lead: User, name: str, category: str, color: str = "#123456", **extra) -> int:
    """A status the lead adds through the directory service, as the directories page does."""
    with app.app_context():
        data = {"name": name, "color": color, "category": category, **extra}
        return directories.create_status(as_user(lead), data).id


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- creating -------------------------------------------------------------------------------


def test_a_title_alone_logs_a_task_now_in_the_first_new_status(app):
    """Quick add: only the title is required; the rest has sensible defaults."""
    alice = make_user(app, "alice")
    before = utcnow()
    with app.app_context():
        created = service.create_task(as_user(alice), {"title": "  VPN is down  "})
        task_id = created.id
    after = utcnow()

    task = task_json(app, task_id)
    assert task["title"] == "VPN is down"
    assert task["status"]["name"] == "Accepted"
    assert task["status"]["category"] == "new"
    assert task["agent"] == {"id": alice.id, "name": "Alice"}
    assert task["chat"] is None
    assert task["description"] == ""
    assert task["resolved_at"] is None
    assert before - timedelta(seconds=1) <= when(task["received_at"]) <= after
    assert event_kinds(app) == ["task.created"]


def test_the_default_status_is_the_first_new_one_in_directory_order(app):
    """A lead who puts a 'Triage' status first makes quick-added tasks start there."""
    lead = make_user(app, "lena", role=Role.LEAD)
    alice = make_user(app, "alice")
    lead_status(app, lead, "Triage", "new", position=0)
    task = make_task(app, alice)
    assert task_json(app, task.id)["status"]["name"] == "Triage"


def test_an_archived_new_status_is_not_the_default(app):
    alice = make_user(app, "alice")
    lead = make_user(app, "lena", role=Role.LEAD)
    make_task(app, alice, "Keeps Accepted in use")
    lead_status(app, lead, "Fresh", "new")
    with app.app_context():
        accepted = service.default_status()
        directories.delete_status(as_user(lead), accepted.id)  # in use: archived
    task = make_task(app, alice)
    assert task_json(app, task.id)["status"]["name"] == "Fresh"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2024-03-10T09:15", "2024-03-10T06:15:00+00:00"),  # a datetime-local value: team zone
        ("2024-03-10T09:15:00+05:00", "2024-03-10T04:15:00+00:00"),
        ("2024-03-10T06:15:00Z", "2024-03-10T06:15:00+00:00"),
    ],
)
def test_a_request_logged_late_keeps_the_time_it_arrived(app, given, stored):
    alice = make_user(app, "alice")
    task = make_task(app, alice, received_at=given)
    assert task_json(app, task.id)["received_at"] == stored


def test_a_request_cannot_arrive_in_the_future(app):
    alice = make_user(app, "alice")
    tomorrow = (utcnow() + timedelta(hours=1)).isoformat()
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        service.create_task(as_user(alice), {"title": "Time travel", "received_at": tomorrow})
    assert set(refused.value.fields) == {"received_at"}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Task.id))) == 0
    assert event_kinds(app) == []


def test_a_task_created_done_is_resolved_at_once(app):
    alice = make_user(app, "alice")
    done = status_named(app, "Done")
    task = task_json(app, make_task(app, alice, status_id=done.id).id)
    assert task["resolved_at"] is not None
    assert when(task["resolved_at"]) >= when(task["received_at"])


# --- the meaning of status categories -------------------------------------------------------


def test_entering_done_resolves_and_leaving_it_reopens(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    done = status_named(app, "Done")
    active = status_named(app, "In progress")

    resolved = edit(app, alice, task.id, status_id=done.id)
    assert resolved["status"]["category"] == "done"
    assert resolved["resolved_at"] is not None

    reopened = edit(app, alice, task.id, status_id=active.id)
    assert reopened["resolved_at"] is None
    assert task_json(app, task.id)["resolved_at"] is None


def test_moving_between_two_done_statuses_keeps_the_resolution_time(app):
    alice = make_user(app, "alice")
    lead = make_user(app, "lena", role=Role.LEAD)
    wontfix = lead_status(app, lead, "Won't fix", "done", color="#000000")
    task = make_task(app, alice, status_id=status_named(app, "Done").id)
    resolved_at = task_json(app, task.id)["resolved_at"]
    assert edit(app, alice, task.id, status_id=wontfix)["resolved_at"] == resolved_at


# --- editing --------------------------------------------------------------------------------


def test_every_field_can_be_edited_in_one_change(app):
    alice = make_user(app, "alice")
    first, second = make_chat(app, "Acme"), make_chat(app, "Globex")
    task = make_task(app, alice, "Printr offline", chat_id=first.id, description="3rd floor")
    postponed = status_named(app, "Postponed")
    version = task_json(app, task.id)["version"]

    changed = edit(
        app,
        alice,
        task.id,
        title="Printer offline",
        description="4th floor",
        chat_id=second.id,
        status_id=postponed.id,
        received_at="2024-03-10T12:00:00+00:00",
    )

    assert task_json(app, task.id) == changed
    assert changed["title"] == "Printer offline"
    assert changed["description"] == "4th floor"
    assert changed["chat"] == {"id": second.id, "name": "Globex"}
    assert changed["status"]["id"] == postponed.id
    assert changed["received_at"] == "2024-03-10T12:00:00+00:00"
    assert changed["version"] == version + 1
    assert event_kinds(app) == ["task.created", "task.status"]
    with app.app_context():
        event = db.session.scalars(db.select(TaskEvent).order_by(TaskEvent.seq.desc())).first()
        assert set(event.data["changes"]) == {
            "title",
            "description",
            "chat",
            "status",
            "received_at",
        }
        assert event.data["changes"]["chat"] == ["Acme", "Globex"]


def test_an_edit_without_a_status_change_is_an_update(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    edit(app, alice, task.id, title="Printer offline again")
    assert event_kinds(app) == ["task.created", "task.updated"]


def test_the_chat_can_be_cleared(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice, chat_id=make_chat(app).id)
    assert edit(app, alice, task.id, chat_id=None)["chat"] is None


def test_an_edit_that_changes_nothing_writes_nothing(app):
    """Saving an unchanged form must not bump the version or wake every board."""
    alice = make_user(app, "alice")
    chat = make_chat(app)
    task = make_task(app, alice, "Printer offline", chat_id=chat.id, description="3rd floor")
    before = task_json(app, task.id)

    edit(
        app,
        alice,
        task.id,
        title=" Printer offline ",
        description="3rd floor",
        chat_id=chat.id,
        status_id=before["status"]["id"],
        received_at=before["received_at"],
    )

    assert task_json(app, task.id) == before
    assert event_kinds(app) == ["task.created"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"status_id": None}, "status_id"),
        ({"status_id": 9999}, "status_id"),
        ({"chat_id": 9999}, "chat_id"),
        ({"received_at": "yesterday"}, "received_at"),
    ],
)
def test_a_bad_edit_is_refused_whole(app, data, field):
    """A bad field refuses the whole change: the good fields beside it are not saved either."""
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    before = task_json(app, task.id)
    with pytest.raises(ValidationFailed) as refused:
        edit(app, alice, task.id, description="new description", **data)
    assert set(refused.value.fields) == {field}
    assert task_json(app, task.id) == before
    assert event_kinds(app) == ["task.created"]


def test_received_at_cannot_move_past_the_resolution(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice, received_at="2024-03-10T09:00")
    edit(app, alice, task.id, status_id=status_named(app, "Done").id)
    resolved_at = when(task_json(app, task.id)["resolved_at"])
    later = (resolved_at + timedelta(minutes=1)).isoformat()
    with pytest.raises(ValidationFailed) as refused:
        edit(app, alice, task.id, received_at=later)
    assert set(refused.value.fields) == {"received_at"}


def test_a_stale_version_is_a_conflict_carrying_the_current_task(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    edit(app, alice, task.id, title="Changed by another tab")
    with app.app_context(), pytest.raises(Conflict) as conflict:
        service.update_task(as_user(alice), task.id, {"version": 1, "title": "Mine"})
    assert conflict.value.extra["current"]["title"] == "Changed by another tab"
    assert task_json(app, task.id)["title"] == "Changed by another tab"


# --- comments, delete, restore --------------------------------------------------------------


def test_a_comment_becomes_the_tasks_last_comment(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    with app.app_context():
        service.add_comment(as_user(alice), task.id, {"body": "Called the user"})
        service.add_comment(as_user(alice), task.id, {"body": " Rebooted the router "})
        bodies = list(db.session.scalars(db.select(Comment.body).order_by(Comment.id)))
    assert bodies == ["Called the user", "Rebooted the router"]
    assert task_json(app, task.id)["last_comment"] == "Rebooted the router"
    assert event_kinds(app) == ["task.created", "task.commented", "task.commented"]


@pytest.mark.parametrize("body", ["", "   ", None, "x" * 5001])
def test_an_empty_or_huge_comment_is_refused(app, body):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    with app.app_context(), pytest.raises(ValidationFailed):
        service.add_comment(as_user(alice), task.id, {"body": body})
    assert task_json(app, task.id)["last_comment"] is None
    assert event_kinds(app) == ["task.created"]


def test_delete_is_soft_and_remembers_who_did_it(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    with app.app_context():
        service.delete_task(as_user(alice), task.id)
    with app.app_context():
        row = db.session.get(Task, task.id)
        assert row is not None
        assert row.deleted_at is not None
        event = db.session.scalars(db.select(TaskEvent).order_by(TaskEvent.seq.desc())).first()
        assert (event.kind, event.actor_id, event.task_id) == ("task.deleted", alice.id, task.id)
        assert service.open_tasks(alice.id) == []
        with pytest.raises(NotFound):
            service.get_task(task.id, as_user(alice))


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_only_a_lead_or_admin_restores(app, role):
    alice = make_user(app, "alice")
    other = make_user(app, "someone", role=role)
    task = make_task(app, alice)
    with app.app_context():
        service.delete_task(as_user(alice), task.id)
    for person in (alice, other):
        with app.app_context(), pytest.raises((Forbidden, NotFound)):
            service.restore_task(as_user(person), task.id)
    with app.app_context():
        assert db.session.get(Task, task.id).deleted_at is not None


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_a_lead_or_admin_restores_a_deleted_task(app, role):
    alice = make_user(app, "alice")
    boss = make_user(app, "boss", role=role)
    task = make_task(app, alice)
    with app.app_context():
        service.delete_task(as_user(alice), task.id)
        service.restore_task(as_user(boss), task.id)
    with app.app_context():
        assert [t.id for t in service.open_tasks(alice.id)] == [task.id]
        event = db.session.scalars(db.select(TaskEvent).order_by(TaskEvent.seq.desc())).first()
        assert (event.kind, event.actor_id) == ("task.restored", boss.id)


def test_restoring_a_task_that_is_not_deleted_is_a_conflict(app):
    alice = make_user(app, "alice")
    lead = make_user(app, "lena", role=Role.LEAD)
    task = make_task(app, alice)
    with app.app_context(), pytest.raises(Conflict):
        service.restore_task(as_user(lead), task.id)


# --- archived directory entries -------------------------------------------------------------


def test_an_archived_chat_stays_on_old_tasks_but_not_on_new_ones(app):
    alice = make_user(app, "alice")
    lead = make_user(app, "lena", role=Role.LEAD)
    chat = make_chat(app, "Old client")
    old = make_task(app, alice, chat_id=chat.id)
    other = make_task(app, alice)
    with app.app_context():
        assert directories.delete_chat(as_user(lead), chat.id) == (
            {"id": chat.id, "name": "Old client", "note": "", "archived": True, **NO_ADDRESS},
            False,
        )

    # the old task keeps its chat, and can still be saved with it
    kept = edit(app, alice, old.id, chat_id=chat.id, title="Still theirs")
    assert kept["chat"] == {"id": chat.id, "name": "Old client"}
    # nobody can pick it again
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        service.create_task(as_user(alice), {"title": "New", "chat_id": chat.id})
    assert set(refused.value.fields) == {"chat_id"}
    with pytest.raises(ValidationFailed):
        edit(app, alice, other.id, chat_id=chat.id)
    assert task_json(app, other.id)["chat"] is None


def test_an_archived_status_stays_on_old_tasks_but_not_on_new_ones(app):
    alice = make_user(app, "alice")
    lead = make_user(app, "lena", role=Role.LEAD)
    waiting = lead_status(app, lead, "Waiting", "postponed", color="#abcdef")
    old = make_task(app, alice, status_id=waiting)
    other = make_task(app, alice)
    with app.app_context():
        entry, removed = directories.delete_status(as_user(lead), waiting)
        assert (entry["archived"], removed) == (True, False)

    kept = edit(app, alice, old.id, status_id=waiting, title="Still waiting")
    assert kept["status"]["name"] == "Waiting"
    with app.app_context(), pytest.raises(ValidationFailed):
        service.create_task(as_user(alice), {"title": "New", "status_id": waiting})
    with pytest.raises(ValidationFailed):
        edit(app, alice, other.id, status_id=waiting)
    assert task_json(app, other.id)["status"]["name"] == "Accepted"


# --- the timeline ---------------------------------------------------------------------------


def test_the_timeline_shows_comments_and_status_changes_with_author_in_order(app):
    alice = make_user(app, "alice", name="Alice A")
    lead = make_user(app, "lena", role=Role.LEAD, name="Lena L")
    task = make_task(app, alice)
    with app.app_context():
        service.add_comment(as_user(alice), task.id, {"body": "Asked for logs"})
    edit(app, lead, task.id, status_id=status_named(app, "In progress").id)
    with app.app_context():
        service.add_comment(as_user(lead), task.id, {"body": "Escalated"})

    with app.app_context():
        entries = service.timeline(db.session.get(Task, task.id))
    assert [(e["kind"], e["actor"]["name"]) for e in entries] == [
        ("task.created", "Alice A"),
        ("task.commented", "Alice A"),
        ("task.status", "Lena L"),
        ("task.commented", "Lena L"),
    ]
    assert entries[1]["comment"]["body"] == "Asked for logs"
    assert entries[1]["comment"]["author"] == {"id": alice.id, "name": "Alice A"}
    assert entries[2]["changes"]["status"] == ["Accepted", "In progress"]
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs)
    times = [when(e["at"]) for e in entries]
    assert times == sorted(times)
    assert all(t.utcoffset() == timedelta(0) for t in times)


def test_the_timeline_holds_only_its_own_task(app):
    alice = make_user(app, "alice")
    mine, other = make_task(app, alice, "Mine"), make_task(app, alice, "Other")
    with app.app_context():
        service.add_comment(as_user(alice), other.id, {"body": "Elsewhere"})
        entries = service.timeline(db.session.get(Task, mine.id))
    assert [e["kind"] for e in entries] == ["task.created"]


# --- reading --------------------------------------------------------------------------------


def test_open_tasks_are_oldest_first_and_closed_this_shift_newest_first(app):
    alice = make_user(app, "alice")
    bob = make_user(app, "bob")
    now = utcnow()
    make_task(app, alice, "Late", received_at=(now - timedelta(minutes=5)).isoformat())
    make_task(app, alice, "Early", received_at=(now - timedelta(hours=1)).isoformat())
    make_task(app, bob, "Bob's")
    done = status_named(app, "Done")
    first_closed = make_task(app, alice, "Closed first")
    edit(app, alice, first_closed.id, status_id=done.id)
    second_closed = make_task(app, alice, "Closed second")
    edit(app, alice, second_closed.id, status_id=done.id)

    with app.app_context():
        assert [t.title for t in service.open_tasks(alice.id)] == ["Early", "Late"]
        closed = [t.title for t in service.closed_this_shift(alice.id)]
    assert closed == ["Closed second", "Closed first"]


def test_summary_counts_open_postponed_and_resolved(app):
    alice = make_user(app, "alice")
    make_task(app, alice)
    make_task(app, alice, status_id=status_named(app, "In progress").id)
    make_task(app, alice, status_id=status_named(app, "Postponed").id)
    make_task(app, alice, status_id=status_named(app, "Done").id)
    with app.app_context():
        on_today = service.tasks_in_period(Period(today(), today()))
        assert service.summary(on_today) == {"open": 2, "postponed": 1, "resolved": 1}
