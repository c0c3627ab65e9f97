"""Teamwork on the pages' first paint: the queues of my lines, the handover banner (and its
Accept without JavaScript), All tasks filtered by line and "unassigned", the wall's queue lanes
and pending handovers, the lines in Directories. Live behaviour: tests/test_browser_teamwork."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.builders import (
    make_group,
    make_task,
    make_user,
    set_task_times,
    signed_in,
    status_named,
)
from tests.test_pages import page_data, person
from tests.test_wall import snapshot_in
from wesup.enums import Role
from wesup.models import utcnow


@pytest.fixture
def lines(app):
    """Alice and Bob on the first line, Carol on the second; a lead; queued and owned tasks."""
    alice = person(app, "alice")
    bob = make_user(app, "bob", name="Bob")
    carol = make_user(app, "carol", name="Carol")
    lead = make_user(app, "lena", role=Role.LEAD, name="Lena")
    first = make_group(app, "First line", (alice.user, bob))
    second = make_group(app, "Second line", (carol,), color="#e53935")
    queued = make_task(app, lead, "Queued for the first", group_id=first.id)
    other_queue = make_task(app, lead, "Queued for the second", group_id=second.id)
    owned = make_task(app, lead, "Bob's, first line", agent_id=bob.id, group_id=first.id)
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "lead": lead,
        "first": first,
        "second": second,
        "queued": queued,
        "other_queue": other_queue,
        "owned": owned,
    }


def test_my_tasks_shows_the_queue_of_my_lines_only(app, lines):
    html = lines["alice"].client.get("/tasks/mine").get_data(as_text=True)
    queue_part = html.split('id="queue-tasks"', 1)[1].split("</table>", 1)[0]
    assert "Queued for the first" in queue_part
    assert "Queued for the second" not in html
    data = page_data(html)
    assert [task["id"] for task in data["queue"]] == [lines["queued"].id]
    assert data["me"]["group_ids"] == [lines["first"].id]
    assert {person["name"] for person in data["people"]} >= {"Alice", "Bob", "Carol", "Lena"}
    assert [group["name"] for group in data["groups"]] == ["First line", "Second line"]
    assert data["shift"]["start"] < data["shift"]["end"]


def test_somebody_in_no_line_sees_no_queue(app, lines):
    dan = person(app, "dan")
    html = dan.client.get("/tasks/mine").get_data(as_text=True)
    assert '<section class="card queue" id="queue" hidden>' in html


def test_the_banner_shows_a_handover_until_it_is_accepted_without_javascript(app, lines):
    bob_auth = person(app, "bobby")
    giver = lines["alice"]
    make_task(app, giver.user, "VPN for the night")
    body = {"to_agent_id": bob_auth.user.id, "note": "Watch the <VPN>"}
    handover = giver.api("POST", "/api/handovers", body).get_json()["handover"]
    page = bob_auth.client.get("/tasks/mine").get_data(as_text=True)
    assert "Alice handed you their shift" in page
    assert "Watch the &lt;VPN&gt;" in page
    assert page_data(page)["handovers"][0]["id"] == handover["id"]
    assert "Alice handed you their shift" in bob_auth.client.get("/tasks").get_data(as_text=True)
    assert "data-handover-id" not in giver.client.get("/tasks/mine").get_data(as_text=True)

    accepted = bob_auth.client.post(
        f"/tasks/handovers/{handover['id']}/accept", data={"csrf_token": bob_auth.csrf_token}
    )
    assert accepted.status_code == 303
    page = bob_auth.client.get("/tasks/mine").get_data(as_text=True)
    assert "Handover accepted." in page and "data-handover-id" not in page
    again = bob_auth.client.post(
        f"/tasks/handovers/{handover['id']}/accept", data={"csrf_token": bob_auth.csrf_token}
    )
    assert again.status_code == 303  # a second press says who did, changes nothing
    assert "accepted this handover already" in bob_auth.client.get("/tasks/mine").get_data(
        as_text=True
    )


def test_a_handover_to_a_line_shows_in_its_members_banners(app, lines):
    giver = person(app, "zed")
    make_task(app, giver.user, "Night task")
    body = {"to_group_id": lines["first"].id, "note": "All yours"}
    giver.api("POST", "/api/handovers", body)
    page = lines["alice"].client.get("/tasks/mine").get_data(as_text=True)
    assert "Zed handed their shift to the queue of First line" in page


def test_all_tasks_filters_by_line_and_unassigned(app, lines):
    viewer = person(app, "vera", role=Role.VIEWER)

    def titles(query: str) -> set[str]:
        listing = viewer.client.get(f"/api/tasks?{query}").get_json()["tasks"]
        return {task["title"] for task in listing}

    first, second = lines["first"].id, lines["second"].id
    assert titles(f"group={first}") == {"Queued for the first", "Bob's, first line"}
    assert titles("unassigned=1") == {"Queued for the first", "Queued for the second"}
    assert titles(f"group={second}&unassigned=1") == {"Queued for the second"}
    assert titles(f"agent={lines['bob'].id}&unassigned=1") == set()
    html = viewer.client.get(f"/tasks?group={first}&unassigned=1").get_data(as_text=True)
    assert page_data(html)["filters"]["group"] == first
    assert page_data(html)["filters"]["unassigned"] == 1
    assert "Queue: First line" in html and "Queued for the second" not in html
    assert viewer.client.get("/api/tasks?group=x").status_code == 400


def test_the_wall_shows_queue_lanes_first_and_pending_handovers(app, lines):
    giver = lines["alice"]
    make_task(app, giver.user, "Alice's open one")
    body = {"to_agent_id": lines["carol"].id, "note": "n"}
    giver.api("POST", "/api/handovers", body)
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    page = viewer.client.get("/board").get_data(as_text=True)
    data = snapshot_in(page)
    assert [lane["group"]["name"] for lane in data["queues"]] == ["First line", "Second line"]
    assert [[task["title"] for task in lane["tasks"]] for lane in data["queues"]] == [
        ["Queued for the first"],
        ["Queued for the second"],
    ]
    assert [lane["agent"]["name"] for lane in data["lanes"]] == ["Bob", "Carol"]
    assert [(h["from"]["name"], h["to"]["agent"]["name"]) for h in data["handovers"]] == [
        ("Alice", "Carol")
    ]
    assert 'data-handover-alert-minutes="15"' in page


@pytest.mark.parametrize("app_config", [{"HANDOVER_ALERT_MINUTES": 3}])
def test_the_handover_alert_minutes_reach_the_wall(app):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    assert 'data-handover-alert-minutes="3"' in viewer.client.get("/board").get_data(as_text=True)


def test_resolved_this_shift_on_the_wall_and_yesterdays_not(app, lines):
    bob = lines["bob"]
    done = make_task(app, bob, "Closed now", status_id=status_id(app, "Done"))
    old = make_task(app, bob, "Closed long ago", status_id=status_id(app, "Done"))
    set_task_times(
        app,
        old.id,
        received_at=utcnow() - timedelta(days=3),
        resolved_at=utcnow() - timedelta(days=2),
    )
    data = signed_in(app, "vera", role=Role.VIEWER).client.get("/board/data").get_json()
    bob_lane = next(lane for lane in data["lanes"] if lane["agent"]["name"] == "Bob")
    assert [task["id"] for task in bob_lane["resolved_this_shift"]] == [done.id]


def status_id(app, name: str) -> int:
    return status_named(app, name).id


def test_the_directories_list_the_lines_with_their_members(app, lines):
    lead = signed_in(app, "boss", role=Role.LEAD)
    html = lead.client.get("/directories").get_data(as_text=True)
    data = page_data(html)
    assert [group["name"] for group in data["groups"]] == ["First line", "Second line"]
    assert "Alice, Bob" in html


def test_a_lead_logs_a_request_for_a_person_or_a_line_from_my_tasks(app, lines):
    lead = person(app, "boss", role=Role.LEAD)
    page = lead.client.get("/tasks/mine").get_data(as_text=True)
    assert 'name="for"' in page
    assert 'name="for"' not in lines["alice"].client.get("/tasks/mine").get_data(as_text=True)
    for target, title in [
        (f"agent:{lines['bob'].id}", "For Bob"),
        (f"group:{lines['second'].id}", "For the queue"),
    ]:
        form = {"title": title, "for": target, "csrf_token": lead.csrf_token}
        assert lead.client.post("/tasks/mine", data=form).status_code == 303
    listing = {task["title"]: task for task in lead.api("GET", "/api/tasks").get_json()["tasks"]}
    assert listing["For Bob"]["agent"]["id"] == lines["bob"].id
    assert listing["For the queue"]["agent"] is None
    assert listing["For the queue"]["group"]["id"] == lines["second"].id
