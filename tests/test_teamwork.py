"""Teamwork: owners and lines, assigning, transfer and escalation, Take, notes from colleagues,
and support lines in the directories. Through the JSON API, as a client would use it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import (
    assert_refused,
    event_kinds,
    make_group,
    make_task,
    make_user,
    signed_in,
    task_json,
)
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Group, Task, TaskEvent, group_members


def timeline(auth, task_id: int) -> list[dict[str, Any]]:
    return auth.api("GET", f"/api/tasks/{task_id}").get_json()["timeline"]


def brief(user) -> dict[str, Any]:
    return {"id": user.id, "name": user.name}


def line(group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "color": group.color}


# --- the database keeps every task with an owner or a line -----------------------------------


def test_the_database_refuses_a_task_with_neither_owner_nor_line(app):
    """A CHECK constraint, not only a check in Python: a raw UPDATE cannot strand a task."""
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(Task).where(Task.id == task.id).values(agent_id=None))
            db.session.flush()
        db.session.rollback()
        group = Group(name="First line", color="#1e88e5", position=1)
        db.session.add(group)
        db.session.flush()
        db.session.execute(
            sa.update(Task).where(Task.id == task.id).values(agent_id=None, group_id=group.id)
        )
        db.session.commit()  # a line's queue is a place a task may wait in
    assert task_json(app, task.id)["agent"] is None


# --- assigning: agent_id and group_id on POST and PATCH --------------------------------------


def test_a_lead_creates_a_task_for_an_agent(app):
    lead = signed_in(app, "lena", role=Role.LEAD)
    alice = make_user(app, "alice")
    response = lead.api("POST", "/api/tasks", {"title": "Call the bank", "agent_id": alice.id})
    assert response.status_code == 201
    task = response.get_json()["task"]
    assert task["agent"] == brief(alice) and task["group"] is None
    assert timeline(lead, task["id"])[0]["actor"]["id"] == lead.user.id


def test_a_lead_creates_a_task_in_a_lines_queue(app):
    lead = signed_in(app, "lena", role=Role.LEAD)
    first = make_group(app, "Первая линия")
    task = lead.api("POST", "/api/tasks", {"title": "VPN", "group_id": first.id}).get_json()["task"]
    assert task["agent"] is None and task["group"] == line(first)
    with_owner = lead.api(
        "POST", "/api/tasks", {"title": "Mail", "group_id": first.id, "agent_id": lead.user.id}
    ).get_json()["task"]
    assert with_owner["agent"] == brief(lead.user) and with_owner["group"] == line(first)


def test_a_task_created_with_neither_owner_nor_line_is_refused(app):
    lead = signed_in(app, "lena", role=Role.LEAD)
    response = assert_refused(
        app, lambda: lead.api("POST", "/api/tasks", {"title": "x", "agent_id": None}), 422
    )
    assert "agent_id" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "fields",
    [
        {"agent_id": "{bob}"},
        {"group_id": "{line}"},
        {"agent_id": None, "group_id": "{line}"},
        {"agent_id": "{me}", "group_id": "{other_line}"},
    ],
)
def test_an_agent_who_creates_a_task_for_somebody_else_gets_403(app, fields):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    mine = make_group(app, "First line", (alice.user,))
    other = make_group(app, "Second line")
    values = {"{bob}": bob.id, "{line}": mine.id, "{me}": alice.user.id, "{other_line}": other.id}
    body = {"title": "x", **{key: values.get(value, value) for key, value in fields.items()}}
    assert_refused(app, lambda: alice.api("POST", "/api/tasks", body), 403, "forbidden")


def test_an_agent_may_put_their_own_task_in_their_own_line(app):
    alice = signed_in(app, "alice")
    mine = make_group(app, "First line", (alice.user,))
    body = {"title": "x", "agent_id": alice.user.id, "group_id": mine.id}
    task = alice.api("POST", "/api/tasks", body).get_json()["task"]
    assert task["agent"]["id"] == alice.user.id and task["group"]["id"] == mine.id


def test_a_lead_reassigns_with_patch_and_the_event_says_from_and_to(app):
    lead = signed_in(app, "lena", role=Role.LEAD)
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    second = make_group(app, "Second line")
    task = make_task(app, alice)
    response = lead.api(
        "PATCH",
        f"/api/tasks/{task.id}",
        {"version": 1, "agent_id": bob.id, "group_id": second.id, "title": "Printer jam"},
    )
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()["task"]
    assert saved["agent"] == brief(bob) and saved["group"] == line(second)
    assert saved["title"] == "Printer jam" and saved["version"] == 2
    event = timeline(lead, task.id)[-1]
    assert event["kind"] == "task.assigned"
    assert event["from"] == {"agent": brief(alice), "group": None}
    assert event["to"] == {"agent": brief(bob), "group": line(second)}
    assert event["actor"]["id"] == lead.user.id
    assert event["changes"]["title"] == ["Printer offline", "Printer jam"]


def test_patch_no_longer_ignores_agent_id_and_a_lead_can_queue_a_task(app):
    lead = signed_in(app, "lena", role=Role.LEAD)
    alice = make_user(app, "alice")
    first = make_group(app, "First line")
    task = make_task(app, alice)
    body = {"version": 1, "agent_id": None, "group_id": first.id}
    saved = lead.api("PATCH", f"/api/tasks/{task.id}", body).get_json()["task"]
    assert saved["agent"] is None and saved["group"]["id"] == first.id


@pytest.mark.parametrize(
    "fields", [{"agent_id": "{bob}"}, {"agent_id": None, "group_id": "{line}"}]
)
def test_an_agent_who_reassigns_their_own_task_gets_403_and_nothing_changes(app, fields):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    first = make_group(app, "First line", (alice.user,))
    task = make_task(app, alice.user)
    values = {"{bob}": bob.id, "{line}": first.id}
    body = {"version": 1, "title": "Also this", **{k: values.get(v, v) for k, v in fields.items()}}
    assert_refused(app, lambda: alice.api("PATCH", f"/api/tasks/{task.id}", body), 403)


@pytest.mark.parametrize(
    ("field", "value"),
    [("agent_id", "{viewer}"), ("agent_id", 9999), ("group_id", "{archived}"), ("agent_id", "x")],
)
def test_a_bad_owner_or_line_is_422_and_changes_nothing(app, field, value):
    lead = signed_in(app, "lena", role=Role.LEAD)
    viewer = make_user(app, "vera", role=Role.VIEWER)
    archived = make_group(app, "Old line")
    with app.app_context():
        db.session.get(Group, archived.id).archived_at = db.func.now()
        db.session.commit()
    task = make_task(app, lead.user)
    value = {"{viewer}": viewer.id, "{archived}": archived.id}.get(value, value)
    response = assert_refused(
        app, lambda: lead.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, field: value}), 422
    )
    assert field in response.get_json()["error"]["fields"]


# --- transfer and escalation -------------------------------------------------------------------


def test_the_owner_hands_a_task_to_a_colleague_with_a_note(app):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    first = make_group(app, "First line", (alice.user, bob))
    task = make_task(app, alice.user, agent_id=alice.user.id, group_id=first.id)
    body = {"agent_id": bob.id, "note": "You know this customer"}
    response = alice.api("POST", f"/api/tasks/{task.id}/transfer", body)
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()["task"]
    assert saved["agent"] == brief(bob) and saved["group"] == line(first)  # the line stays
    event = timeline(alice, task.id)[-1]
    assert event["kind"] == "task.transferred"
    assert event["from"]["agent"] == brief(alice.user)
    assert event["to"]["agent"] == brief(bob)
    assert event["note"] == "You know this customer"
    assert event["actor"]["id"] == alice.user.id
    # Alice may no longer edit it, but may still comment
    refused = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 2, "title": "x"})
    assert refused.status_code == 403
    assert alice.api("POST", f"/api/tasks/{task.id}/comments", {"body": "FYI"}).status_code == 201


def test_escalating_to_a_line_puts_the_task_in_its_queue_and_needs_a_note(app):
    alice = signed_in(app, "alice")
    second = make_group(app, "Вторая линия")
    task = make_task(app, alice.user)
    without_note = assert_refused(
        app,
        lambda: alice.api("POST", f"/api/tasks/{task.id}/transfer", {"group_id": second.id}),
        422,
    )
    assert "note" in without_note.get_json()["error"]["fields"]
    body = {"group_id": second.id, "note": "Needs database access"}
    saved = alice.api("POST", f"/api/tasks/{task.id}/transfer", body).get_json()["task"]
    assert saved["agent"] is None and saved["group"] == line(second)
    event = timeline(alice, task.id)[-1]
    assert event["to"] == {"agent": None, "group": line(second)}
    assert event["note"] == "Needs database access"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"note": "x"},
        {"agent_id": "{bob}", "group_id": "{line}", "note": "both"},
        {"agent_id": "{me}", "note": "to myself"},
        {"agent_id": "{viewer}"},
        {"group_id": 4242, "note": "no such line"},
        {"agent_id": "{bob}", "note": "x" * 2001},
        {"agent_id": "{bob}", "version": 7},
    ],
)
def test_a_bad_transfer_changes_nothing(app, body):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    viewer = make_user(app, "vera", role=Role.VIEWER)
    first = make_group(app, "First line")
    task = make_task(app, alice.user)
    values = {"{bob}": bob.id, "{line}": first.id, "{me}": alice.user.id, "{viewer}": viewer.id}
    filled = {key: values.get(value, value) for key, value in body.items()}
    status = 409 if "version" in body else 422
    assert_refused(app, lambda: alice.api("POST", f"/api/tasks/{task.id}/transfer", filled), status)


def test_only_the_owner_or_a_lead_transfers(app):
    alice = make_user(app, "alice")
    bob = signed_in(app, "bob")
    task = make_task(app, alice)
    body = {"agent_id": bob.user.id, "note": "mine now"}
    assert_refused(app, lambda: bob.api("POST", f"/api/tasks/{task.id}/transfer", body), 403)
    lead = signed_in(app, "lena", role=Role.LEAD)
    assert lead.api("POST", f"/api/tasks/{task.id}/transfer", body).status_code == 200


def test_a_taker_can_release_a_task_back_to_the_queue(app):
    bob = signed_in(app, "bob")
    first = make_group(app, "First line", (bob.user,))
    lead = make_user(app, "lena", role=Role.LEAD)
    task = make_task(app, lead, group_id=first.id)
    assert bob.api("POST", f"/api/tasks/{task.id}/take").status_code == 200
    body = {"group_id": first.id, "note": "Cannot reach them today"}
    back = bob.api("POST", f"/api/tasks/{task.id}/transfer", body).get_json()["task"]
    assert back["agent"] is None and back["group"]["id"] == first.id


# --- take --------------------------------------------------------------------------------------


def test_a_member_takes_a_queued_task_and_the_next_one_gets_409_naming_them(app):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    first = make_group(app, "First line", (alice.user, bob.user))
    lead = make_user(app, "lena", role=Role.LEAD)
    task = make_task(app, lead, "Queued", group_id=first.id)
    won = alice.api("POST", f"/api/tasks/{task.id}/take")
    assert won.status_code == 200
    assert won.get_json()["task"]["agent"] == brief(alice.user)
    assert won.get_json()["task"]["version"] == 2
    lost = assert_refused(app, lambda: bob.api("POST", f"/api/tasks/{task.id}/take"), 409)
    body = lost.get_json()
    assert body["error"]["code"] == "conflict"
    assert "Alice" in body["error"]["message"]
    assert body["taken_by"] == brief(alice.user)
    assert body["current"]["agent"] == brief(alice.user)
    event = timeline(alice, task.id)[-1]
    assert event["kind"] == "task.taken"
    assert event["from"] == {"agent": None, "group": line(first)}
    assert event["to"] == {"agent": brief(alice.user), "group": line(first)}


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_only_members_of_the_line_or_leads_take(app, role):
    outsider = signed_in(app, "olga", role=role)
    first = make_group(app, "First line")
    lead = make_user(app, "lena", role=Role.LEAD)
    task = make_task(app, lead, group_id=first.id)
    assert_refused(app, lambda: outsider.api("POST", f"/api/tasks/{task.id}/take"), 403)
    boss = signed_in(app, "boss", role=Role.ADMIN)
    assert boss.api("POST", f"/api/tasks/{task.id}/take").status_code == 200


def test_a_deleted_or_missing_task_cannot_be_taken(app):
    alice = signed_in(app, "alice")
    first = make_group(app, "First line", (alice.user,))
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, lead.user, group_id=first.id)
    lead.api("DELETE", f"/api/tasks/{task.id}")
    assert_refused(app, lambda: alice.api("POST", f"/api/tasks/{task.id}/take"), 404)
    assert_refused(app, lambda: alice.api("POST", "/api/tasks/424242/take"), 404)


# --- support lines in the directories ------------------------------------------------------------


def test_an_admin_defines_lines_with_members_and_order(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    first = admin.api(
        "POST",
        "/api/groups",
        {"name": "Первая линия", "color": "#1E88E5", "member_ids": [alice.id, bob.id]},
    )
    assert first.status_code == 201, first.get_json()
    group = first.get_json()["group"]
    assert group == {
        "id": group["id"],
        "name": "Первая линия",
        "color": "#1e88e5",
        "position": 1,
        "archived": False,
        "member_ids": sorted([alice.id, bob.id]),
    }
    second = admin.api("POST", "/api/groups", {"name": "Вторая линия", "color": "#e53935"})
    assert second.get_json()["group"]["position"] == 2
    moved = admin.api("PATCH", f"/api/groups/{group['id']}", {"member_ids": [bob.id]})
    assert moved.get_json()["group"]["member_ids"] == [bob.id]
    listed = admin.api("GET", "/api/groups").get_json()["groups"]
    assert [entry["name"] for entry in listed] == ["Первая линия", "Вторая линия"]
    assert event_kinds(app)[-3:] == ["group.created", "group.created", "group.updated"]


@pytest.mark.parametrize(
    "body",
    [
        {"color": "#ffffff"},
        {"name": "Line"},
        {"name": "Line", "color": "red"},
        {"name": "Line", "color": "#ffffff", "member_ids": "all"},
        {"name": "Line", "color": "#ffffff", "member_ids": [4242]},
        {"name": "Line", "color": "#ffffff", "member_ids": ["{viewer}"]},
        {"name": "Taken", "color": "#ffffff"},
    ],
)
def test_a_bad_line_is_refused(app, body):
    admin = signed_in(app, "root", role=Role.ADMIN)
    viewer = make_user(app, "vera", role=Role.VIEWER)
    make_group(app, "Taken")
    body = {key: [viewer.id] if value == ["{viewer}"] else value for key, value in body.items()}
    assert_refused(app, lambda: admin.api("POST", "/api/groups", body), 422)


def test_a_used_line_is_archived_an_unused_one_removed_and_a_full_queue_stays(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = make_user(app, "alice")
    used = make_group(app, "Used", (alice,))
    unused = make_group(app, "Unused", (alice,))
    queued = make_group(app, "Queued")
    owned = make_task(app, admin.user, agent_id=alice.id, group_id=used.id)
    make_task(app, admin.user, group_id=queued.id)

    gone = admin.api("DELETE", f"/api/groups/{unused.id}").get_json()
    assert gone["removed"] is True
    with app.app_context():
        left = db.session.scalar(
            sa.select(sa.func.count()).where(group_members.c.group_id == unused.id)
        )
    assert left == 0
    archived = admin.api("DELETE", f"/api/groups/{used.id}").get_json()
    assert archived["removed"] is False and archived["group"]["archived"] is True
    assert task_json(app, owned.id)["group"]["id"] == used.id  # stays on its tasks
    refused = assert_refused(app, lambda: admin.api("DELETE", f"/api/groups/{queued.id}"), 422)
    assert "очереди линии" in refused.get_json()["error"]["message"]  # Russian by default
    restored = admin.api("POST", f"/api/groups/{used.id}/restore").get_json()["group"]
    assert restored["archived"] is False and restored["member_ids"] == [alice.id]


def test_the_event_log_keeps_whom_each_move_concerned(app):
    """The reports can rebuild each task's owner history from the log alone."""
    lead = signed_in(app, "lena", role=Role.LEAD)
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    first = make_group(app, "First line", (alice, bob))
    task = make_task(app, lead.user, group_id=first.id)
    lead.api("POST", f"/api/tasks/{task.id}/transfer", {"agent_id": alice.id, "note": "yours"})
    lead.api("POST", f"/api/tasks/{task.id}/transfer", {"agent_id": bob.id})
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                TaskEvent.kind,
                TaskEvent.previous_agent_id,
                TaskEvent.agent_id,
                TaskEvent.previous_group_id,
                TaskEvent.group_id,
            )
            .where(TaskEvent.task_id == task.id)
            .order_by(TaskEvent.seq)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("task.created", None, None, None, first.id),
        ("task.transferred", None, alice.id, None, first.id),
        ("task.transferred", alice.id, bob.id, None, first.id),
    ]
