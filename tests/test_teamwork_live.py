"""Assign, transfer, take, handover and accept reach, live and on replay, exactly the old and
new owner's pages, the members of the old and new line (room group:<id>) and the boards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import (
    Auth,
    as_user,
    live_events,
    make_group,
    make_task,
    make_user,
    signed_in,
)
from wesup.directories import service as directories
from wesup.enums import Role
from wesup.events import latest_seq


@pytest.fixture
def team(app, socket_client) -> dict[str, Any]:
    """Alice (first line) owns a task; Bob and Carol are on the second line; Dan is in no line;
    Vera (viewer) watches the board. Every person has a My-tasks-like page ("mine" view: own
    and line rooms only) open; Vera the board."""
    people = {login: signed_in(app, login) for login in ("alice", "bob", "carol", "dan")}
    people["lena"] = signed_in(app, "lena", role=Role.LEAD)
    people["vera"] = signed_in(app, "vera", role=Role.VIEWER)
    first = make_group(app, "First line", (people["alice"].user,))
    second = make_group(app, "Second line", (people["bob"].user, people["carol"].user))
    task = make_task(app, people["alice"].user, "VPN down")
    with app.app_context():
        seen = latest_seq()
    sockets = {
        login: socket_client(auth.client, view="board" if login == "vera" else "mine")
        for login, auth in people.items()
    }
    for sio in sockets.values():
        assert sio.is_connected()
        sio.get_received()
    return {
        **people,
        "sockets": sockets,
        "first": first,
        "second": second,
        "task": task,
        "seen": seen,
    }


def who_got(team: dict[str, Any], kind: str) -> set[str]:
    """The people whose page received an event of this kind since the last look."""
    got = set()
    for login, sio in team["sockets"].items():
        if any(event["kind"] == kind for event in live_events(sio)):
            got.add(login)
    return got


def replayed_to(app, socket_client, auth: Auth, since: int, view: str = "mine") -> list[str]:
    """The kinds a page of `auth` reconnecting with `since` gets replayed."""
    sio = socket_client(auth.client, view=view, since=since)
    replays = [item["args"][0] for item in sio.get_received() if item["name"] == "replay"]
    return [event["kind"] for event in replays[0]["events"]]


def test_an_escalation_reaches_the_old_owner_the_new_line_and_the_board(app, team, socket_client):
    alice = team["alice"]
    body = {"group_id": team["second"].id, "note": "Needs the database"}
    assert alice.api("POST", f"/api/tasks/{team['task'].id}/transfer", body).status_code == 200
    # Alice had it, Bob and Carol are its new line, Vera watches the board; Dan has no part
    assert who_got(team, "task.transferred") == {"alice", "bob", "carol", "vera"}
    for login, expected in [("carol", True), ("alice", True), ("dan", False), ("lena", False)]:
        kinds = replayed_to(app, socket_client, team[login], team["seen"])
        assert ("task.transferred" in kinds) is expected, login


def test_a_take_reaches_the_taker_the_line_and_the_board(app, team, socket_client):
    lead = team["lena"]
    queued = lead.api("POST", "/api/tasks", {"title": "Q", "group_id": team["second"].id})
    task_id = queued.get_json()["task"]["id"]
    assert who_got(team, "task.created") == {"bob", "carol", "vera"}
    assert team["bob"].api("POST", f"/api/tasks/{task_id}/take").status_code == 200
    assert who_got(team, "task.taken") == {"bob", "carol", "vera"}
    kinds = replayed_to(app, socket_client, team["carol"], team["seen"])
    assert kinds == ["task.created", "task.taken"]


def test_an_assignment_reaches_the_old_and_new_owner(app, team, socket_client):
    lead, task = team["lena"], team["task"]
    body = {"version": 1, "agent_id": team["dan"].user.id}
    assert lead.api("PATCH", f"/api/tasks/{task.id}", body).status_code == 200
    assert who_got(team, "task.assigned") == {"alice", "dan", "vera"}
    assert replayed_to(app, socket_client, team["dan"], team["seen"]) == ["task.assigned"]
    # and later changes of the task reach Dan, no longer Alice
    team["dan"].api("POST", f"/api/tasks/{task.id}/comments", {"body": "on it"})
    assert who_got(team, "task.commented") == {"dan", "vera"}


def test_a_handover_and_its_acceptance_reach_giver_receiver_and_board(app, team, socket_client):
    alice, carol = team["alice"], team["carol"]
    body = {"to_group_id": team["second"].id, "note": "Night shift"}
    made = alice.api("POST", "/api/handovers", body).get_json()["handover"]
    received = {login: live_events(sio) for login, sio in team["sockets"].items()}
    for login in ("alice", "bob", "carol", "vera"):
        kinds = [event["kind"] for event in received[login]]
        assert kinds == ["task.handed_over", "handover.created"], login
    for login in ("dan", "lena"):
        assert received[login] == [], login
    handover = received["carol"][-1]["handover"]
    assert handover["id"] == made["id"] and handover["note"] == "Night shift"
    assert carol.api("POST", f"/api/handovers/{made['id']}/accept").status_code == 200
    assert who_got(team, "handover.accepted") == {"alice", "bob", "carol", "vera"}
    kinds = replayed_to(app, socket_client, team["bob"], team["seen"])
    assert kinds == ["task.handed_over", "handover.created", "handover.accepted"]
    board = replayed_to(app, socket_client, team["vera"], team["seen"], view="board")
    assert board == kinds


def test_joining_a_line_takes_effect_for_open_pages(app, team):
    """No reload, no reconnect: the line's event moves the sockets of who joined or left
    (wesup/relay.py), so the next event of the line reaches exactly its members now."""
    dan, bob, lead = team["dan"], team["bob"], team["lena"]
    admin = make_user(app, "root", role=Role.ADMIN)
    second = team["second"]
    members = [team["carol"].user.id, dan.user.id]  # Bob leaves, Dan joins
    as_user(app, admin, directories.update_group, second.id, {"member_ids": members})
    updated = [e for e in live_events(team["sockets"]["dan"]) if e["kind"] == "group.updated"]
    assert updated[0]["joined"] == [dan.user.id] and updated[0]["left"] == [bob.user.id]
    for sio in team["sockets"].values():
        sio.get_received()
    lead.api("POST", "/api/tasks", {"title": "For the line", "group_id": second.id})
    assert who_got(team, "task.created") == {"dan", "carol", "vera"}
    # the People page moves a person the same way
    admin_auth = signed_in(app, "boss", role=Role.ADMIN)
    form = {"login": "bob", "name": "Bob", "role": "agent", "active": "on", "lines_shown": "1"}
    form |= {"group_ids": [str(second.id)], "csrf_token": admin_auth.csrf_token}
    assert admin_auth.client.post(f"/admin/users/{bob.user.id}", data=form).status_code == 302
    for sio in team["sockets"].values():
        sio.get_received()
    lead.api("POST", "/api/tasks", {"title": "Again for the line", "group_id": second.id})
    assert who_got(team, "task.created") == {"bob", "dan", "carol", "vera"}


def test_an_archived_line_is_no_longer_a_room_of_its_members(app, team):
    lead = team["lena"]
    owned = lead.api(
        "POST",
        "/api/tasks",
        {"title": "x", "group_id": team["second"].id, "agent_id": team["bob"].user.id},
    )
    task_id = owned.get_json()["task"]["id"]
    assert lead.api("DELETE", f"/api/groups/{team['second'].id}").get_json()["removed"] is False
    for sio in team["sockets"].values():
        sio.get_received()
    # a change of a task still labelled with the archived line reaches its owner, not the line
    lead.api("POST", f"/api/tasks/{task_id}/comments", {"body": "still here"})
    assert who_got(team, "task.commented") == {"bob", "vera"}
    restored = lead.api("POST", f"/api/groups/{team['second'].id}/restore")
    assert restored.status_code == 200
    lead.api("POST", f"/api/tasks/{task_id}/comments", {"body": "and back"})
    assert who_got(team, "task.commented") == {"bob", "carol", "vera"}
