"""My shift, ready to paste: the agent's end-of-shift report from their tasks and the event log
of the current shift (wesup/reports/myshift.py), and its page with the Copy button."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from tests.builders import make_user, set_task_times, signed_in, status_named
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import TaskEvent, User, utcnow
from wesup.reports.myshift import my_shift


def post_task(auth, title: str, **data) -> dict:
    response = auth.api("POST", "/api/tasks", {"title": title, **data})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["task"]


def set_status(auth, task: dict, status_id: int) -> dict:
    response = auth.api(
        "PATCH", f"/api/tasks/{task['id']}", {"status_id": status_id, "version": task["version"]}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["task"]


@pytest.fixture
def shift_day(app):
    """Alice's shift so far: four tasks came to her (three she logged, one a lead logged for
    her), she resolved one, handed one on to Bob and commented on one still open; Bob's own
    task and a task that was hers last shift are none of her shift's business."""
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    bob = make_user(app, "bob", name="Bob")
    done = status_named(app, "Done")
    resolved = post_task(alice, "Password reset for Acme")
    set_status(alice, resolved, done.id)
    handed = post_task(alice, "VPN drops every hour")
    response = alice.api(
        "POST",
        f"/api/tasks/{handed['id']}/transfer",
        {"agent_id": bob.id, "note": "Bob knows the VPN", "version": handed["version"]},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    waiting = post_task(alice, "Invoice   is\nwrong")
    comment = alice.api(
        "POST", f"/api/tasks/{waiting['id']}/comments", {"body": "Waiting for the client\nto call"}
    )
    assert comment.status_code == 201, comment.get_data(as_text=True)
    given = post_task(lead, "Printer on floor 3", agent_id=alice.user.id)
    post_task(signed_in(app, "bruno"), "Not Alice's")
    # logged last shift, still hers: open, but it did not come to her this shift
    old = post_task(alice, "Old one")
    with app.app_context():
        event = db.session.query(TaskEvent).filter_by(task_id=old["id"]).one()
        event.created_at = utcnow() - timedelta(days=2)
        db.session.commit()
    set_task_times(app, old["id"], received_at=utcnow() - timedelta(days=2))
    return {
        "alice": alice,
        "resolved": resolved,
        "handed": handed,
        "waiting": waiting,
        "given": given,
        "old": old,
    }


def test_the_shift_counts_what_came_what_was_resolved_handed_over_and_is_still_open(app, shift_day):
    with app.app_context():
        report = my_shift(db.session.get(User, shift_day["alice"].user.id))
        received = [task.id for task in report.received]
        resolved = [task.id for task in report.resolved]
        handed = [(item.task.id, item.to) for item in report.handed_on]
        still_open = [task.id for task in report.still_open]
    ids = {name: task["id"] for name, task in shift_day.items() if name != "alice"}
    assert received == [ids["resolved"], ids["handed"], ids["waiting"], ids["given"]]
    assert resolved == [ids["resolved"]]
    assert handed == [(ids["handed"], "Bob")]
    assert still_open == [ids["old"], ids["waiting"], ids["given"]]


def test_the_text_is_ready_to_paste_one_line_per_figure_and_task(app, shift_day):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = my_shift(db.session.get(User, shift_day["alice"].user.id)).text()
    lines = text.split("\n")
    assert lines[0].startswith("Shift report: Alice, ")
    assert lines[1:4] == ["Received: 4", "Resolved: 1", "Handed over: 1"]
    handed, waiting = shift_day["handed"]["id"], shift_day["waiting"]["id"]
    assert lines[4] == f"  • #{handed} VPN drops every hour → Bob"
    assert lines[5] == "Still open: 3"
    # a title or comment spread over lines stays on one line of the text
    assert f"  • #{waiting} Invoice is wrong [Accepted]: Waiting for the client to call" in lines


def test_a_task_handed_on_and_given_back_is_not_handed_over(app):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    bob = make_user(app, "bob")
    task = post_task(alice, "Back and forth")
    moved = alice.api(
        "POST", f"/api/tasks/{task['id']}/transfer", {"agent_id": bob.id, "version": 1}
    ).get_json()["task"]
    back = lead.api(
        "POST",
        f"/api/tasks/{task['id']}/transfer",
        {"agent_id": alice.user.id, "version": moved["version"]},
    )
    assert back.status_code == 200, back.get_data(as_text=True)
    with app.app_context():
        report = my_shift(db.session.get(User, alice.user.id))
        assert report.handed_on == []
        assert [item.id for item in report.still_open] == [task["id"]]


def test_the_page_shows_the_figures_and_the_text_to_copy_in_the_readers_language(app, shift_day):
    alice = shift_day["alice"]
    html = alice.client.get("/reports/my-shift", headers={"Accept-Language": "en"})
    html = html.get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', html))
    assert figures == {"received": "4", "resolved": "1", "handed_on": "1", "still_open": "3"}
    text = unescape(re.search(r'id="my-shift-text"[^>]*>([^<]*)</textarea>', html).group(1))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert text == my_shift(db.session.get(User, alice.user.id)).text()
    assert 'data-copy="#my-shift-text"' in html
    russian = alice.client.get("/reports/my-shift", headers={"Accept-Language": "ru"})
    page = russian.get_data(as_text=True)
    assert "Поступило: 4" in page and "Решено: 1" in page and "Передано: 1" in page


def test_my_tasks_links_to_my_shift(app):
    alice = signed_in(app, "alice")
    html = alice.client.get("/tasks/mine").get_data(as_text=True)
    assert 'href="/reports/my-shift"' in html


@pytest.mark.parametrize(
    ("role", "status", "where"),
    [
        (Role.AGENT, 200, None),
        (Role.LEAD, 200, None),
        (Role.ADMIN, 200, None),
        (Role.VIEWER, 302, "/reports"),
        (None, 302, "/login"),
    ],
)
def test_who_opens_my_shift(app, role, status, where):
    client = signed_in(app, "someone", role=role).client if role else app.test_client()
    response = client.get("/reports/my-shift")
    assert response.status_code == status
    if where:
        assert response.headers["Location"].startswith(where)
