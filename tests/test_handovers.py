"""Shift handover in one action: exactly the giver's open tasks move, with one note, in one
commit; the receiver accepts; deactivating somebody who holds open tasks asks where they go."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import (
    assert_refused,
    db_state,
    make_group,
    make_task,
    make_user,
    signed_in,
    status_named,
    task_json,
)
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Handover, Task, TaskEvent, handover_tasks


def brief(user) -> dict[str, Any]:
    return {"id": user.id, "name": user.name}


def owners_of(app) -> dict[int, tuple[int | None, int | None, bool, int]]:
    """Every task: (owner, line, open, version)."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Task.id, Task.agent_id, Task.group_id, Task.resolved_at, Task.version)
        )
        return {row[0]: (row[1], row[2], row[3] is None, row[4]) for row in rows}


@pytest.fixture
def shift(app):
    """Alice's shift: open tasks of every category but done, some done, one deleted, and
    other people's tasks."""
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    carol = make_user(app, "carol")
    first = make_group(app, "First line", (alice.user,))
    statuses = {name: status_named(app, name).id for name in ("In progress", "Postponed", "Done")}
    mine = {
        "new": make_task(app, alice.user, "New one"),
        "active": make_task(app, alice.user, "Working", status_id=statuses["In progress"]),
        "postponed": make_task(app, alice.user, "Parked", status_id=statuses["Postponed"]),
        "in line": make_task(
            app, alice.user, "Line task", agent_id=alice.user.id, group_id=first.id
        ),
    }
    done = make_task(app, alice.user, "Done already", status_id=statuses["Done"])
    deleted = make_task(app, alice.user, "Deleted")
    alice.api("DELETE", f"/api/tasks/{deleted.id}")
    others = [make_task(app, carol, "Carol's"), make_task(app, bob, "Bob's own")]
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "first": first,
        "open": mine,
        "done": done,
        "deleted": deleted,
        "others": others,
    }


def test_a_handover_moves_exactly_the_givers_open_tasks(app, shift):
    alice, bob = shift["alice"], shift["bob"]
    before = owners_of(app)
    with app.app_context():
        last_seq = db.session.scalar(sa.select(sa.func.max(TaskEvent.seq)))
    response = alice.api(
        "POST", "/api/handovers", {"to_agent_id": bob.id, "note": "VPN ticket: call at 9"}
    )
    assert response.status_code == 201, response.get_json()
    handover = response.get_json()["handover"]
    open_ids = sorted(task.id for task in shift["open"].values())
    assert set(handover) >= {
        "id",
        "from",
        "to",
        "note",
        "task_ids",
        "created_at",
        "accepted_at",
        "accepted_by",
    }
    assert handover["from"] == brief(alice.user)
    assert handover["to"] == {"agent": brief(bob), "group": None}
    assert handover["note"] == "VPN ticket: call at 9"
    assert sorted(handover["task_ids"]) == open_ids
    assert handover["accepted_at"] is None and handover["accepted_by"] is None

    after = owners_of(app)
    for task_id, (agent, group, is_open, version) in after.items():
        was = before[task_id]
        if task_id in open_ids:  # moved: same line, still open, one version on
            assert (agent, group, is_open, version) == (bob.id, was[1], True, was[3] + 1)
        else:  # done, deleted and other people's tasks: untouched
            assert (agent, group, is_open, version) == was
    assert set(after) == set(before)  # none lost, none made

    with app.app_context():
        logged = db.session.execute(
            sa.select(TaskEvent.seq, TaskEvent.kind, TaskEvent.task_id)
            .where(TaskEvent.seq > last_seq)
            .order_by(TaskEvent.seq)
        ).all()
        linked = db.session.execute(
            sa.select(handover_tasks.c.task_id).where(
                handover_tasks.c.handover_id == handover["id"]
            )
        ).scalars()
        assert sorted(linked) == open_ids
    # one run of seqs: a task event per moved task, then the handover
    assert [seq for seq, _, _ in logged] == list(range(last_seq + 1, last_seq + 6))
    assert [kind for _, kind, _ in logged] == ["task.handed_over"] * 4 + ["handover.created"]
    assert sorted(task_id for _, _, task_id in logged[:4]) == open_ids
    timeline = alice.api("GET", f"/api/tasks/{shift['open']['in line'].id}").get_json()
    moved = timeline["timeline"][-1]
    assert moved["from"] == {"agent": brief(alice.user), "group": moved["to"]["group"]}
    assert moved["to"]["agent"] == brief(bob)
    assert moved["note"] == "VPN ticket: call at 9"
    assert moved["handover_id"] == handover["id"]


def test_a_handover_to_a_line_queues_every_open_task_there(app, shift):
    alice = shift["alice"]
    second = make_group(app, "Second line", (shift["carol"],))
    body = {"to_group_id": second.id, "note": "Night shift: all yours"}
    handover = alice.api("POST", "/api/handovers", body).get_json()["handover"]
    assert handover["to"] == {
        "agent": None,
        "group": {"id": second.id, "name": "Second line", "color": second.color},
    }
    for task in shift["open"].values():
        moved = task_json(app, task.id)
        assert moved["agent"] is None and moved["group"]["id"] == second.id
    queue = signed_in(app, "dan")
    assert queue.api("GET", f"/api/tasks?group={second.id}&unassigned=1").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"note": "to nobody"},
        {"to_agent_id": "{bob}"},
        {"to_agent_id": "{bob}", "note": "  "},
        {"to_agent_id": "{bob}", "to_group_id": "{line}", "note": "both"},
        {"to_agent_id": "{me}", "note": "to myself"},
        {"to_agent_id": "{viewer}", "note": "to a viewer"},
        {"to_agent_id": 4242, "note": "to nobody"},
        {"to_group_id": 4242, "note": "no such line"},
        {"to_agent_id": "{bob}", "note": 7},
    ],
)
def test_a_bad_handover_changes_nothing(app, shift, body):
    alice = shift["alice"]
    viewer = make_user(app, "vera", role=Role.VIEWER)
    values = {
        "{bob}": shift["bob"].id,
        "{line}": shift["first"].id,
        "{me}": alice.user.id,
        "{viewer}": viewer.id,
    }
    filled = {key: values.get(value, value) for key, value in body.items()}
    assert_refused(app, lambda: alice.api("POST", "/api/handovers", filled), 422)


def test_nothing_to_hand_over_is_422(app):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    body = {"to_agent_id": bob.id, "note": "quiet night"}
    response = assert_refused(app, lambda: alice.api("POST", "/api/handovers", body), 422)
    assert "нет открытых задач" in response.get_json()["error"]["message"]


def test_the_receiver_accepts_once_and_a_second_accept_is_409(app, shift):
    alice = shift["alice"]
    bob = signed_in(app, "bobby")
    made = alice.api("POST", "/api/handovers", {"to_agent_id": bob.user.id, "note": "n"})
    handover = made.get_json()["handover"]
    pending = bob.api("GET", "/api/handovers?pending=1").get_json()["handovers"]
    assert [(item["id"], item["can_accept"]) for item in pending] == [(handover["id"], True)]
    assert (
        alice.api("GET", "/api/handovers?pending=1").get_json()["handovers"][0]["can_accept"]
        is False
    )
    # the giver cannot acknowledge on the receiver's behalf
    assert_refused(app, lambda: alice.api("POST", f"/api/handovers/{handover['id']}/accept"), 403)
    accepted = bob.api("POST", f"/api/handovers/{handover['id']}/accept")
    assert accepted.status_code == 200
    body = accepted.get_json()["handover"]
    assert body["accepted_by"] == brief(bob.user) and body["accepted_at"]
    again = assert_refused(
        app, lambda: bob.api("POST", f"/api/handovers/{handover['id']}/accept"), 409
    )
    assert again.get_json()["current"]["accepted_by"] == brief(bob.user)
    assert bob.api("GET", "/api/handovers?pending=1").get_json()["handovers"] == []
    listed = bob.api("GET", "/api/handovers").get_json()["handovers"]
    assert [item["id"] for item in listed] == [handover["id"]]


def test_any_member_of_the_line_accepts_a_handover_to_it(app, shift):
    alice = shift["alice"]
    dan, erin = signed_in(app, "dan"), signed_in(app, "erin")
    second = make_group(app, "Second line", (dan.user, erin.user))
    outsider = signed_in(app, "olga")
    body = {"to_group_id": second.id, "note": "over to you"}
    handover = alice.api("POST", "/api/handovers", body).get_json()["handover"]
    url = f"/api/handovers/{handover['id']}/accept"
    assert_refused(app, lambda: outsider.api("POST", url), 403)
    assert erin.api("POST", url).get_json()["handover"]["accepted_by"] == brief(erin.user)
    assert_refused(app, lambda: dan.api("POST", url), 409)


def test_the_giver_resolved_count_follows_the_shift(app, shift):
    alice = shift["alice"]
    body = {"to_agent_id": shift["bob"].id, "note": "n"}
    handover = alice.api("POST", "/api/handovers", body).get_json()["handover"]
    assert handover["resolved_in_shift"] == 1  # "Done already"; the deleted one does not count
    assert handover["shift"]["start"] < handover["created_at"] < handover["shift"]["end"]


def test_the_printable_sheet_lists_the_tasks_the_note_and_last_comments(app, shift):
    alice = shift["alice"]
    task = shift["open"]["active"]
    alice.api("POST", f"/api/tasks/{task.id}/comments", {"body": "Waiting for <the> vendor"})
    body = {"to_agent_id": shift["bob"].id, "note": "Call the <bank> at 9"}
    handover = alice.api("POST", "/api/handovers", body).get_json()["handover"]
    page = signed_in(app, "vera", role=Role.VIEWER).client.get(f"/tasks/handovers/{handover['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Call the &lt;bank&gt; at 9" in html
    assert "Waiting for &lt;the&gt; vendor" in html
    for moved in shift["open"].values():
        assert moved.title in html
    assert "Done already" not in html
    assert signed_in(app, "x").client.get("/tasks/handovers/4242").status_code == 404


# --- deactivation: nobody's tasks are stranded --------------------------------------------------


def deactivate(admin, person, **extra: Any):
    data = {
        "login": person.login,
        "name": person.name,
        "role": person.role,
        "csrf_token": admin.csrf_token,
        **extra,
    }
    return admin.client.post(f"/admin/users/{person.id}", data=data)


def test_deactivating_a_person_with_open_tasks_asks_where_they_go(app, shift):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = shift["alice"].user
    refused = assert_refused(app, lambda: deactivate(admin, alice), 422)
    assert "ещё есть открытые задачи (4)" in refused.get_data(as_text=True)
    page = admin.client.get(f"/admin/users/{alice.id}").get_data(as_text=True)
    assert 'name="hand_to"' in page


def test_deactivating_hands_the_open_tasks_over_in_the_same_commit(app, shift):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice, bob = shift["alice"].user, shift["bob"]
    response = deactivate(admin, alice, hand_to=f"agent:{bob.id}")
    assert response.status_code == 302
    for task in shift["open"].values():
        assert task_json(app, task.id)["agent"]["id"] == bob.id
    with app.app_context():
        handover = db.session.execute(sa.select(Handover)).scalar_one()
        assert handover.from_user_id == alice.id and handover.to_user_id == bob.id
        assert "Alice" in handover.note and handover.accepted_at is None
    assert shift["alice"].client.get("/api/session").status_code == 401  # signed out


def test_deactivating_can_send_the_tasks_to_a_line(app, shift):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = shift["alice"].user
    second = make_group(app, "Second line")
    response = deactivate(
        admin, alice, hand_to=f"group:{second.id}", handover_note="She left the team"
    )
    assert response.status_code == 302
    for task in shift["open"].values():
        moved = task_json(app, task.id)
        assert moved["agent"] is None and moved["group"]["id"] == second.id


def test_making_somebody_a_viewer_also_hands_their_tasks_on(app, shift):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = shift["alice"].user
    data = {"login": "alice", "name": "Alice", "role": "viewer", "active": "on"}
    refused = assert_refused(
        app,
        lambda: admin.client.post(
            f"/admin/users/{alice.id}", data=data | {"csrf_token": admin.csrf_token}
        ),
        422,
    )
    assert refused.status_code == 422


def test_a_person_without_open_tasks_is_deactivated_without_a_question(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = make_user(app, "alice")
    before = db_state(app)
    assert deactivate(admin, alice).status_code == 302
    assert db_state(app)["users"] != before["users"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Handover.id))) == 0


def test_the_people_page_sets_a_persons_lines(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = make_user(app, "alice")
    first, second = make_group(app, "First line"), make_group(app, "Second line")
    data = {"login": "alice", "name": "Alice", "role": "agent", "active": "on"}
    data |= {"lines_shown": "1", "group_ids": [str(first.id), str(second.id)]}
    assert (
        admin.client.post(
            f"/admin/users/{alice.id}", data=data | {"csrf_token": admin.csrf_token}
        ).status_code
        == 302
    )
    groups = admin.api("GET", "/api/groups").get_json()["groups"]
    assert [group["member_ids"] for group in groups] == [[alice.id], [alice.id]]
    page = admin.client.get("/admin/users").get_data(as_text=True)
    assert "First line" in page and "Second line" in page
    data["group_ids"] = [str(second.id)]
    admin.client.post(f"/admin/users/{alice.id}", data=data | {"csrf_token": admin.csrf_token})
    groups = admin.api("GET", "/api/groups").get_json()["groups"]
    assert [group["member_ids"] for group in groups] == [[], [alice.id]]
    bad = data | {"group_ids": ["4242"], "csrf_token": admin.csrf_token}
    assert_refused(app, lambda: admin.client.post(f"/admin/users/{alice.id}", data=bad), 422)
