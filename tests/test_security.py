"""What every answer tells the browser (CSP, framing, nosniff, referrer, HSTS), the cookies,
CSRF tokens that die with their sign-in, and the request-size limit (wesup/security.py,
wesup/config.py)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import itsdangerous.timed
import pytest
from flask import Flask

from tests.builders import (
    PASSWORD,
    Auth,
    assert_refused,
    make_group,
    make_task,
    make_user,
    signed_in,
)
from tests.test_kiosk import create_link
from wesup import create_app, handovers
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import User

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws://localhost; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Every kind of answer: pages of each area, the API, errors of both kinds, static files.
ANSWERS = [
    ("/login", None, 200),
    ("/tasks/mine", Role.AGENT, 200),
    ("/tasks", Role.VIEWER, 200),
    ("/directories", Role.LEAD, 200),
    ("/admin/users", Role.ADMIN, 200),
    ("/admin/kiosks", Role.ADMIN, 200),
    ("/admin/tokens", Role.ADMIN, 200),
    ("/admin/deliveries", Role.ADMIN, 200),
    ("/announcements", Role.LEAD, 200),
    ("/board", Role.VIEWER, 200),
    ("/board/data", Role.VIEWER, 200),
    ("/api/tasks", Role.AGENT, 200),
    ("/api/tasks/mine", None, 401),
    ("/admin/users", Role.AGENT, 403),
    ("/no/such/page", Role.AGENT, 404),
    ("/api/no/such/thing", Role.AGENT, 404),
    ("/static/css/wesup.css", None, 200),
    ("/static/js/page.js", None, 200),
]


def browser(app: Flask, role: str | None) -> Any:
    """A test client, signed in as somebody with `role` unless None."""
    return signed_in(app, "someone", role=role).client if role else app.test_client()


@pytest.mark.parametrize(("path", "role", "status"), ANSWERS)
def test_every_answer_carries_the_security_headers(app, path, role, status):
    response = browser(app, role).get(path, buffered=True)  # static files close their file
    assert response.status_code == status
    headers = response.headers
    assert headers["Content-Security-Policy"] == POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP unless HTTPS is on


def test_the_kiosk_links_redirect_keeps_its_stricter_referrer_policy(app):
    """The secret is in that address: it must not travel on as a referrer."""
    admin = signed_in(app, "root", role=Role.ADMIN)
    _, secret = create_link(admin)
    response = app.test_client().get(f"/board?kiosk={secret}")
    assert response.status_code == 302
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("app_config", [{"FRAME_ANCESTORS": "https://dash.example.com"}])
def test_the_people_page_refuses_every_frame_even_with_framing_origins_set(app):
    """Today's hole: the admin's People page rendered inside another site's iframe."""
    admin = signed_in(app, "root", role=Role.ADMIN).client
    response = admin.get("/admin/users")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "app_config", [{"FRAME_ANCESTORS": "https://dash.example.com  https://*.corp.example:8443"}]
)
def test_only_the_wall_board_may_be_framed_and_only_by_the_listed_origins(app):
    viewer = signed_in(app, "tv", role=Role.VIEWER).client
    board = viewer.get("/board")
    assert board.status_code == 200
    assert board.headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://dash.example.com https://*.corp.example:8443"
    )
    assert "X-Frame-Options" not in board.headers  # DENY cannot name origins: left out here
    for path in ("/board/data", "/tasks", "/login"):
        response = viewer.get(path)
        assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "setting",
    [
        "https://ok.example.com; script-src *",
        "'unsafe-inline'",
        "javascript:alert(1)",
        "*",
        "https://example.com/path",
        "ftp://example.com",
    ],
)
def test_a_malformed_framing_origin_stops_the_start(app, setting):
    """It would otherwise be pasted into the policy."""
    with pytest.raises(ValueError, match="WESUP_FRAME_ANCESTORS"):
        create_app({**app.config, "FRAME_ANCESTORS": setting})


def test_the_policy_spells_out_the_socket_origin_for_browsers_whose_self_is_http_only(app):
    response = app.test_client().get("/login", base_url="https://wesup.example.com")
    assert (
        "connect-src 'self' wss://wesup.example.com;"
        in (response.headers["Content-Security-Policy"])
    )


def test_a_strange_host_header_is_not_pasted_into_the_policy(app):
    response = app.test_client().get("/login", headers={"Host": "evil;script-src *"})
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("app_config", [{"HTTPS": True}])
def test_over_https_every_answer_asks_for_https_and_cookies_are_secure(app):
    make_user(app, "alice")
    client = app.test_client()
    for path in ("/login", "/static/css/wesup.css", "/api/session"):
        assert (
            client.get(path, buffered=True).headers["Strict-Transport-Security"]
            == "max-age=31536000"
        )
    response = post_login(client, "alice", remember=True)
    assert set(cookie_flags(response, "session")) >= {"secure", "httponly", "samesite=lax"}
    assert set(cookie_flags(response, "remember_token")) >= {"secure", "httponly", "samesite=lax"}
    # the socket origin follows too, for the browsers that need it spelled out
    assert "wss://localhost" in response.headers["Content-Security-Policy"]


# --- cookies ----------------------------------------------------------------------------------


def post_login(client: Any, login: str, *, remember: bool = False) -> Any:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"login": login, "password": PASSWORD, "csrf_token": token}
    if remember:
        form["remember"] = "1"
    response = client.post("/login", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def set_cookie(response: Any, name: str) -> str:
    """The Set-Cookie header of one cookie."""
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert len(found) == 1, response.headers.getlist("Set-Cookie")
    return found[0]


def cookie_flags(response: Any, name: str) -> list[str]:
    """The attributes of a Set-Cookie header, lower-cased without values except SameSite."""
    parts = [part.strip() for part in set_cookie(response, name).split(";")[1:]]
    return [
        part.lower() if part.lower().startswith("samesite") else part.split("=")[0].lower()
        for part in parts
    ]


def test_the_session_cookie_is_samesite_lax_and_httponly_and_not_secure_over_http(app):
    """Flask's own default (SameSite unset) used to win over config.py's setdefault."""
    make_user(app, "alice")
    response = post_login(app.test_client(), "alice")
    flags = cookie_flags(response, "session")
    assert "samesite=lax" in flags
    assert "httponly" in flags
    assert "secure" not in flags
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember")]


@pytest.mark.parametrize(("app_config", "days"), [({}, 30), ({"REMEMBER_DAYS": 7}, 7)])
def test_remember_me_lasts_the_configured_days_with_lax_httponly_cookies(app, days):
    make_user(app, "alice")
    before = datetime.now(UTC).replace(microsecond=0)
    response = post_login(app.test_client(), "alice", remember=True)
    flags = cookie_flags(response, "remember_token")
    assert {"samesite=lax", "httponly"} <= set(flags)
    assert "secure" not in flags
    expires = re.search(r"Expires=([^;]+)", set_cookie(response, "remember_token")).group(1)
    lifetime = parsedate_to_datetime(expires) - before
    assert timedelta(days=days) <= lifetime <= timedelta(days=days, seconds=5)


# --- CSRF tokens die with their sign-in ---------------------------------------------------------


def test_a_token_from_before_signing_out_fails_after_signing_in_again(app):
    """Somebody who took a token from a page cannot use it once that sign-in has ended."""
    make_user(app, "alice")
    auth = Auth(app.test_client())
    auth.login("alice")
    old_token = auth.csrf_token
    assert auth.api("POST", "/api/tasks", {"title": "With the first token"}).status_code == 201
    page = auth.client.get("/tasks/mine").get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert auth.client.post("/logout", data={"csrf_token": form_token}).status_code == 302
    auth.login("alice")
    assert auth.csrf_token != old_token

    stale = auth.client.post(
        "/api/tasks", json={"title": "With the old token"}, headers={"X-CSRFToken": old_token}
    )
    assert stale.status_code == 400
    assert stale.get_json()["error"]["code"] == "csrf_failed"
    assert auth.api("POST", "/api/tasks", {"title": "With the new token"}).status_code == 201


class Clock:
    """itsdangerous's clock (session cookies and CSRF tokens are signed with a time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return datetime.now(UTC).timestamp() + self.offset


@pytest.mark.parametrize("app_config", [{"REMEMBER_DAYS": 2}])
def test_a_token_lives_no_longer_than_a_sign_in_may(app, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(itsdangerous.timed, "time", clock)
    agent = signed_in(app, "alice")
    token = agent.csrf_token

    clock.offset = timedelta(days=2).total_seconds() - 60
    assert agent.api("POST", "/api/tasks", {"title": "Within two days"}).status_code == 201

    clock.offset = timedelta(days=2).total_seconds() + 60
    late = agent.client.post(
        "/api/tasks", json={"title": "Too late"}, headers={"X-CSRFToken": token}
    )
    assert late.status_code == 400
    assert late.get_json()["error"]["code"] == "csrf_failed"


def test_the_csrf_limit_and_the_session_lifetime_follow_the_remember_days(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 30 * 24 * 3600
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=30)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


# --- no inline script or style on any page -------------------------------------------------------


class InlineFinder(HTMLParser):
    """Collects what the policy would block: style attributes, event-handler attributes,
    <style> elements, and scripts that are neither files nor JSON data."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name in names:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if any((value or "").strip().lower().startswith("javascript:") for value in names.values()):
            self.found.append(f"<{tag} ...javascript:>")


INLINE_PAGES = [
    ("/login", None),
    ("/tasks/mine", Role.AGENT),
    ("/tasks", Role.LEAD),
    ("/directories", Role.LEAD),
    ("/admin/users", Role.ADMIN),
    ("/admin/users/{id}", Role.ADMIN),
    ("/admin/kiosks", Role.ADMIN),
    ("/admin/tokens", Role.ADMIN),
    ("/admin/deliveries", Role.ADMIN),
    ("/announcements", Role.LEAD),
    ("/board", Role.VIEWER),
    ("/tasks/handovers/{handover}", Role.LEAD),
    ("/tasks?q=printer", Role.LEAD),
    ("/profile", Role.VIEWER),
    ("/reports", Role.LEAD),
    ("/reports?theme=dark&by=status", Role.AGENT),
    ("/reports/my-shift", Role.AGENT),
    ("/no/such/page", Role.AGENT),
]


SHOWS_LINES = ("/tasks", "/directories", "/admin/users", "/admin/users/{id}")


@pytest.mark.parametrize(("path", "role"), INLINE_PAGES)
def test_no_page_has_inline_script_or_style(app, path, role):
    client = browser(app, role)
    agent = make_user(app, "alice")
    line = make_group(app, "First line", members=(agent,))
    make_task(app, agent, "A task whose status chip shows")  # chips on the task pages
    make_task(
        app, agent, "One with its line's tag", agent_id=agent.id, group_id=line.id
    )  # line tags and dots
    with app.app_context():
        handover = handovers.create_handover(
            db.session.get(User, agent.id), {"to_group_id": line.id, "note": "Over to you"}
        )
    page = client.get(path.format(id=agent.id, handover=handover.id)).get_data(as_text=True)
    if path in SHOWS_LINES:
        assert f'data-color="{line.color}"' in page
    finder = InlineFinder()
    finder.feed(page)
    assert finder.found == []


def test_status_chips_carry_their_color_as_data_for_the_page_script(app):
    lead = signed_in(app, "vera", role=Role.LEAD).client
    page = lead.get("/directories").get_data(as_text=True)
    assert re.search(r'class="chip current" data-color="#[0-9a-fA-F]{6}"', page)


# --- request size -------------------------------------------------------------------------------


class Body(io.RawIOBase):
    """A request body of `size` bytes that counts how much of it anybody read (seekable only
    so that the test client can measure it)."""

    def __init__(self, size: int, fill: bytes = b"x") -> None:
        self.size = size
        self.fill = fill
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = self.fill * count
        self.position += count
        self.read_bytes += count
        return count


TWENTY_MB = 20 * 1024 * 1024


def post_twenty_mb(app: Flask, agent: Auth, url: str, content_type: str) -> tuple[Any, Body]:
    """Post 20 MB that must be refused without changing anything; returns the answer and
    the body, which knows how much of it was read."""
    body = Body(TWENTY_MB)
    response = assert_refused(
        app,
        lambda: agent.client.post(
            url,
            input_stream=body,
            content_length=TWENTY_MB,
            content_type=content_type,
            headers=agent.headers(),
        ),
        413,
    )
    return response, body


def test_a_20_mb_api_body_is_refused_unread_with_the_json_error(app):
    agent = signed_in(app, "alice")
    response, body = post_twenty_mb(app, agent, "/api/tasks", "application/json")
    assert response.get_json()["error"]["code"] == "too_large"
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert body.read_bytes == 0  # nothing parsed it, nothing even read it


def test_a_20_mb_form_is_refused_unread_with_a_page(app):
    agent = signed_in(app, "alice")
    form = "application/x-www-form-urlencoded"
    response, body = post_twenty_mb(app, agent, "/tasks/mine", form)
    assert response.mimetype == "text/html"
    assert body.read_bytes == 0


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 2000}])
def test_the_limit_is_a_setting_and_a_body_within_it_passes(app):
    agent = signed_in(app, "alice")
    fits = {"title": "Fits", "description": "a" * 1500}
    assert agent.api("POST", "/api/tasks", fits).status_code == 201
    too_big = {"title": "Does not fit", "description": "a" * 2500}
    assert_refused(app, lambda: agent.api("POST", "/api/tasks", too_big), 413, "too_large")


def test_a_body_without_a_length_is_cut_where_it_passes_the_limit(app):
    """A chunked body declares no length: it is read up to the limit and one byte more."""
    agent = signed_in(app, "alice")
    body = Body(TWENTY_MB)
    response = agent.client.post(
        "/api/tasks",
        input_stream=body,
        content_type="application/json",
        headers={**agent.headers(), "Transfer-Encoding": "chunked"},
        environ_base={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413, (response.get_data(as_text=True), body.read_bytes)
    assert response.get_json()["error"]["code"] == "too_large"
    assert body.read_bytes == 1024 * 1024 + 1
