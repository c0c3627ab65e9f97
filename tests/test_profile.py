"""Your account (/profile): your own password (the current one required; every other session
ends, this one stays), language, and the header's account menu; the People form's login rule."""

from __future__ import annotations

import re

import pytest

from tests.builders import PASSWORD, Auth, assert_refused, db_state, event_kinds
from tests.test_pages import person
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import User

NEW_PASSWORD = "a brand new secret"


def second_browser(app, auth: Auth) -> Auth:
    """The same person signed in on another browser."""
    other = Auth(app.test_client())
    other.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    other.user = auth.user
    with other.client.session_transaction() as session:
        session["_user_id"] = auth.user.get_id()
        session["_fresh"] = True
    assert other.client.get("/api/session").status_code == 200
    return other


def change(auth: Auth, current: str, new: str = NEW_PASSWORD, again: str | None = None):
    return auth.client.post(
        "/profile/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if again is None else again,
            "csrf_token": auth.csrf_token,
        },
    )


def test_the_profile_page_offers_password_language_and_notifications(app):
    viewer = person(app, "vera", Role.VIEWER)
    html = viewer.client.get("/profile").get_data(as_text=True)
    assert "<h1>Your account</h1>" in html
    assert 'name="current_password"' in html and 'name="new_password"' in html
    assert 'id="profile-locale"' in html
    assert "data-notify-controls" in html and "js/profile.js" in html


def test_the_profile_needs_a_session(client):
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_wrong_current_password_says_so_and_changes_nothing(app):
    agent = person(app, "agent")
    other = second_browser(app, agent)
    response = assert_refused(app, lambda: change(agent, "not my password"), 422)
    html = response.get_data(as_text=True)
    assert "The password was not changed." in html
    assert re.search(r'data-error-for="current_password">This is not your current password.', html)
    # both browsers stay signed in, with the old password
    assert agent.client.get("/api/session").status_code == 200
    assert other.client.get("/api/session").status_code == 200


@pytest.mark.parametrize(
    ("new", "again", "field"),
    [("short", None, "new_password"), (NEW_PASSWORD, "something else", "confirm_password")],
)
def test_a_bad_new_password_changes_nothing(app, new, again, field):
    agent = person(app, "agent")
    before = db_state(app)
    response = change(agent, PASSWORD, new, again)
    assert response.status_code == 422
    assert re.search(rf'data-error-for="{field}">[^<]+<', response.get_data(as_text=True))
    assert db_state(app) == before


def test_the_right_password_ends_every_other_session_and_keeps_this_one(app):
    agent = person(app, "agent")
    other = second_browser(app, agent)

    response = change(agent, PASSWORD)
    assert response.status_code == 303 and response.headers["Location"].endswith("/profile")

    assert agent.client.get("/api/session").status_code == 200  # this browser stays
    assert other.client.get("/api/session").status_code == 401  # the other one is out
    page = agent.client.get("/profile").get_data(as_text=True)
    assert "Password changed. Every other session was signed out." in page
    assert event_kinds(app)[-1] == "session.ended"
    with app.app_context():
        saved = db.session.get(User, agent.user.id)
        assert saved.check_password(NEW_PASSWORD) and not saved.check_password(PASSWORD)
    # and the new password signs in
    fresh = Auth(app.test_client())
    fresh.login(agent.user.login, NEW_PASSWORD)
    assert fresh.client.get("/api/session").status_code == 200


def test_the_password_form_needs_the_csrf_token(app):
    agent = person(app, "agent")
    assert_refused(
        app,
        lambda: agent.client.post(
            "/profile/password",
            data={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        ),
        400,
    )


def test_the_language_saved_from_the_profile(app):
    agent = person(app, "agent")
    response = agent.client.post(
        "/language",
        data={"locale": "ru", "next": "/profile", "saved": "1", "csrf_token": agent.csrf_token},
    )
    assert response.headers["Location"].endswith("/profile")
    html = agent.client.get("/profile").get_data(as_text=True)
    assert "Язык сохранён." in html and "<h1>Мой профиль</h1>" in html


def test_the_header_keeps_account_language_and_sign_out_in_one_menu(app):
    agent = person(app, "agent")
    html = agent.client.get("/tasks").get_data(as_text=True)
    menu = html.split("data-account-menu", 1)[1].split("</details>", 1)[0]
    assert 'href="/profile"' in menu
    assert 'name="locale"' in menu
    assert 'action="/logout"' in menu


def test_the_people_form_shows_the_login_rule_before_any_error(app):
    admin = person(app, "admin", Role.ADMIN)
    html = admin.client.get("/admin/users").get_data(as_text=True)
    field = re.search(r'<input name="login"[^>]*>', html).group(0)
    assert 'aria-describedby="login-rule"' in field and "pattern=" in field
    assert re.search(r'id="login-rule">Latin letters, digits and \. _ - @<', html)


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "LOGIN_LIMIT_PER_LOGIN": "3 per 15 minutes",
            "LOGIN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
        }
    ],
)
def test_guessing_the_current_password_is_limited_like_a_sign_in(app):
    agent = person(app, "agent")
    for _attempt in range(3):
        assert change(agent, "a wrong guess").status_code == 422
    response = assert_refused(app, lambda: change(agent, PASSWORD), 429)
    assert "Too many password attempts." in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert agent.client.get("/api/session").status_code == 200  # still signed in
