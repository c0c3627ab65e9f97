"""Messages to chats: addresses (checked, masked), the resolved and new-task rules, the outbox
and its sender (retries, 429, hangs, no duplicates), announcements and the delivery log.

Every target is a real HTTP server on 127.0.0.1 (tests/receivers.py); the sender runs as the
server's background task would, one round at a time (`notify.drain_once`), with the clock
moved forward where a retry must come due.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from tests.builders import (
    assert_refused,
    cut,
    live_events,
    make_chat,
    make_kiosk_link,
    signed_in,
    status_named,
)
from tests.receivers import FAIL, HANG, OK, RATE_LIMITED, RATE_LIMITED_BARE, Receiver
from wesup import events, notify
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Chat, Delivery, TaskEvent, utcnow

pytestmark = pytest.mark.parametrize(
    "app_config",
    [{"NOTIFY_PRIVATE_HOSTS": "127.0.0.1", "NOTIFY_TIMEOUT": 1, "DEFAULT_LOCALE": "en"}],
)
TELEGRAM = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"
TELEGRAM_TOKEN = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver().start()
    yield target
    target.stop()


def drain(app, after: timedelta = timedelta(0)) -> int:
    """One round of the sender, as if `after` had passed."""
    with app.app_context():
        return notify.drain_once(utcnow() + after)


def deliveries(app) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Delivery).order_by(Delivery.id)).all()
        return [row.to_dict() for row in rows]


def chat_with_address(app, lead, url: str, name: str = "Acme support") -> int:
    chat = make_chat(app, name)
    response = lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": url})
    assert response.status_code == 200, response.get_json()
    return chat.id


def resolve(app, agent, task: dict[str, Any]) -> dict[str, Any]:
    done = status_named(app, "Done")
    response = agent.api(
        "PATCH", f"/api/tasks/{task['id']}", {"status_id": done.id, "version": task["version"]}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["task"]


def new_task(agent, chat_id: int | None, title: str = "Printer offline", **more: Any):
    response = agent.api("POST", "/api/tasks", {"title": title, "chat_id": chat_id, **more})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["task"]


# --- the resolved rule -----------------------------------------------------------------------


def test_resolving_a_task_tells_its_chat_once_with_title_and_last_comment(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    chat_id = chat_with_address(app, lead, receiver.url())
    task = new_task(agent, chat_id, "VPN is down")
    agent.api("POST", f"/api/tasks/{task['id']}/comments", {"body": "Rebooted the gateway"})
    task = agent.api("GET", f"/api/tasks/{task['id']}").get_json()["task"]
    resolve(app, agent, task)

    assert drain(app) == 1
    assert drain(app, timedelta(hours=1)) == 0  # nothing left to send, ever
    assert len(receiver.received) == 1
    message = receiver.messages[0]
    assert "VPN is down" in message and "Rebooted the gateway" in message
    [sent] = deliveries(app)
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["kind"] == "task.resolved"


def test_the_message_is_in_the_teams_language(app, receiver):
    app.config["DEFAULT_LOCALE"] = "ru"
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    task = new_task(agent, chat_with_address(app, lead, receiver.url("form")), "Принтер")
    resolve(app, agent, task)
    drain(app)
    assert receiver.messages == ["Готово: Принтер"]
    assert receiver.received[0]["content_type"].startswith("application/x-www-form-urlencoded")


def test_an_unticked_tell_chat_keeps_the_chat_quiet(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    task = new_task(agent, chat_with_address(app, lead, receiver.url()), tell_chat=False)
    assert task["tell_chat"] is False
    resolve(app, agent, task)
    assert drain(app) == 0 and deliveries(app) == []


def test_tell_chat_can_be_unticked_later_and_must_be_a_boolean(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    task = new_task(agent, chat_with_address(app, lead, receiver.url()))
    assert task["tell_chat"] is True
    assert_refused(
        app,
        lambda: agent.api(
            "PATCH", f"/api/tasks/{task['id']}", {"tell_chat": "no", "version": task["version"]}
        ),
        422,
        "validation_failed",
    )
    response = agent.api(
        "PATCH", f"/api/tasks/{task['id']}", {"tell_chat": False, "version": task["version"]}
    )
    task = response.get_json()["task"]
    assert task["tell_chat"] is False
    resolve(app, agent, task)
    assert deliveries(app) == []


def test_a_chat_without_an_address_is_never_sent_anything(app, receiver):
    agent = signed_in(app, "agent")
    task = new_task(agent, make_chat(app).id)
    resolve(app, agent, task)
    assert deliveries(app) == [] and receiver.received == []


def test_each_resolve_is_one_message_and_reopening_sends_none(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    task = resolve(app, agent, new_task(agent, chat_with_address(app, lead, receiver.url())))
    active = status_named(app, "In progress")
    task = agent.api(
        "PATCH", f"/api/tasks/{task['id']}", {"status_id": active.id, "version": task["version"]}
    ).get_json()["task"]
    assert len(deliveries(app)) == 1
    resolve(app, agent, task)
    assert drain(app) == 1  # one message per chat at a time, in order
    assert drain(app) == 1
    assert drain(app) == 0
    assert len(receiver.received) == 2


def test_the_developers_chat_hears_of_every_new_task(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    developers = chat_with_address(app, lead, receiver.url(path="/dev"), "Developers")
    lead.api("PATCH", f"/api/chats/{developers}", {"gets_new_tasks": True})
    source = make_chat(app, "Shop floor")
    new_task(agent, source.id, "Scanner broken")
    drain(app)
    assert receiver.messages == ["New task: Scanner broken (from Shop floor)"]
    assert receiver.received[0]["path"] == "/dev"


# --- the sender ------------------------------------------------------------------------------


def test_a_dead_target_is_retried_with_backoff_and_delivered_once_when_back(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    receiver.mode = FAIL
    resolve(app, agent, new_task(agent, chat_with_address(app, lead, receiver.url())))

    assert drain(app) == 1
    [failed] = deliveries(app)
    assert failed["status"] == "failed" and failed["retrying"] is True
    assert "500" in failed["error"]
    assert drain(app) == 0  # not due before its backoff
    assert drain(app, timedelta(seconds=6)) == 1  # the second attempt, still failing
    second = deliveries(app)[0]
    assert second["attempts"] == 2
    assert second["next_attempt_at"] > failed["next_attempt_at"]  # it waits longer each time

    receiver.mode = OK
    assert drain(app, timedelta(minutes=1)) == 1
    assert drain(app, timedelta(hours=2)) == 0
    [sent] = deliveries(app)
    assert sent["status"] == "sent" and sent["attempts"] == 3 and sent["error"] is None
    assert len(receiver.received) == 1 and receiver.attempts == 3


def test_a_message_is_given_up_after_the_last_attempt(app, receiver):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    receiver.mode = FAIL
    resolve(app, agent, new_task(agent, chat_with_address(app, lead, receiver.url())))
    drain(app)
    drain(app, timedelta(minutes=1))
    [given_up] = deliveries(app)
    assert given_up["status"] == "failed" and given_up["retrying"] is False
    assert drain(app, timedelta(days=1)) == 0


def first_attempt(app, target: Receiver) -> tuple[dict[str, Any], float]:
    """A resolved task's message to `target`, tried once: the delivery, and how many seconds
    after the attempt its next one is planned."""
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    resolve(app, agent, new_task(agent, chat_with_address(app, lead, target.url())))
    before = utcnow()
    drain(app)
    [waiting] = deliveries(app)
    return waiting, (datetime.fromisoformat(waiting["next_attempt_at"]) - before).total_seconds()


def test_a_429_is_honoured_for_as_long_as_it_asks(app):
    target = Receiver(RATE_LIMITED, retry_after=120).start()
    try:
        waiting, wait = first_attempt(app, target)
        assert "429" in waiting["error"]
        assert 115 < wait < 130  # its retry_after, not the 5 s of a first backoff
        assert drain(app, timedelta(seconds=60)) == 0
        target.mode = OK
        assert drain(app, timedelta(seconds=125)) == 1
        assert len(target.received) == 1
    finally:
        target.stop()


def test_a_429s_retry_after_header_is_honoured_without_a_body(app):
    """Apprise keeps the HTTP answer to itself: the header is read from requests' reply."""
    target = Receiver(RATE_LIMITED_BARE, retry_after=30).start()
    try:
        waiting, wait = first_attempt(app, target)
        assert waiting["status"] == "failed" and waiting["retrying"] and target.attempts == 1
        assert 30 <= wait < 45  # the header's 30 s, not the 60 s of a 429 that says nothing
        assert drain(app, timedelta(seconds=20)) == 0  # a slow machine may take seconds here
        target.mode = OK
        assert drain(app, timedelta(seconds=35)) == 1
        assert drain(app, timedelta(minutes=5)) == 0
        assert len(target.received) == 1
        assert deliveries(app)[0]["status"] == "sent"
    finally:
        target.stop()


def test_a_retry_after_given_as_a_date_is_honoured(app):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    target = Receiver(RATE_LIMITED_BARE, retry_after=when).start()
    try:
        _waiting, wait = first_attempt(app, target)
        assert 85 <= wait <= 95
    finally:
        target.stop()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("Wed, 02 Dec 2026 00:01:30 GMT", 90.0),
        ("Tue, 01 Dec 2026 23:00:00 GMT", 0.0),  # a date gone by: no wait of its own
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_a_retry_after_header_reads_as_seconds(app_config, header, seconds):
    now = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert notify._seconds_to_wait(header, now) == seconds


def test_a_reply_outside_a_send_is_nobody_elses_retry_after(app, receiver):
    """Only the thread sending a message keeps its answer, and only for that send."""
    limited = Receiver(RATE_LIMITED_BARE, retry_after=600).start()
    try:
        requests.post(limited.url("http"), json={}, timeout=5)  # no send listening: ignored
        lead = signed_in(app, "lead", Role.LEAD)
        agent = signed_in(app, "agent")
        chat_id = chat_with_address(app, lead, receiver.url())
        receiver.mode = FAIL
        resolve(app, agent, new_task(agent, chat_id))
        before = utcnow()
        drain(app)
        [failed] = deliveries(app)
        wait = (datetime.fromisoformat(failed["next_attempt_at"]) - before).total_seconds()
        assert wait < 60  # the first backoff, not the 600 s of the other reply
    finally:
        limited.stop()


def test_a_hanging_target_holds_the_sender_no_longer_than_the_timeout(app):
    hanging = Receiver(HANG).start()
    fine = Receiver().start()
    try:
        lead = signed_in(app, "lead", Role.LEAD)
        chats = [
            chat_with_address(app, lead, hanging.url(), "Stuck"),
            chat_with_address(app, lead, fine.url(), "Fine"),
        ]
        response = lead.api("POST", "/api/announcements", {"text": "Hi", "chat_ids": chats})
        assert response.status_code == 202
        started = time.monotonic()
        assert drain(app) == 2
        assert time.monotonic() - started < 10  # NOTIFY_TIMEOUT is 1 s
        by_chat = {row["chat_id"]: row for row in deliveries(app)}
        assert by_chat[chats[1]]["status"] == "sent" and fine.messages == ["Hi"]
        assert by_chat[chats[0]]["status"] == "failed" and by_chat[chats[0]]["retrying"]
    finally:
        hanging.stop()
        fine.stop()


def test_queueing_with_the_same_key_twice_gives_one_message(app, receiver):
    chat = make_chat(app)
    with app.app_context():
        row = db.session.get(Chat, chat.id)
        row.notify_url = receiver.url()
        first = notify.queue_to_chat(row, "Hello", "the-key", "test")
        again = notify.queue_to_chat(row, "Hello", "the-key", "test")
        db.session.commit()
        assert first.id == again.id
    drain(app)
    drain(app, timedelta(hours=1))
    assert receiver.messages == ["Hello"]


def test_of_two_senders_claiming_one_row_exactly_one_wins(app, receiver):
    chat = make_chat(app)
    with app.app_context():
        row = db.session.get(Chat, chat.id)
        row.notify_url = receiver.url()
        delivery_id = notify.queue_to_chat(row, "Hello", "k", "test").id
        db.session.commit()
        now = utcnow()
        first = notify._claim(delivery_id, now)
        second = notify._claim(delivery_id, now)
    assert first == 1 and second is None
    assert drain(app) == 0  # its lease keeps it from this sender too


def test_each_status_change_is_an_event_for_the_pages(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    receiver.mode = FAIL
    resolve(app, agent, new_task(agent, chat_with_address(app, lead, receiver.url())))
    drain(app)
    receiver.mode = OK
    drain(app, timedelta(minutes=1))
    with app.app_context():
        updates = db.session.scalars(
            sa.select(TaskEvent).where(TaskEvent.kind == "delivery.updated").order_by(TaskEvent.seq)
        ).all()
        assert [event.data["delivery"]["status"] for event in updates] == [
            "queued",
            "failed",
            "sent",
        ]
        # the queued one was logged with the resolve, before the resolve's own event
        assert updates[0].seq < db.session.scalar(
            sa.select(sa.func.max(TaskEvent.seq)).where(TaskEvent.kind == "task.status")
        )


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "syslog://",
        "syslog://127.0.0.1",
        "dbus://",
        "windows://",
        "macosx://",
        "file:///etc/passwd",
        "/etc/passwd",
        "https://example.com/hook",
        "json://169.254.169.254/latest/meta-data",
        "json://10.1.2.3/hook",
        "json://localhost:6379/",
        "mmost://192.168.0.10/token",
        "tgram://",
        "json://",
        "x" * 3000,
    ],
)
def test_addresses_that_touch_the_server_or_its_network_are_refused(app, url):
    lead = signed_in(app, "lead", Role.LEAD)
    chat = make_chat(app)
    response = assert_refused(
        app,
        lambda: lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": url}),
        422,
        "validation_failed",
    )
    assert response.get_json()["error"]["fields"]["notify_url"]


def test_a_private_host_is_allowed_only_when_the_admin_lists_it(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chat = make_chat(app)
    app.config["NOTIFY_PRIVATE_HOSTS"] = ""
    response = lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": receiver.url()})
    assert response.status_code == 422
    assert "WESUP_NOTIFY_PRIVATE_HOSTS" in response.get_json()["error"]["fields"]["notify_url"]
    app.config["NOTIFY_PRIVATE_HOSTS"] = "127.0.0.1"
    assert (
        lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": receiver.url()}).status_code
        == 200
    )


def test_a_queued_message_is_not_sent_to_a_host_refused_since(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    agent = signed_in(app, "agent")
    resolve(app, agent, new_task(agent, chat_with_address(app, lead, receiver.url())))
    app.config["NOTIFY_PRIVATE_HOSTS"] = ""
    drain(app)
    [refused] = deliveries(app)
    assert refused["status"] == "failed" and refused["retrying"] is False
    assert receiver.received == []


def test_the_address_is_never_shown_back_in_full(app, client):
    lead = signed_in(app, "lead", Role.LEAD)
    chat = make_chat(app)
    chat_json = lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": TELEGRAM}).get_json()
    chat_json = chat_json["chat"]
    assert chat_json["has_notify_url"] is True
    assert chat_json["notify_url_masked"] == "tgram://1...w/-1001234567890"
    assert "notify_url" not in chat_json
    pages = [
        lead.client.get("/api/chats").get_data(as_text=True),
        lead.client.get("/directories").get_data(as_text=True),
        lead.client.get("/api/tasks").get_data(as_text=True),
    ]
    for text in pages:
        assert TELEGRAM_TOKEN not in text
    with app.app_context():
        logged = db.session.scalars(sa.select(TaskEvent.data)).all()
        assert TELEGRAM_TOKEN not in str(logged)
        assert db.session.get(Chat, chat.id).notify_url == TELEGRAM  # kept on the server
    cleared = lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": ""}).get_json()["chat"]
    assert cleared["has_notify_url"] is False and cleared["notify_url_masked"] is None


def test_a_webhooks_secret_path_is_masked_too(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chat = make_chat(app)
    url = receiver.url(path="/hooks/s3cr3t-token-123")
    masked = lead.api("PATCH", f"/api/chats/{chat.id}", {"notify_url": url}).get_json()
    assert masked["chat"]["notify_url_masked"] == f"json://127.0.0.1:{receiver.port}/h...s/s...3"


def test_send_test_shows_the_result(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chat_id = chat_with_address(app, lead, receiver.url())
    answer = lead.api("POST", f"/api/chats/{chat_id}/test").get_json()
    assert answer == {"test": {"sent": True, "error": None}}
    assert "WeSup test message" in receiver.messages[0]
    receiver.mode = FAIL
    answer = lead.api("POST", f"/api/chats/{chat_id}/test").get_json()
    assert answer["test"]["sent"] is False and "500" in answer["test"]["error"]
    assert deliveries(app) == []  # a test is not kept in the outbox
    no_address = make_chat(app, "Quiet").id
    assert lead.api("POST", f"/api/chats/{no_address}/test").status_code == 422


# --- announcements ---------------------------------------------------------------------------


def test_an_announcement_to_five_chats_shows_five_sent(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chats = [
        chat_with_address(app, lead, receiver.url(path=f"/c{n}"), f"Chat {n}") for n in range(5)
    ]
    make_chat(app, "No address")
    response = lead.api("POST", "/api/announcements", {"text": "Mail is down", "chat_ids": "all"})
    assert response.status_code == 202
    announcement = response.get_json()["announcement"]
    assert announcement["text"] == "Mail is down"
    assert [
        (d["chat_id"], d["status"], d["attempts"], d["error"]) for d in announcement["deliveries"]
    ] == [(chat_id, "queued", 0, None) for chat_id in chats]
    drain(app)
    again = lead.api("GET", f"/api/announcements/{announcement['id']}").get_json()["announcement"]
    assert [d["status"] for d in again["deliveries"]] == ["sent"] * 5
    assert sorted(item["path"] for item in receiver.received) == [f"/c{n}" for n in range(5)]
    listed = lead.api("GET", "/api/announcements").get_json()["announcements"]
    assert [item["id"] for item in listed] == [announcement["id"]]


def test_a_follow_up_goes_to_the_same_chats(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chats = [chat_with_address(app, lead, receiver.url(), f"Chat {n}") for n in range(3)]
    first = lead.api(
        "POST", "/api/announcements", {"text": "Down", "chat_ids": chats[:2]}
    ).get_json()["announcement"]
    response = lead.api("POST", f"/api/announcements/{first['id']}/follow-up", {"text": "Fixed"})
    assert response.status_code == 202
    follow = response.get_json()["announcement"]
    assert follow["follow_up_of"] == first["id"]
    assert [d["chat_id"] for d in follow["deliveries"]] == chats[:2]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "", "chat_ids": "all"},
        {"text": "Hi", "chat_ids": []},
        {"text": "Hi", "chat_ids": "some"},
        {"text": "Hi", "chat_ids": [True]},
        {"text": "Hi", "chat_ids": [99999]},
        {"text": "Hi", "chat_ids": [2**40]},
        {"text": "x" * 5000, "chat_ids": "all"},
    ],
)
def test_a_bad_announcement_changes_nothing(app, receiver, body):
    lead = signed_in(app, "lead", Role.LEAD)
    chat_with_address(app, lead, receiver.url())
    assert_refused(
        app, lambda: lead.api("POST", "/api/announcements", body), 422, "validation_failed"
    )


def test_announcing_with_no_chat_that_has_an_address_is_refused(app):
    lead = signed_in(app, "lead", Role.LEAD)
    make_chat(app)
    response = assert_refused(
        app, lambda: lead.api("POST", "/api/announcements", {"text": "Hi", "chat_ids": "all"}), 422
    )
    assert "Directories" in response.get_json()["error"]["fields"]["chat_ids"]


# --- who may ---------------------------------------------------------------------------------


def test_only_leads_and_admins_set_addresses_and_announce(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chat_id = chat_with_address(app, lead, receiver.url())
    for role in (Role.AGENT, Role.VIEWER):
        person = signed_in(app, f"a-{role}", role)
        assert_refused(
            app,
            lambda p=person: p.api("PATCH", f"/api/chats/{chat_id}", {"notify_url": ""}),
            403,
        )
        assert_refused(
            app,
            lambda p=person: p.api("POST", "/api/announcements", {"text": "x", "chat_ids": "all"}),
            403,
        )
        assert_refused(app, lambda p=person: p.api("POST", f"/api/chats/{chat_id}/test"), 403)
        assert person.api("GET", "/api/announcements").status_code == 403
        assert person.client.get("/announcements").status_code == 403
    assert receiver.received == []


def test_the_delivery_log_is_for_admins(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    admin = signed_in(app, "admin", Role.ADMIN)
    chat_with_address(app, lead, receiver.url())
    lead.api("POST", "/api/announcements", {"text": "Hi", "chat_ids": "all"})
    drain(app)
    assert lead.api("GET", "/api/deliveries").status_code == 403
    assert lead.client.get("/admin/deliveries").status_code == 403
    [row] = admin.api("GET", "/api/deliveries").get_json()["deliveries"]
    assert row["status"] == "sent" and row["body"] == "Hi"
    page = admin.client.get("/admin/deliveries")
    assert page.status_code == 200 and "Acme support" in page.get_data(as_text=True)


def test_nobody_signed_out_announces(app, client):
    response = client.post("/api/announcements", json={"text": "x", "chat_ids": "all"})
    assert response.status_code in (400, 401)
    assert client.get("/api/announcements").status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/announcements", "/api/chats/1/test", "/api/announcements/1/follow-up"]
)
def test_writes_without_the_csrf_token_are_refused(app, receiver, path):
    lead = signed_in(app, "lead", Role.LEAD)
    chat_with_address(app, lead, receiver.url())
    response = assert_refused(
        app,
        lambda: lead.client.post(path, json={"text": "Hi", "chat_ids": "all"}),
        400,
        "csrf_failed",
    )
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert receiver.received == []


def test_the_announcements_page_lists_them_for_leads(app, receiver):
    lead = signed_in(app, "lead", Role.LEAD)
    chat_with_address(app, lead, receiver.url())
    lead.api("POST", "/api/announcements", {"text": "Mail is down", "chat_ids": "all"})
    page = lead.client.get("/announcements")
    assert page.status_code == 200
    assert "Mail is down" in page.get_data(as_text=True)


# --- who hears of messages to chats ----------------------------------------------------------


def test_messages_to_chats_reach_only_leads_and_admins_pages_live_and_on_replay(
    app, socket_client, receiver
):
    """An announcement's text and each delivery's body (a task's last comment, a person's
    shift report) are for the people who may read the delivery log and the Announcements
    page: never an agent's, a viewer's or a wall TV's socket."""
    lead = signed_in(app, "lead", Role.LEAD)
    root = signed_in(app, "root", Role.ADMIN)
    agent = signed_in(app, "agent")
    viewer = signed_in(app, "viewer", Role.VIEWER)
    tv = app.test_client()
    assert tv.get(f"/board?kiosk={make_kiosk_link(root)}").status_code == 302
    chat_id = chat_with_address(app, lead, receiver.url())
    with app.app_context():
        before = events.latest_seq()
    pages = {
        "lead": socket_client(lead.client, view="mine"),
        "admin": socket_client(root.client, view="board"),
        "agent": socket_client(agent.client, view="board"),
        "viewer": socket_client(viewer.client, view="board"),
        "tv": socket_client(tv, view="wall"),
    }
    for page in pages.values():
        assert page.is_connected()
        page.get_received()
    body = {"text": "Maintenance at 22:00", "chat_ids": "all"}
    sent = lead.api("POST", "/api/announcements", body)
    assert sent.status_code == 202, sent.get_json()
    resolve(app, agent, new_task(agent, chat_id, "Secret printer"))
    drain(app)

    heard = {name: [event["kind"] for event in live_events(page)] for name, page in pages.items()}
    for name in ("lead", "admin"):
        assert "announcement.created" in heard[name] and "delivery.updated" in heard[name], name
    for name in ("agent", "viewer", "tv"):
        assert not {"announcement.created", "delivery.updated"} & set(heard[name]), name
    assert "task.status" in heard["agent"]  # the task's own change still reaches everyone

    # a page that reconnects after missing them: the same on replay
    for auth, leads in ((agent, False), (lead, True)):
        page = socket_client(auth.client, view="board", since=before)
        [replay] = [item["args"][0] for item in page.get_received() if item["name"] == "replay"]
        kinds = {event["kind"] for event in replay["events"]}
        assert ("announcement.created" in kinds) is leads
        assert ("delivery.updated" in kinds) is leads
        assert "task.created" in kinds


def test_a_lead_made_an_agent_is_cut_from_the_leads_messages(app, socket_client):
    """A demotion ends the person's sessions on every process, as a deactivation does: the
    open pages joined the leads' room with the old role."""
    lead = signed_in(app, "lead", Role.LEAD)
    root = signed_in(app, "root", Role.ADMIN)
    page = socket_client(lead.client, view="board")
    assert page.is_connected()
    response = root.client.post(
        f"/admin/users/{lead.user.id}",
        data={"login": "lead", "name": "Lead", "role": "agent", "active": "y"}
        | {"csrf_token": root.csrf_token},
    )
    assert response.status_code == 302
    assert cut(page)
    assert lead.client.get("/api/session").status_code == 401
    with app.app_context():
        reasons = db.session.scalars(
            sa.select(TaskEvent.data).where(TaskEvent.kind == "session.ended")
        ).all()
    assert [reason["reason"] for reason in reasons] == ["demoted"]
