"""My shift → Post to chat: the end-of-shift text, exactly as the Copy button gives it, goes to
a chosen chat through the outbox (wesup/reports/myshift.py post_to_chat), once per shift and
chat however often the button is pressed; viewers have no shift to post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
import sqlalchemy as sa

from tests.builders import make_chat, signed_in
from tests.receivers import Receiver
from wesup import notify
from wesup.enums import EventKind, Role
from wesup.extensions import db
from wesup.models import Delivery, TaskEvent, User, utcnow
from wesup.reports.myshift import my_shift

pytestmark = pytest.mark.parametrize(
    "app_config", [{"NOTIFY_PRIVATE_HOSTS": "127.0.0.1", "NOTIFY_TIMEOUT": 1}]
)
EN = {"Accept-Language": "en"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver().start()
    yield target
    target.stop()


def chat_with_address(app, url: str, name: str = "Team chat") -> int:
    lead = signed_in(app, "lead", Role.LEAD)
    chat = make_chat(app, name)
    response = lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": url})
    assert response.status_code == 200, response.get_json()
    return chat.id


def drain(app) -> int:
    with app.app_context():
        return notify.drain_once(utcnow())


def test_posting_from_the_page_sends_the_copy_text_once_however_often_pressed(app, receiver):
    chat_id = chat_with_address(app, receiver.url())
    alice = signed_in(app, "alice")
    made = alice.api("POST", "/api/tasks", {"title": "VPN drops every hour"})
    assert made.status_code == 201
    page = alice.client.get("/reports/my-shift", headers=EN).get_data(as_text=True)
    copy_text = unescape(re.search(r'id="my-shift-text"[^>]*>([^<]*)</textarea>', page).group(1))
    assert f'<option value="{chat_id}">Team chat</option>' in page

    form = {"csrf_token": alice.csrf_token, "chat_id": str(chat_id)}
    first = alice.client.post("/reports/my-shift/post", data=form, headers=EN)
    again = alice.client.post("/reports/my-shift/post", data=form, headers=EN)  # a double click
    assert first.status_code == again.status_code == 303
    with app.app_context():
        [delivery] = db.session.scalars(sa.select(Delivery)).all()
        assert delivery.kind == "shift.report" and delivery.status == "queued"
        assert first.headers["Location"].endswith(f"/reports/my-shift#delivery-{delivery.id}")
        posted = db.session.scalars(
            sa.select(TaskEvent).where(TaskEvent.kind == EventKind.SHIFT_POSTED)
        ).all()
        assert [event.actor_id for event in posted] == [alice.user.id]
    shown = alice.client.get("/reports/my-shift", headers=EN).get_data(as_text=True)
    assert "Your shift report is queued for Team chat." in shown
    assert f'id="delivery-{delivery.id}" data-delivery-status="queued"' in shown

    assert drain(app) == 1
    assert drain(app) == 0
    assert receiver.messages == [copy_text]
    shown = alice.client.get("/reports/my-shift", headers=EN).get_data(as_text=True)
    assert f'id="delivery-{delivery.id}" data-delivery-status="sent"' in shown


def test_the_api_answers_202_with_the_delivery_and_the_same_one_again(app, receiver):
    chat_id = chat_with_address(app, receiver.url())
    bob = signed_in(app, "bob")
    response = bob.api("POST", "/api/reports/my-shift/post", {"chat_id": chat_id})
    assert response.status_code == 202, response.get_json()
    delivery = response.get_json()["delivery"]
    assert delivery["chat_id"] == chat_id and delivery["status"] == "queued"
    with app.test_request_context():  # the caller's language, as the page's Copy text
        assert delivery["body"] == my_shift(db.session.get(User, bob.user.id)).text()
    again = bob.api("POST", "/api/reports/my-shift/post", {"chat_id": chat_id})
    assert again.status_code == 202 and again.get_json()["delivery"]["id"] == delivery["id"]
    # another person's shift is another message
    other = signed_in(app, "carol").api("POST", "/api/reports/my-shift/post", {"chat_id": chat_id})
    assert other.status_code == 202 and other.get_json()["delivery"]["id"] != delivery["id"]


def test_only_chats_with_an_address_and_only_people_with_a_shift(app, receiver):
    with_address = chat_with_address(app, receiver.url())
    without = make_chat(app, "No address").id
    agent = signed_in(app, "agent")
    for bad in (without, 999_999, "1", None, True):
        response = agent.api("POST", "/api/reports/my-shift/post", {"chat_id": bad})
        assert response.status_code == 422, (bad, response.get_json())
        assert "chat_id" in response.get_json()["error"]["fields"]
    viewer = signed_in(app, "viewer", Role.VIEWER)
    refused = viewer.api("POST", "/api/reports/my-shift/post", {"chat_id": with_address})
    assert refused.status_code == 403
    form = {"csrf_token": viewer.csrf_token, "chat_id": str(with_address)}
    assert viewer.client.post("/reports/my-shift/post", data=form).status_code == 403
    # no CSRF token, no post
    no_token = agent.client.post("/reports/my-shift/post", data={"chat_id": str(with_address)})
    assert no_token.status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(Delivery)).all() == []


def test_without_any_chat_address_the_page_says_who_sets_one(app):
    make_chat(app, "No address")
    page = signed_in(app, "agent").client.get("/reports/my-shift", headers=EN)
    html = page.get_data(as_text=True)
    assert "a lead sets chats’ addresses in Directories" in html
    assert 'name="chat_id"' not in html
