"""Incidents: a lead links many chats' tasks under one title; resolving it resolves every
linked task in one commit, with the ordinary task events; a task is in one open incident at
most; the wall board shows open incidents on top."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import (
    assert_refused,
    live_events,
    make_chat,
    make_task,
    make_user,
    signed_in,
    status_named,
    task_json,
)
from tests.test_security import InlineFinder
from wesup.enums import EventKind, Role
from wesup.extensions import db
from wesup.models import IncidentTask, TaskEvent


@pytest.fixture
def outage(app) -> dict[str, Any]:
    """Three chats report the same outage to two agents; a lead is on duty."""
    lead = signed_in(app, "lead", Role.LEAD)
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    chats = [make_chat(app, name) for name in ("Acme", "Globex", "Initech")]
    tasks = [
        make_task(app, alice.user, "Mail is down", chat_id=chats[0].id),
        make_task(app, alice.user, "Cannot send mail", chat_id=chats[1].id),
        make_task(app, bob, "Outlook errors", chat_id=chats[2].id),
    ]
    return {"lead": lead, "alice": alice, "bob": bob, "chats": chats, "tasks": tasks}


def ids(items: list[Any]) -> list[int]:
    return [item.id for item in items]


def create(lead, title: str = "Mail outage", task_ids: list[int] | None = None) -> dict:
    response = lead.api("POST", "/api/incidents", {"title": title, "task_ids": task_ids or []})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["incident"]


def events_after(app, seq: int) -> list[TaskEvent]:
    with app.app_context():
        query = sa.select(TaskEvent).where(TaskEvent.seq > seq).order_by(TaskEvent.seq)
        found = list(db.session.execute(query).unique().scalars())
        for event in found:
            db.session.expunge(event)
        return found


def last_seq(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(TaskEvent.seq))) or 0


# --- create, link, unlink ------------------------------------------------------------------


def test_a_lead_links_three_chats_tasks_into_one_incident(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, "Mail outage", ids(tasks))
    assert incident["title"] == "Mail outage"
    assert incident["status"] == "open"
    assert incident["task_ids"] == ids(tasks)
    assert [chat["name"] for chat in incident["chats"]] == ["Acme", "Globex", "Initech"]
    assert incident["open_task_count"] == 3
    shown = lead.api("GET", f"/api/incidents/{incident['id']}").get_json()["incident"]
    assert [task["chat"]["name"] for task in shown["tasks"]] == ["Acme", "Globex", "Initech"]
    listed = outage["alice"].api("GET", "/api/incidents").get_json()["incidents"]
    assert [item["id"] for item in listed] == [incident["id"]]


def test_tasks_are_added_and_unlinked_later(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, task_ids=[tasks[0].id])
    url = f"/api/incidents/{incident['id']}"
    added = lead.api("POST", f"{url}/tasks", {"task_ids": [tasks[1].id, tasks[2].id, tasks[0].id]})
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["incident"]["task_ids"] == ids(tasks)
    removed = lead.api("DELETE", f"{url}/tasks/{tasks[1].id}")
    assert removed.status_code == 200
    assert removed.get_json()["incident"]["task_ids"] == [tasks[0].id, tasks[2].id]
    # unlinked, it may go into another incident
    other = create(lead, "Something else", [tasks[1].id])
    assert other["task_ids"] == [tasks[1].id]
    kinds = [event.kind for event in events_after(app, 0) if event.kind.startswith("incident.")]
    assert kinds == [
        EventKind.INCIDENT_CREATED,
        EventKind.INCIDENT_LINKED,
        EventKind.INCIDENT_UNLINKED,
        EventKind.INCIDENT_CREATED,
    ]


def test_a_task_in_an_open_incident_cannot_join_another(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    first = create(lead, "Mail outage", [tasks[0].id])
    second = create(lead, "VPN outage", [tasks[1].id])
    refused = assert_refused(
        app,
        lambda: lead.api("POST", "/api/incidents", {"title": "Again", "task_ids": [tasks[0].id]}),
        409,
        "conflict",
    )
    assert refused.get_json()["incident"] == {"id": first["id"], "title": "Mail outage"}
    assert_refused(
        app,
        lambda: lead.api(
            "POST", f"/api/incidents/{second['id']}/tasks", {"task_ids": [tasks[2].id, tasks[0].id]}
        ),
        409,
        "conflict",
    )


def test_the_database_holds_one_open_link_per_task(app, outage):
    """Two leads linking the same task at the same moment: the index refuses the second."""
    lead, task = outage["lead"], outage["tasks"][0]
    first = create(lead, "One", [task.id])
    second = create(lead, "Two")
    with app.app_context():
        db.session.add(
            IncidentTask(incident_id=second["id"], task_id=task.id, linked_by_id=lead.user.id)
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert first["task_ids"] == [task.id]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"task_ids": []}, "title"),
        ({"title": "  ", "task_ids": []}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "Outage", "task_ids": "1"}, "task_ids"),
        ({"title": "Outage", "task_ids": ["one"]}, "task_ids"),
        ({"title": "Outage", "task_ids": [True]}, "task_ids"),
        ({"title": "Outage", "task_ids": [99999]}, "task_ids"),
        ({"title": "Outage", "task_ids": list(range(1, 502))}, "task_ids"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(app, outage, body, field):
    response = assert_refused(
        app, lambda: outage["lead"].api("POST", "/api/incidents", body), 422, "validation_failed"
    )
    assert field in response.get_json()["error"]["fields"]


def test_resolved_and_deleted_tasks_cannot_be_linked(app, outage):
    lead, alice, tasks = outage["lead"], outage["alice"], outage["tasks"]
    done = status_named(app, "Done")
    version = task_json(app, tasks[0].id)["version"]
    alice.api("PATCH", f"/api/tasks/{tasks[0].id}", {"status_id": done.id, "version": version})
    alice.api("DELETE", f"/api/tasks/{tasks[1].id}")
    for task in tasks[:2]:
        assert_refused(
            app,
            lambda task=task: lead.api(
                "POST", "/api/incidents", {"title": "Outage", "task_ids": [task.id]}
            ),
            422,
        )


def test_agents_and_viewers_look_but_do_not_manage(app, outage):
    lead, alice, tasks = outage["lead"], outage["alice"], outage["tasks"]
    viewer = signed_in(app, "watcher", Role.VIEWER)
    incident = create(lead, task_ids=[tasks[0].id])
    url = f"/api/incidents/{incident['id']}"
    for person in (alice, viewer):
        assert person.api("GET", url).status_code == 200
        assert person.client.get(f"/incidents/{incident['id']}").status_code == 200
        for method, path, body in [
            ("POST", "/api/incidents", {"title": "Mine", "task_ids": [tasks[1].id]}),
            ("POST", f"{url}/tasks", {"task_ids": [tasks[1].id]}),
            ("DELETE", f"{url}/tasks/{tasks[0].id}", None),
            ("POST", f"{url}/resolve", {"message": "fixed"}),
        ]:
            assert_refused(
                app, lambda who=person, m=method, p=path, b=body: who.api(m, p, b), 403, "forbidden"
            )


def test_nobody_signed_out_reaches_incidents(app, client, outage):
    incident = create(outage["lead"])
    assert client.get("/api/incidents").status_code == 401
    assert client.get(f"/incidents/{incident['id']}").status_code in (302, 401)


def test_unknown_incidents_and_links_are_404(app, outage):
    lead, task = outage["lead"], outage["tasks"][0]
    incident = create(lead)
    assert lead.api("GET", "/api/incidents/999").status_code == 404
    assert_refused(app, lambda: lead.api("POST", "/api/incidents/999/resolve", {}), 404)
    assert_refused(
        app, lambda: lead.api("DELETE", f"/api/incidents/{incident['id']}/tasks/{task.id}"), 404
    )


# --- resolve -------------------------------------------------------------------------------


def test_resolving_resolves_every_linked_open_task_with_its_events(app, outage, socket_client):
    lead, alice, tasks = outage["lead"], outage["alice"], outage["tasks"]
    other = make_task(app, alice.user, "Unrelated")
    incident = create(lead, "Mail outage", ids(tasks))
    board = socket_client(lead.client, view="board")
    mine = socket_client(alice.client, view="mine")
    board.get_received()
    mine.get_received()
    before = last_seq(app)
    response = lead.api(
        "POST", f"/api/incidents/{incident['id']}/resolve", {"message": "Mail is back"}
    )
    assert response.status_code == 200, response.get_json()
    resolved = response.get_json()["incident"]
    assert resolved["status"] == "resolved"
    assert resolved["resolve_message"] == "Mail is back"
    assert resolved["resolved_by"]["id"] == lead.user.id
    assert resolved["open_task_count"] == 0
    for task in tasks:  # the first done status by position: the default "Done"
        now = task_json(app, task.id)
        assert now["status"]["name"] == "Done" and now["resolved_at"] is not None
    assert task_json(app, other.id)["resolved_at"] is None
    recorded = events_after(app, before)
    assert [event.kind for event in recorded] == [EventKind.TASK_STATUS] * 3 + [
        EventKind.INCIDENT_RESOLVED
    ]
    assert [event.task_id for event in recorded[:3]] == ids(tasks)
    assert all(event.data["incident"]["id"] == incident["id"] for event in recorded)
    seqs = [event.seq for event in recorded]
    assert seqs == list(range(seqs[0], seqs[0] + 4))  # one commit, one run of seqs
    assert [m["kind"] for m in live_events(board)] == [event.kind for event in recorded]
    # Alice sees her two tasks resolve, and the incident
    assert [m.get("task_id") for m in live_events(mine)] == [tasks[0].id, tasks[1].id, None]


def test_a_task_resolved_on_its_own_is_left_as_it_is(app, outage):
    lead, alice, tasks = outage["lead"], outage["alice"], outage["tasks"]
    incident = create(lead, task_ids=ids(tasks))
    done = status_named(app, "Done")
    version = task_json(app, tasks[0].id)["version"]
    alice.api("PATCH", f"/api/tasks/{tasks[0].id}", {"status_id": done.id, "version": version})
    kept = task_json(app, tasks[0].id)
    before = last_seq(app)
    lead.api("POST", f"/api/incidents/{incident['id']}/resolve", {})
    assert task_json(app, tasks[0].id) == kept
    assert [event.task_id for event in events_after(app, before)] == [
        tasks[1].id,
        tasks[2].id,
        None,
    ]


def test_a_resolved_incident_is_closed_to_changes(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, task_ids=[tasks[0].id])
    url = f"/api/incidents/{incident['id']}"
    assert lead.client.post(f"{url}/resolve", headers=lead.headers()).status_code == 200
    assert_refused(app, lambda: lead.api("POST", f"{url}/resolve", {}), 409, "conflict")
    assert_refused(app, lambda: lead.api("POST", f"{url}/tasks", {"task_ids": [tasks[1].id]}), 409)
    assert_refused(app, lambda: lead.api("DELETE", f"{url}/tasks/{tasks[0].id}"), 409)
    # its tasks are free again: a task reopened later can go into a new incident
    assert lead.api("GET", "/api/incidents").get_json()["incidents"] == []
    listed = lead.api("GET", "/api/incidents?resolved=1").get_json()["incidents"]
    assert [(item["id"], item["status"]) for item in listed] == [(incident["id"], "resolved")]


def test_a_bad_message_resolves_nothing(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, task_ids=ids(tasks))
    url = f"/api/incidents/{incident['id']}/resolve"
    assert_refused(app, lambda: lead.api("POST", url, {"message": 5}), 422)
    assert_refused(app, lambda: lead.api("POST", url, {"message": "x" * 2001}), 422)
    assert_refused(app, lambda: lead.api("POST", url, ["x"]), 400)


def test_resolving_without_a_done_status_is_refused(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, task_ids=ids(tasks))
    done = status_named(app, "Done")
    archived = lead.api("DELETE", f"/api/statuses/{done.id}")  # in use: archived
    assert archived.status_code == 200, archived.get_json()
    response = assert_refused(
        app, lambda: lead.api("POST", f"/api/incidents/{incident['id']}/resolve", {}), 422
    )
    assert "status" in response.get_json()["error"]["fields"]


# --- pages and the wall --------------------------------------------------------------------


def test_the_incident_page_shows_tasks_and_chats_and_the_lead_resolves_there(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, "Mail <b>outage</b>", ids(tasks[:2]))
    page = lead.client.get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert "Mail &lt;b&gt;outage&lt;/b&gt;" in page
    for text in ("Mail is down", "Cannot send mail", "Acme", "Globex", "Outlook errors"):
        assert text in page  # the third task is offered to add
    listing = lead.client.get("/incidents").get_data(as_text=True)
    assert f"/incidents/{incident['id']}" in listing
    form = {"csrf_token": lead.csrf_token, "task_ids": [str(tasks[2].id)]}
    linked = lead.client.post(f"/incidents/{incident['id']}/tasks", data=form)
    assert linked.status_code == 303
    answer = lead.client.post(
        f"/incidents/{incident['id']}/resolve",
        data={"csrf_token": lead.csrf_token, "message": "Back"},
    )
    assert answer.status_code == 303
    for task in tasks:
        assert task_json(app, task.id)["resolved_at"] is not None


def test_the_wall_shows_open_incidents_on_top(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    older = create(lead, "VPN outage", [tasks[2].id])
    newer = create(lead, "Mail outage", ids(tasks[:2]))
    data = lead.client.get("/board/data").get_json()
    assert [item["title"] for item in data["incidents"]] == ["Mail outage", "VPN outage"]
    assert data["incidents"][0]["chats"] == [
        {"id": outage["chats"][0].id, "name": "Acme"},
        {"id": outage["chats"][1].id, "name": "Globex"},
    ]
    assert data["incidents"][0]["open_task_count"] == 2
    page = lead.client.get("/board").get_data(as_text=True)
    assert page.index('id="wall-incidents"') < page.index('id="wall-lanes"')
    lead.api("POST", f"/api/incidents/{older['id']}/resolve", {})
    data = lead.client.get("/board/data").get_json()
    assert [item["id"] for item in data["incidents"]] == [newer["id"]]


def test_incident_pages_have_no_inline_script_or_style(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    incident = create(lead, "Mail outage", ids(tasks[:2]))
    for path in ("/incidents", f"/incidents/{incident['id']}"):
        finder = InlineFinder()
        finder.feed(lead.client.get(path).get_data(as_text=True))
        assert finder.found == []


def test_the_wall_hears_an_incident_start_and_end_live(app, outage, socket_client):
    lead, tasks = outage["lead"], outage["tasks"]
    wall = socket_client(outage["alice"].client, view="wall")
    wall.get_received()
    incident = create(lead, "Mail outage", ids(tasks))
    lead.api("POST", f"/api/incidents/{incident['id']}/resolve", {})
    heard = [m for m in live_events(wall) if m["kind"].startswith("incident.")]
    assert [(m["kind"], m["incident"]["status"]) for m in heard] == [
        (EventKind.INCIDENT_CREATED, "open"),
        (EventKind.INCIDENT_RESOLVED, "resolved"),
    ]
    assert heard[0]["incident"]["chats"] == [
        {"id": chat.id, "name": chat.name} for chat in outage["chats"]
    ]


def test_the_forms_say_why_a_change_was_refused(app, outage):
    lead, tasks = outage["lead"], outage["tasks"]
    lead.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = lead.client.post(
        "/incidents", data={"csrf_token": lead.csrf_token, "title": " "}, follow_redirects=True
    )
    assert "The incident was not saved." in refused.get_data(as_text=True)
    made = lead.client.post(
        "/incidents",
        data={"csrf_token": lead.csrf_token, "title": "VPN", "task_ids": [str(tasks[0].id)]},
    )
    assert made.status_code == 303
    incident_url = made.headers["Location"]
    again = lead.client.post(
        "/incidents",
        data={"csrf_token": lead.csrf_token, "title": "Twice", "task_ids": [str(tasks[0].id)]},
        follow_redirects=True,
    )
    assert "already in the open incident" in again.get_data(as_text=True)
    unlinked = lead.client.post(
        f"{incident_url}/tasks/{tasks[0].id}/unlink",
        data={"csrf_token": lead.csrf_token},
        follow_redirects=True,
    )
    assert "Task unlinked." in unlinked.get_data(as_text=True)
    missing = lead.client.post(
        f"{incident_url}/tasks/{tasks[0].id}/unlink", data={"csrf_token": lead.csrf_token}
    )
    assert missing.status_code == 404
