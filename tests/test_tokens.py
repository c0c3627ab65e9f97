"""API tokens: an admin makes one for a bot, the bot calls the API with it (no CSRF, its
scopes only), the timeline names the bot, and a revoked token stops at once."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.builders import (
    assert_refused,
    bearer,
    db_state,
    make_chat,
    make_group,
    make_task,
    make_token,
    signed_in,
)
from tests.test_security import InlineFinder
from wesup import apitokens, create_app, users
from wesup.enums import Role, TokenScope
from wesup.extensions import db, socketio
from wesup.models import ApiToken, Chat, TaskEvent, User

SECRET_IN_PAGE = re.compile(r'id="token-new-secret" readonly value="([^"]+)"')


def stored_token(app: Flask, token_id: int) -> ApiToken:
    with app.app_context():
        token = db.session.get(ApiToken, token_id)
        db.session.expunge(token)
        return token


def everything_stored(app: Flask) -> str:
    """Every row of every table as text: where a leaked secret would show."""
    return json.dumps(db_state(app), default=str)


# --- making, listing, revoking ---------------------------------------------------------------


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    response = admin.api("POST", "/api/tokens", {"name": "Telegram bot", "scopes": ["tasks:read"]})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    made = response.get_json()["token"]
    secret = made["secret"]
    assert made["name"] == "Telegram bot" and made["scopes"] == ["tasks:read"]
    assert secret.startswith("wesup_") and len(secret) > 40
    assert made["prefix"] == secret[:12]

    listed = admin.client.get("/api/tokens").get_json()["tokens"]
    assert [token["id"] for token in listed] == [made["id"]]
    assert "secret" not in listed[0] and secret not in json.dumps(listed)
    stored = stored_token(app, made["id"])
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in everything_stored(app)  # not in the event log either
    with app.app_context():
        event = db.session.scalars(sa.select(TaskEvent).order_by(TaskEvent.seq.desc())).first()
        assert event.kind == "token.created" and event.data["token"]["name"] == "Telegram bot"


def test_the_admin_page_makes_lists_and_revokes_tokens(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    page = admin.client.get("/admin/tokens")
    assert page.status_code == 200
    response = admin.client.post(
        "/admin/tokens",
        data={"name": "Zabbix", "scopes": ["tasks:write"], "csrf_token": admin.csrf_token},
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET_IN_PAGE.search(response.get_data(as_text=True)).group(1)
    finder = InlineFinder()  # the page that shows the secret keeps to the CSP too
    finder.feed(response.get_data(as_text=True))
    assert finder.found == []
    # the token works: it is let in, and only the task's missing owner or line is refused
    tried = app.test_client().post("/api/tasks", json={"title": "x"}, headers=bearer(secret))
    assert tried.status_code == 422

    listing = admin.client.get("/admin/tokens").get_data(as_text=True)
    assert "Zabbix" in listing and secret[:12] in listing and secret not in listing
    assert "tasks:write" in listing
    token_id = int(re.search(r'data-token-id="(\d+)"', listing).group(1))
    revoke_form = f'action="/admin/tokens/{token_id}/revoke"'
    assert revoke_form in listing
    revoked = admin.client.post(revoke_form.split('"')[1], data={"csrf_token": admin.csrf_token})
    assert revoked.status_code == 302
    assert admin.client.get("/api/tasks", headers=bearer(secret)).status_code == 401
    assert revoke_form not in admin.client.get("/admin/tokens").get_data(as_text=True)


def test_a_form_without_a_scope_makes_nothing(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    response = assert_refused(
        app,
        lambda: admin.client.post(
            "/admin/tokens", data={"name": "Bot", "csrf_token": admin.csrf_token}
        ),
        422,
    )
    page = response.get_data(as_text=True)
    assert 'data-error-for="scopes">' in page  # the scopes' message is shown
    assert 'data-error-for="name">' not in page


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Bot", "scopes": []},
        {"name": "Bot", "scopes": ["tasks:delete"]},
        {"name": "Bot", "scopes": "tasks:read"},
        {"name": "", "scopes": ["tasks:read"]},
        {"name": "Bot\u202e", "scopes": ["tasks:read"]},
        {"scopes": ["announce"]},
    ],
)
def test_bad_tokens_are_refused_and_change_nothing(app, body):
    admin = signed_in(app, "root", role=Role.ADMIN)
    assert_refused(app, lambda: admin.api("POST", "/api/tokens", body), 422, "validation_failed")


@pytest.mark.parametrize("role", [Role.LEAD, Role.AGENT, Role.VIEWER])
def test_only_admins_manage_tokens(app, role):
    person = signed_in(app, "someone", role=role)
    root = signed_in(app, "root", role=Role.ADMIN)
    make_token(app, root.user)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    assert_refused(
        app, lambda: person.api("POST", "/api/tokens", {"name": "B", "scopes": ["announce"]}), 403
    )
    assert_refused(app, lambda: person.api("DELETE", f"/api/tokens/{token_id}"), 403)
    assert person.client.get("/api/tokens").status_code == 403
    assert person.client.get("/admin/tokens").status_code == 403


def test_a_revoked_token_is_refused_at_once(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    made = admin.api("POST", "/api/tokens", {"name": "Bot", "scopes": ["tasks:read"]})
    token = made.get_json()["token"]
    headers = bearer(token["secret"])
    bot = app.test_client()
    assert bot.get("/api/tasks", headers=headers).status_code == 200

    revoked = admin.api("DELETE", f"/api/tokens/{token['id']}")
    assert revoked.status_code == 200
    assert revoked.get_json()["token"]["revoked_at"] is not None
    response = bot.get("/api/tasks", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert admin.api("DELETE", f"/api/tokens/{token['id']}").status_code == 409
    assert admin.api("DELETE", "/api/tokens/999999").status_code == 404
    with app.app_context():
        kinds = list(db.session.scalars(sa.select(TaskEvent.kind).order_by(TaskEvent.seq)))
        assert kinds[-2:] == ["token.created", "token.revoked"]
        assert db.session.get(ApiToken, token["id"]).user.active is False


def test_last_used_is_noted(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_token(app, admin.user)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    assert stored_token(app, token_id).last_used_at is None
    assert app.test_client().get("/api/chats", headers=bearer(secret)).status_code == 200
    assert stored_token(app, token_id).last_used_at is not None
    listed = admin.client.get("/api/tokens").get_json()["tokens"][0]
    assert listed["last_used_at"] is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer wesup_not-a-token", "Bearer ", "bearer nonsense", "Bearer " + "x" * 5000],
)
def test_an_unknown_token_is_a_401(app, header):
    response = app.test_client().get("/api/tasks", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- a token's lifetime ---------------------------------------------------------------------

DAY = 24 * 60  # minutes, for clock.advance
EN = {"Accept-Language": "en"}


def test_a_token_with_a_lifetime_works_until_it_expires_then_is_a_401(app, clock):
    admin = signed_in(app, "root", role=Role.ADMIN)
    made = admin.api(
        "POST", "/api/tokens", {"name": "Bot", "scopes": ["tasks:read"], "expires_in_days": 30}
    )
    assert made.status_code == 201
    token = made.get_json()["token"]
    assert token["expires_at"] == "2026-12-02T06:00:00+00:00"  # the clock's now + 30 days
    listed = admin.client.get("/api/tokens").get_json()["tokens"]
    assert listed[0]["expires_at"] == token["expires_at"]
    headers = bearer(token["secret"]) | EN
    bot = app.test_client()

    clock.advance(30 * DAY - 1)
    assert bot.get("/api/tasks", headers=headers).status_code == 200
    used = stored_token(app, token["id"]).last_used_at
    assert used == clock.now
    clock.advance(1)
    # refused at once: last use is not written, no event is logged, nothing else changes
    response = assert_refused(app, lambda: bot.get("/api/tasks", headers=headers), 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and error["message"] == "This API token has expired."
    assert stored_token(app, token["id"]).last_used_at == used
    with app.app_context():  # the services' own check agrees
        bot_user = db.session.get(ApiToken, token["id"]).user
        assert apitokens.may(bot_user, TokenScope.TASKS_READ) is False


def test_a_token_without_a_lifetime_never_expires(app, clock):
    admin = signed_in(app, "root", role=Role.ADMIN)
    for body in ({}, {"expires_in_days": None}):
        made = admin.api("POST", "/api/tokens", {"name": "Bot", "scopes": ["tasks:read"], **body})
        assert made.get_json()["token"]["expires_at"] is None
    secret = made.get_json()["token"]["secret"]
    clock.advance(3651 * DAY)
    assert app.test_client().get("/api/tasks", headers=bearer(secret)).status_code == 200
    with app.app_context():
        bot_user = db.session.get(ApiToken, made.get_json()["token"]["id"]).user
        assert apitokens.may(bot_user, TokenScope.TASKS_READ) is True


@pytest.mark.parametrize("days", [0, -1, 3651, 1.5, True, "soon", [30], 2**40])
def test_a_bad_lifetime_is_refused_and_changes_nothing(app, days):
    admin = signed_in(app, "root", role=Role.ADMIN)
    body = {"name": "Bot", "scopes": ["tasks:read"], "expires_in_days": days}
    response = assert_refused(
        app, lambda: admin.api("POST", "/api/tokens", body), 422, "validation_failed"
    )
    assert set(response.get_json()["error"]["fields"]) == {"expires_in_days"}


def test_the_admin_page_gives_a_token_a_lifetime_and_shows_when_it_expired(app, clock):
    admin = signed_in(app, "root", role=Role.ADMIN)
    page = admin.client.get("/admin/tokens").get_data(as_text=True)
    assert '<select name="expires_in_days">' in page and '<option value="90">' in page
    form = {"name": "Zabbix", "scopes": ["tasks:read"], "csrf_token": admin.csrf_token}
    refused = assert_refused(
        app, lambda: admin.client.post("/admin/tokens", data=form | {"expires_in_days": "0"}), 422
    )
    assert 'data-error-for="expires_in_days">' in refused.get_data(as_text=True)

    made = admin.client.post("/admin/tokens", data=form | {"expires_in_days": "90"})
    assert made.status_code == 201
    secret = SECRET_IN_PAGE.search(made.get_data(as_text=True)).group(1)
    admin.client.post("/admin/tokens", data=form | {"name": "Forever", "expires_in_days": ""})
    listing = admin.client.get("/admin/tokens", headers=EN).get_data(as_text=True)
    # 2027-01-31 06:00 UTC in the team's zone (Moscow); the other token never expires
    assert "31.01.2027 09:00" in listing and "Expired" not in listing
    forever = listing[listing.index("Forever") :]
    assert re.search(r"<td><code>[^<]+…</code></td>\s*<td>.*never.*</td>\s*<td>.*never", forever)

    clock.advance(90 * DAY)
    assert app.test_client().get("/api/tasks", headers=bearer(secret)).status_code == 401
    listing = admin.client.get("/admin/tokens", headers=EN).get_data(as_text=True)
    assert "Expired 31.01.2027 09:00" in listing


# --- what a token may do --------------------------------------------------------------------


def test_a_read_only_token_cannot_write(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_token(app, admin.user, scopes=("tasks:read",))
    line = make_group(app, "First line")
    bot = app.test_client()
    response = assert_refused(
        app,
        lambda: bot.post(
            "/api/tasks", json={"title": "VPN", "group_id": line.id}, headers=bearer(secret)
        ),
        403,
        "forbidden",
    )
    assert "tasks:write" in response.get_json()["error"]["message"]
    assert bot.get("/api/tasks", headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/session"),
        ("GET", "/api/tasks/mine"),
        ("GET", "/api/tokens"),
        ("POST", "/api/tokens"),
        ("POST", "/api/chats"),
        ("GET", "/api/handovers"),
    ],
)
def test_a_token_cannot_use_what_people_alone_may(app, method, path):
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_token(app, admin.user, scopes=("tasks:read", "tasks:write", "announce"))
    response = assert_refused(
        app,
        lambda: app.test_client().open(
            path, method=method, json={"name": "X", "scopes": ["announce"]}, headers=bearer(secret)
        ),
        403,
    )
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_bot_logs_a_task_from_its_chat_without_csrf_and_the_timeline_names_it(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_token(app, admin.user, name="Telegram bot")
    chat = make_chat(app, "Acme support")
    line = make_group(app, "First line")
    bot = app.test_client()  # no session, no CSRF token

    response = bot.post(
        "/api/tasks",
        json={"title": "VPN down", "chat_id": chat.id, "group_id": line.id},
        headers=bearer(secret),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    task = response.get_json()["task"]
    assert task["chat"] == {"id": chat.id, "name": "Acme support"}
    assert task["group"]["id"] == line.id and task["agent"] is None
    assert "Set-Cookie" not in response.headers

    comment = bot.post(
        f"/api/tasks/{task['id']}/comments",
        json={"body": "They wrote again"},
        headers=bearer(secret),
    )
    assert comment.status_code == 201
    timeline = admin.client.get(f"/api/tasks/{task['id']}").get_json()["timeline"]
    assert [entry["kind"] for entry in timeline] == ["task.created", "task.commented"]
    for entry in timeline:
        assert entry["actor"]["name"] == "Telegram bot"
        assert entry["actor"]["integration"] is True
    # what the bot itself reads back
    read = bot.get(f"/api/tasks/{task['id']}", headers=bearer(secret)).get_json()
    assert read["task"]["title"] == "VPN down"


def test_a_bot_names_an_owner_or_a_line(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    agent = signed_in(app, "anna", role=Role.AGENT)
    secret = make_token(app, admin.user)
    bot = app.test_client()
    bot.get("/api/chats", headers=bearer(secret))  # notes its use: the refusal writes nothing
    response = assert_refused(
        app, lambda: bot.post("/api/tasks", json={"title": "VPN"}, headers=bearer(secret)), 422
    )
    assert "agent_id" in response.get_json()["error"]["fields"]
    given = bot.post(
        "/api/tasks", json={"title": "VPN", "agent_id": agent.user.id}, headers=bearer(secret)
    )
    assert given.status_code == 201
    assert given.get_json()["task"]["agent"]["id"] == agent.user.id


def test_a_bot_edits_no_task(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_token(app, admin.user)
    task = make_task(app, admin.user)
    assert_refused(
        app,
        lambda: app.test_client().patch(
            f"/api/tasks/{task.id}", json={"version": 1, "title": "X"}, headers=bearer(secret)
        ),
        403,
    )


# --- cookies and CSRF ------------------------------------------------------------------------


def test_a_bearer_header_cannot_smuggle_a_cookie_request_past_csrf(app):
    """A signed-in admin's browser, tricked into adding a Bearer header: the request is the
    token's alone, never the admin's, so no admin-only change happens without CSRF."""
    admin = signed_in(app, "root", role=Role.ADMIN)
    read_only = make_token(app, admin.user, name="Reader", scopes=("tasks:read",))
    writer = make_token(app, admin.user, name="Writer", scopes=("tasks:write",))
    line = make_group(app, "First line")
    smuggled = [
        ("POST", "/api/tokens", {"name": "Evil", "scopes": ["announce"]}, writer, 403),
        ("POST", "/api/chats", {"name": "Evil chat"}, writer, 403),
        ("POST", "/api/tasks", {"title": "VPN", "group_id": line.id}, read_only, 403),
        ("POST", "/api/tasks", {"title": "VPN", "group_id": line.id}, "wesup_forged", 401),
        ("POST", "/api/tasks", {"title": "VPN", "group_id": line.id}, "", 401),
    ]
    for method, path, body, secret, status in smuggled:
        assert_refused(
            app,
            lambda m=method, p=path, b=body, s=secret: admin.client.open(
                p, method=m, json=b, headers=bearer(s)
            ),
            status,
        )
    # and what the token may do is done as the token, not as the admin
    made = admin.client.post(
        "/api/tasks", json={"title": "VPN", "group_id": line.id}, headers=bearer(writer)
    )
    assert made.status_code == 201
    with app.app_context():
        event = db.session.scalars(sa.select(TaskEvent).order_by(TaskEvent.seq.desc())).first()
        assert event.actor.name == "Writer" and event.actor.role == Role.INTEGRATION


def test_a_cookie_request_still_needs_its_csrf_token(app):
    agent = signed_in(app, "anna")
    response = assert_refused(
        app, lambda: agent.client.post("/api/tasks", json={"title": "VPN"}), 400
    )
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert agent.api("POST", "/api/tasks", {"title": "VPN"}).status_code == 201
    # and a page's form too
    refused = agent.client.post("/language", data={"locale": "ru"})
    assert refused.status_code == 400


def test_tokens_open_no_pages_and_no_sockets(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    secret = make_token(app, admin.user)
    bot = app.test_client()
    page = bot.get("/tasks", headers=bearer(secret))
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    sio = socketio.test_client(app, flask_test_client=bot, headers=bearer(secret))
    assert not sio.is_connected()


def test_an_integration_is_no_person(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    make_token(app, admin.user, name="Telegram bot")
    people = admin.client.get("/admin/users").get_data(as_text=True)
    assert "Telegram bot" not in people
    with app.app_context():
        bot = db.session.scalars(sa.select(User).where(User.role == Role.INTEGRATION)).one()
        assert bot not in users.people_who_work_tasks()
        assert users.authenticate(bot.login, "anything") is None
        bot_id = bot.id
    assert admin.client.get(f"/admin/users/{bot_id}").status_code == 404
    assert 'value="integration"' not in people  # not a role to give a person


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"TOKEN_LIMIT": "3 per minute"}])
def test_a_token_over_its_limit_gets_429_with_retry_after(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    first = make_token(app, admin.user, name="Busy bot")
    second = make_token(app, admin.user, name="Quiet bot")
    bot = app.test_client()
    for _ in range(3):
        assert bot.get("/api/chats", headers=bearer(first)).status_code == 200
    response = bot.get("/api/chats", headers=bearer(first))
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # another token, and people's own requests, are not counted with it
    assert bot.get("/api/chats", headers=bearer(second)).status_code == 200
    for _ in range(5):
        assert admin.client.get("/api/chats").status_code == 200


def chat_with_address(app: Flask, name: str) -> int:
    """A chat with a notification address (nothing listens there: messages stay queued)."""
    chat = make_chat(app, name)
    with app.app_context():
        db.session.get(Chat, chat.id).notify_url = "json://127.0.0.1:9/hook"
        db.session.commit()
    return chat.id


def test_a_bot_with_the_announce_scope_announces_and_follows_up(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    chat_ids = [chat_with_address(app, "Acme"), chat_with_address(app, "Globex")]
    secret = make_token(app, admin.user, name="Status bot", scopes=("announce",))
    bot = app.test_client()
    response = bot.post(
        "/api/announcements",
        json={"text": "VPN is down", "chat_ids": "all"},
        headers=bearer(secret),
    )
    assert response.status_code == 202
    announcement = response.get_json()["announcement"]
    assert announcement["author"]["name"] == "Status bot"
    assert [d["chat_id"] for d in announcement["deliveries"]] == chat_ids
    assert {d["status"] for d in announcement["deliveries"]} == {"queued"}
    path = f"/api/announcements/{announcement['id']}"
    assert bot.get(path, headers=bearer(secret)).status_code == 200
    response = bot.post(f"{path}/follow-up", json={"text": "Fixed"}, headers=bearer(secret))
    assert response.status_code == 202
    assert response.get_json()["announcement"]["follow_up_of"] == announcement["id"]


def test_a_bot_without_the_announce_scope_announces_nothing(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    chat_with_address(app, "Acme")
    reader = make_token(app, admin.user, scopes=("tasks:read", "tasks:write"))
    before = db_state(app)
    response = app.test_client().post(
        "/api/announcements", json={"text": "Hi", "chat_ids": "all"}, headers=bearer(reader)
    )
    assert response.status_code == 403
    assert db_state(app) == before


def test_a_bot_reads_incidents_and_searches_with_tasks_read(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    make_task(app, admin.user, "Printer jam")
    reader = make_token(app, admin.user, scopes=("tasks:read",))
    bot = app.test_client()
    found = bot.get("/api/tasks/search?q=printer", headers=bearer(reader))
    assert found.status_code == 200
    assert [task["title"] for task in found.get_json()["tasks"]] == ["Printer jam"]
    assert bot.get("/api/incidents", headers=bearer(reader)).status_code == 200
    response = bot.post("/api/incidents", json={"title": "Outage"}, headers=bearer(reader))
    assert response.status_code == 403  # incidents are written by people


@pytest.mark.parametrize("app_config", [{"ANNOUNCE_LIMIT": "2 per hour"}])
def test_announcements_are_limited_per_person(app):
    chat_id = chat_with_address(app, "Acme")
    alice = signed_in(app, "alice", role=Role.LEAD)
    bob = signed_in(app, "bob", role=Role.LEAD)
    body = {"text": "Hello", "chat_ids": [chat_id]}
    for _ in range(2):
        assert alice.api("POST", "/api/announcements", body).status_code == 202
    response = alice.api("POST", "/api/announcements", body)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert 60 < int(response.headers["Retry-After"]) <= 3600
    assert bob.api("POST", "/api/announcements", body).status_code == 202


@pytest.mark.parametrize(
    "app_config", [{"ANNOUNCE_LIMIT": "5 per hour", "TOKEN_LIMIT": "2 per hour"}]
)
def test_announcing_keeps_the_per_token_limit(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    chat_id = chat_with_address(app, "Acme")
    secret = make_token(app, admin.user, scopes=("announce",))
    bot = app.test_client()
    statuses = [
        bot.post(
            "/api/announcements",
            json={"text": "Hello", "chat_ids": [chat_id]},
            headers=bearer(secret),
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 429]  # the token's 2 per hour, before the announcer's 5


def test_limits_are_checked_at_start_up():
    with pytest.raises(ValueError, match="WESUP_TOKEN_LIMIT"):
        create_app({"TOKEN_LIMIT": "lots", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
