"""Work in a rush: urgent tasks come first everywhere, every task knows its last activity,
and undoing a save removes the task through the ordinary soft delete."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.builders import (
    assert_refused,
    make_group,
    make_task,
    set_task_times,
    signed_in,
    status_named,
    task_json,
)
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Task, TaskEvent, utcnow


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def newest_event(app, task_id: int) -> TaskEvent:
    with app.app_context():
        query = sa.select(TaskEvent).where(TaskEvent.task_id == task_id)
        event = db.session.scalars(query.order_by(TaskEvent.seq.desc()).limit(1)).one()
        db.session.expunge(event)
        return event


def backdate_activity(app, task_id: int, hours: int = 3) -> datetime:
    """As if nothing had happened to the task for `hours` (its version stays)."""
    moment = utcnow() - timedelta(hours=hours)
    with app.app_context():
        db.session.execute(
            sa.update(Task).where(Task.id == task_id).values(last_activity_at=moment)
        )
        db.session.commit()
    return moment


# --- urgent ------------------------------------------------------------------------------------


def test_a_task_is_not_urgent_unless_asked_and_post_can_ask(app):
    alice = signed_in(app, "alice")
    plain = alice.api("POST", "/api/tasks", {"title": "Mail"}).get_json()["task"]
    assert plain["urgent"] is False
    response = alice.api("POST", "/api/tasks", {"title": "Bank down", "urgent": True})
    assert response.status_code == 201
    assert response.get_json()["task"]["urgent"] is True
    assert task_json(app, response.get_json()["task"]["id"])["urgent"] is True


def test_patch_marks_urgent_and_back_and_the_timeline_says_so(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    marked = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "urgent": True})
    assert marked.status_code == 200
    assert marked.get_json()["task"]["urgent"] is True
    assert marked.get_json()["task"]["version"] == 2
    event = newest_event(app, task.id)
    assert event.kind == "task.updated"
    assert event.data["changes"] == {"urgent": [False, True]}
    assert event.data["task"]["urgent"] is True
    back = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 2, "urgent": False})
    assert back.get_json()["task"]["urgent"] is False
    # the same value again is no change: no event, no new version
    same = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 3, "urgent": False})
    assert same.get_json()["task"]["version"] == 3


def test_only_the_owner_or_a_lead_marks_a_task_urgent(app):
    alice = signed_in(app, "alice")
    bob = signed_in(app, "bob")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user)
    body = {"version": 1, "urgent": True}
    assert_refused(app, lambda: bob.api("PATCH", f"/api/tasks/{task.id}", body), 403)
    assert lead.api("PATCH", f"/api/tasks/{task.id}", body).get_json()["task"]["urgent"] is True


def test_urgent_open_tasks_come_first_on_my_tasks_and_all_tasks(app):
    alice = signed_in(app, "alice")
    old = make_task(app, alice.user, "Old")
    newer = make_task(app, alice.user, "Newer")
    urgent = make_task(app, alice.user, "Urgent", urgent=True)
    now = utcnow()
    set_task_times(app, old.id, received_at=now - timedelta(hours=3))
    set_task_times(app, newer.id, received_at=now - timedelta(hours=2))
    set_task_times(app, urgent.id, received_at=now - timedelta(hours=1))
    mine = alice.client.get("/api/tasks/mine").get_json()
    assert [task["title"] for task in mine["open"]] == ["Urgent", "Old", "Newer"]
    board = alice.client.get("/api/tasks").get_json()
    assert [task["title"] for task in board["tasks"]] == ["Urgent", "Old", "Newer"]
    # once resolved, an urgent task sorts by its time like any other
    done = status_named(app, "Done")
    version = task_json(app, urgent.id)["version"]
    alice.api("PATCH", f"/api/tasks/{urgent.id}", {"version": version, "status_id": done.id})
    board = alice.client.get("/api/tasks").get_json()
    assert [task["title"] for task in board["tasks"]] == ["Old", "Newer", "Urgent"]


def test_urgent_tasks_lead_their_lane_on_the_wall(app):
    alice = signed_in(app, "alice")
    old = make_task(app, alice.user, "Old")
    urgent = make_task(app, alice.user, "Urgent", urgent=True)
    set_task_times(app, old.id, received_at=utcnow() - timedelta(hours=3))
    lanes = alice.client.get("/board/data").get_json()["lanes"]
    lane = next(lane for lane in lanes if lane.get("agent", {}).get("id") == alice.user.id)
    assert [task["id"] for task in lane["tasks"]] == [urgent.id, old.id]


# --- last activity ---------------------------------------------------------------------------


def test_a_new_task_has_its_creation_as_last_activity(app):
    alice = signed_in(app, "alice")
    task = alice.api("POST", "/api/tasks", {"title": "VPN"}).get_json()["task"]
    since_created = at(task["last_activity_at"]) - at(task["created_at"])
    assert timedelta(0) <= since_created < timedelta(seconds=1)
    assert at(task["last_activity_at"]).utcoffset() == timedelta(0)
    assert at(newest_event(app, task["id"]).data["task"]["last_activity_at"]) == at(
        task["last_activity_at"]
    )


def _comment(app, alice, bob, lead, task_id):
    return bob.api("POST", f"/api/tasks/{task_id}/comments", {"body": "Called them"})


def _status(app, alice, bob, lead, task_id):
    status = status_named(app, "In progress")
    return alice.api("PATCH", f"/api/tasks/{task_id}", {"version": 1, "status_id": status.id})


def _transfer(app, alice, bob, lead, task_id):
    return alice.api("POST", f"/api/tasks/{task_id}/transfer", {"agent_id": bob.user.id})


def _queue_and_take(app, alice, bob, lead, task_id):
    line = make_group(app, "Первая линия", members=(bob.user,))
    lead.api(
        "PATCH", f"/api/tasks/{task_id}", {"version": 1, "agent_id": None, "group_id": line.id}
    )
    backdate_activity(app, task_id)
    return bob.api("POST", f"/api/tasks/{task_id}/take")


def _hand_over_the_shift(app, alice, bob, lead, task_id):
    return alice.api("POST", "/api/handovers", {"to_agent_id": bob.user.id, "note": "night"})


def _delete(app, alice, bob, lead, task_id):
    return alice.api("DELETE", f"/api/tasks/{task_id}?version=1")


def _urgent(app, alice, bob, lead, task_id):
    return alice.api("PATCH", f"/api/tasks/{task_id}", {"version": 1, "urgent": True})


@pytest.mark.parametrize(
    "change",
    [_comment, _status, _transfer, _queue_and_take, _hand_over_the_shift, _delete, _urgent],
    ids=lambda change: change.__name__.strip("_"),
)
def test_every_task_event_is_activity(app, change):
    """Whatever happens to a task (a colleague's comment included), its last activity is
    the moment of that event, in the database, in the event the pages get, and in the API."""
    alice = signed_in(app, "alice")
    bob = signed_in(app, "bob")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user)
    quiet = backdate_activity(app, task.id)
    before = utcnow()
    response = change(app, alice, bob, lead, task.id)
    assert response.status_code in (200, 201), response.get_json()
    event = newest_event(app, task.id)
    with app.app_context():
        stored = db.session.get(Task, task.id).last_activity_at
    assert stored > quiet
    assert before <= stored <= utcnow()
    assert abs(stored - event.created_at) < timedelta(seconds=1)
    assert at(event.data["task"]["last_activity_at"]) == stored
    assert at(task_json(app, task.id)["last_activity_at"]) == stored


def test_activity_is_not_an_edit_a_comment_bumps_the_version_once(app):
    """The activity write rides beside the change: one event, one new version."""
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    alice.api("POST", f"/api/tasks/{task.id}/comments", {"body": "Called"})
    assert task_json(app, task.id)["version"] == 2
    edited = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 2, "title": "Renamed"})
    assert edited.status_code == 200
    assert edited.get_json()["task"]["version"] == 3


def test_a_refused_change_leaves_the_last_activity_alone(app):
    alice = signed_in(app, "alice")
    bob = signed_in(app, "bob")
    task = make_task(app, alice.user)
    backdate_activity(app, task.id)
    body = {"version": 1, "title": "Mine now"}
    assert_refused(app, lambda: bob.api("PATCH", f"/api/tasks/{task.id}", body), 403)
    assert_refused(
        app,
        lambda: alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 7, "urgent": True}),
        409,
    )


# --- undo -------------------------------------------------------------------------------------


def test_undo_is_the_ordinary_soft_delete_and_a_lead_can_bring_it_back(app):
    """The toast's Undo deletes through DELETE /api/tasks/<id>: logged, gone from the lists,
    restorable."""
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = alice.api("POST", "/api/tasks", {"title": "Typo'd"}).get_json()["task"]
    undone = alice.api("DELETE", f"/api/tasks/{task['id']}?version={task['version']}")
    assert undone.status_code == 200
    assert newest_event(app, task["id"]).kind == "task.deleted"
    assert alice.client.get("/api/tasks/mine").get_json()["open"] == []
    restored = lead.api("POST", f"/api/tasks/{task['id']}/restore")
    assert restored.get_json()["task"]["deleted"] is False


# --- the pages ---------------------------------------------------------------------------------


def test_the_pages_carry_the_age_thresholds_and_the_last_activity(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user, "Printer", urgent=True)
    backdate_activity(app, task.id, hours=2)
    for url in ("/tasks/mine", "/tasks"):
        page = alice.client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'data-age-warn="30" data-age-alert="120"' in page
        assert "no activity for 2 h 0 min" in page
        assert 'class="urgent-badge"' in page
        assert "data-age-since=" in page


@pytest.mark.parametrize("app_config", [{"AGE_WARN_MINUTES": 5, "AGE_ALERT_MINUTES": 15}])
def test_the_thresholds_follow_the_settings(app):
    alice = signed_in(app, "alice")
    page = alice.client.get("/tasks/mine").get_data(as_text=True)
    assert 'data-age-warn="5" data-age-alert="15"' in page


def test_russian_pages_say_it_in_russian(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user, "Принтер", urgent=True)
    backdate_activity(app, task.id, hours=2)
    page = alice.client.get("/tasks/mine", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "нет активности 2 ч 0 мин" in page
    assert "Срочно" in page
