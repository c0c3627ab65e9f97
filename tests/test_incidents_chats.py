"""Incidents and the chats: resolving an incident tells each source chat once (even when
several of its tasks came from one chat), never also the per-task "resolved" message; and
"announce to the incident's chats" is one announcement to those chats.

Every target is a real HTTP server on 127.0.0.1 (tests/receivers.py); the sender runs one
round at a time (`notify.drain_once`), as in tests/test_notify.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import assert_refused, make_chat, signed_in, status_named
from tests.receivers import Receiver
from wesup import notify
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Delivery, utcnow

pytestmark = pytest.mark.parametrize(
    "app_config",
    [{"NOTIFY_PRIVATE_HOSTS": "127.0.0.1", "NOTIFY_TIMEOUT": 1, "DEFAULT_LOCALE": "en"}],
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver().start()
    yield target
    target.stop()


def drain(app) -> int:
    with app.app_context():
        return notify.drain_once(utcnow())


def deliveries(app) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Delivery).order_by(Delivery.id)).all()
        return [row.to_dict() for row in rows]


@pytest.fixture
def outage(app, receiver) -> dict[str, Any]:
    """Three chats with addresses (paths /acme, /globex, /initech on one receiver) report
    one outage: Acme three times, the others once; a fourth chat has no address."""
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "alice")
    chats = {}
    for name in ("Acme", "Globex", "Initech"):
        chat = make_chat(app, name)
        url = receiver.url(path=f"/{name.lower()}")
        assert lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": url}).status_code == 200
        chats[name] = chat.id
    chats["Silent"] = make_chat(app, "Silent").id
    reports = ["Acme", "Acme", "Acme", "Globex", "Initech", "Silent"]
    tasks = []
    for number, name in enumerate(reports):
        body = {"title": f"Mail down #{number}", "chat_id": chats[name]}
        response = agent.api("POST", "/api/tasks", body)
        assert response.status_code == 201, response.get_json()
        tasks.append(response.get_json()["task"]["id"])
    response = lead.api("POST", "/api/incidents", {"title": "Mail outage", "task_ids": tasks})
    assert response.status_code == 201, response.get_json()
    return {
        "lead": lead,
        "agent": agent,
        "chats": chats,
        "tasks": tasks,
        "incident": response.get_json()["incident"],
    }


def test_resolving_tells_each_source_chat_once(app, receiver, outage):
    lead, incident = outage["lead"], outage["incident"]
    url = f"/api/incidents/{incident['id']}/resolve"
    assert lead.api("POST", url, {"message": "Mail is back"}).status_code == 200
    assert drain(app) == 3
    assert receiver.wait_for(3)
    told = sorted((item["path"], item["message"]) for item in receiver.received)
    text = "The incident “Mail outage” is resolved: Mail is back"
    assert told == [("/acme", text), ("/globex", text), ("/initech", text)]
    # no per-task "Resolved: …" for the five tasks the incident resolved
    assert [item["kind"] for item in deliveries(app)] == ["incident.resolved"] * 3
    drain(app)
    assert len(receiver.received) == 3


def test_a_chat_whose_tasks_all_untick_tell_chat_is_not_told(app, receiver, outage):
    lead, agent, tasks = outage["lead"], outage["agent"], outage["tasks"]
    version = agent.api("GET", f"/api/tasks/{tasks[3]}").get_json()["task"]["version"]
    unticked = agent.api(
        "PATCH", f"/api/tasks/{tasks[3]}", {"tell_chat": False, "version": version}
    )
    assert unticked.status_code == 200, unticked.get_json()
    lead.api("POST", f"/api/incidents/{outage['incident']['id']}/resolve", {})
    drain(app)
    assert receiver.wait_for(2)
    assert sorted(item["path"] for item in receiver.received) == ["/acme", "/initech"]
    assert receiver.messages[0] == "The incident “Mail outage” is resolved."


def test_a_task_resolved_on_its_own_still_tells_its_chat_the_usual_way(app, receiver, outage):
    agent, tasks = outage["agent"], outage["tasks"]
    done = status_named(app, "Done")
    version = agent.api("GET", f"/api/tasks/{tasks[4]}").get_json()["task"]["version"]
    agent.api("PATCH", f"/api/tasks/{tasks[4]}", {"status_id": done.id, "version": version})
    drain(app)
    assert receiver.wait_for(1)
    assert receiver.messages == ["Resolved: Mail down #4"]


def test_announcing_to_the_incidents_chats_is_one_announcement(app, receiver, outage):
    lead, incident = outage["lead"], outage["incident"]
    response = lead.api(
        "POST", f"/api/incidents/{incident['id']}/announce", {"text": "We are on it"}
    )
    assert response.status_code == 202, response.get_json()
    announcement = response.get_json()["announcement"]
    want = sorted(outage["chats"][name] for name in ("Acme", "Globex", "Initech"))
    assert sorted(d["chat_id"] for d in announcement["deliveries"]) == want
    drain(app)
    assert receiver.wait_for(3)
    assert sorted(receiver.messages) == ["We are on it"] * 3
    # the one-click form on the page does the same, then shows the announcements page
    page = lead.client.post(
        f"/incidents/{incident['id']}/announce",
        data={"csrf_token": lead.csrf_token, "text": "Still on it"},
    )
    assert page.status_code == 303


def test_only_leads_announce_and_a_text_is_needed(app, outage):
    url = f"/api/incidents/{outage['incident']['id']}/announce"
    assert_refused(app, lambda: outage["agent"].api("POST", url, {"text": "Hi"}), 403)
    assert_refused(app, lambda: outage["lead"].api("POST", url, {"text": " "}), 422)
