"""Signing in and out, where the login form sends people next, and the first-run setup link."""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.builders import PASSWORD, Auth, assert_refused, cut, db_state, make_user, signed_in
from wesup import users
from wesup.enums import EventKind, Role
from wesup.extensions import db
from wesup.models import TaskEvent, User


def csrf_from(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, login: str, password: str = PASSWORD, **extra: str):
    """Post the login form the way a browser does, with the token from the page."""
    token = csrf_from(client.get("/login"))
    return client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token, **extra}
    )


def who(client) -> str | None:
    """The login of the person this browser is signed in as, or None."""
    response = client.get("/api/session")
    return response.get_json()["user"]["login"] if response.status_code == 200 else None


def set_active(app, user_id: int, active: bool) -> None:
    with app.app_context():
        db.session.get(User, user_id).active = active
        db.session.commit()


# --- the login form -------------------------------------------------------------------------


def test_the_login_form_has_login_and_password_fields(app, client):
    make_user(app, "alice")
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="login"', page)
    assert re.search(
        r'<input[^>]*name="password"[^>]*type="password"|<input[^>]*type="password"'
        r'[^>]*name="password"',
        page,
    )


def test_the_right_password_signs_in(app, client):
    make_user(app, "alice")
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/tasks/mine"
    assert who(client) == "alice"


def test_the_login_ignores_case_and_spaces(app, client):
    make_user(app, "alice")
    sign_in(client, "  Alice ")
    assert who(client) == "alice"


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("alice", "wrong password"),
        ("nobody", PASSWORD),
        ("alice", ""),
        ("", ""),
        ("al\x00ice", "x"),
    ],
)
def test_a_wrong_login_or_password_is_refused(app, client, login, password):
    make_user(app, "alice")
    response = sign_in(client, login, password)
    assert response.status_code == 401
    assert 'name="login"' in response.get_data(as_text=True)  # the form again, with a message
    assert who(client) is None


def test_the_login_form_needs_its_csrf_token(app, client):
    make_user(app, "alice")
    client.get("/login")
    response = client.post("/login", data={"login": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert who(client) is None


@pytest.mark.parametrize(
    "target",
    ["/tasks", "/tasks?from=2024-03-01&to=2024-03-02", "/directories", "/tasks/mine#new"],
)
def test_next_brings_a_person_back_to_a_page_of_the_site(app, client, target):
    make_user(app, "alice")
    response = sign_in(client, "alice", next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "/tasks\r\nSet-Cookie: session=stolen",
        "evil.example",
        "",
    ],
)
def test_next_never_leads_off_the_site(app, client, target):
    make_user(app, "alice")
    response = sign_in(client, "alice", next=target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", "/tasks/mine")


def test_next_in_the_query_string_survives_the_form(app, client):
    """The redirect to the login page carries next; the form posts it back."""
    make_user(app, "alice")
    page = client.get("/login?next=" + quote("/tasks?from=2024-03-01"))
    assert 'name="next" value="/tasks?from=2024-03-01"' in page.get_data(as_text=True)
    response = client.post(
        "/login?next=" + quote("/tasks?from=2024-03-01"),
        data={"login": "alice", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.headers["Location"] == "/tasks?from=2024-03-01"


def test_a_signed_in_person_opening_login_goes_on_but_never_off_site(app):
    alice = signed_in(app, "alice")
    assert alice.client.get("/login?next=/tasks").headers["Location"] == "/tasks"
    off_site = alice.client.get("/login?next=//evil.example").headers["Location"]
    assert urlsplit(off_site).netloc == ""


# --- signing out ----------------------------------------------------------------------------


def test_logout_ends_the_session(app):
    alice = signed_in(app, "alice")
    response = alice.client.post("/logout", data={"csrf_token": alice.csrf_token})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert who(alice.client) is None
    assert alice.client.get("/tasks/mine").status_code == 302


def test_logout_is_a_post_with_a_token(app):
    """A link or an image on another site cannot sign a person out."""
    alice = signed_in(app, "alice")
    assert alice.client.get("/logout").status_code == 405
    assert alice.client.post("/logout").status_code == 400
    assert who(alice.client) == "alice"


# --- deactivated people ---------------------------------------------------------------------


def test_a_deactivated_person_cannot_sign_in(app, client):
    alice = make_user(app, "alice")
    set_active(app, alice.id, False)
    response = sign_in(client, "alice")
    assert response.status_code == 401
    assert who(client) is None


def test_deactivating_a_person_ends_their_open_sessions(app):
    """Somebody who left the team keeps no access through a browser left signed in."""
    alice = signed_in(app, "alice")
    set_active(app, alice.user.id, False)
    assert who(alice.client) is None
    assert alice.api("POST", "/api/tasks", {"title": "Still here?"}).status_code in (400, 401)
    assert alice.client.get("/tasks/mine").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_a_password_reset_ends_the_sessions_signed_in_before_it(app, socket_client):
    """A reset after a leaked password locks the other browser out, its open page included."""
    alice = signed_in(app, "alice")
    page = socket_client(alice.client, view="board")
    root = signed_in(app, "root", role=Role.ADMIN)
    response = root.client.post(
        f"/admin/users/{alice.user.id}",
        data={
            "login": "alice",
            "name": "Alice",
            "role": "agent",
            "active": "y",
            "password": "a brand new secret",
            "csrf_token": root.csrf_token,
        },
    )
    assert response.status_code == 302
    assert who(alice.client) is None
    assert cut(page)
    fresh = app.test_client()
    assert sign_in(fresh, "alice", "a brand new secret").status_code == 302
    assert who(fresh) == "alice"
    assert who(root.client) == "root"  # nobody else is signed out
    with app.app_context():  # logged, so that every server process cuts her pages
        (ended,) = db.session.scalars(
            db.select(TaskEvent).where(TaskEvent.kind == EventKind.SESSION_ENDED)
        )
        assert ended.actor_id == root.user.id
        assert ended.data == {
            "person": {"id": alice.user.id, "name": "Alice"},
            "reason": "password_reset",
        }


def test_a_forged_session_id_without_the_stamp_is_anonymous(app, client):
    alice = make_user(app, "alice")
    with client.session_transaction() as session:
        session["_user_id"] = str(alice.id)
    assert who(client) is None


def test_two_admins_saving_the_same_new_login_at_once_get_a_form_message(app, monkeypatch):
    """The unique index decides the race the form check cannot see: 422, not a 500."""
    make_user(app, "alice")
    root = signed_in(app, "root", role=Role.ADMIN)
    monkeypatch.setattr(users, "_login", lambda data, errors, exclude: data["login"])
    data = {
        "login": "alice",
        "name": "Second Alice",
        "role": "agent",
        "password": PASSWORD,
        "csrf_token": root.csrf_token,
    }
    response = assert_refused(
        app,
        lambda: root.client.post("/admin/users", data=data, headers={"Accept-Language": "en"}),
        422,
    )
    assert "This login is taken." in response.get_data(as_text=True)


def test_a_session_of_a_removed_person_is_anonymous(app):
    alice = signed_in(app, "alice")
    with app.app_context():
        db.session.delete(db.session.get(User, alice.user.id))
        db.session.commit()
    assert who(alice.client) is None


# --- first run ------------------------------------------------------------------------------


def setup_token(app) -> str | None:
    with app.app_context():
        return users.setup_token()


def test_with_nobody_yet_the_login_page_points_to_the_setup_link(app, client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="password"' not in page.get_data(as_text=True)


def test_the_setup_link_creates_the_first_admin_once(app, client):
    token = setup_token(app)
    assert token and len(token) >= 24
    page = client.get(f"/setup?token={token}")
    assert page.status_code == 200

    response = client.post(
        "/setup",
        data={
            "token": token,
            "login": "Root",
            "name": "The Admin",
            "password": "a long admin password",
            "csrf_token": csrf_from(page),
        },
    )

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/users"
    session = client.get("/api/session").get_json()["user"]
    assert (session["login"], session["name"], session["role"]) == ("root", "The Admin", "admin")
    with app.app_context():
        admin = db.session.execute(db.select(User)).scalar_one()
        assert admin.password_hash != "a long admin password"
        assert admin.check_password("a long admin password")
    # the link is spent: neither opening nor posting it again does anything
    spent = client.get(f"/setup?token={token}")
    assert spent.status_code == 404
    again = client.post(
        "/setup",
        data={
            "token": token,
            "login": "second",
            "name": "Second",
            "password": "another long password",
            "csrf_token": csrf_from(spent),  # signing in renewed the token
        },
    )
    assert again.status_code == 404
    assert setup_token(app) is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_eight_people_posting_the_setup_link_at_once_make_one_admin(app):
    """The check of the token passes for all of them; the database lets one through. The
    others see the spent link, not a 500 and not an admin of their own."""
    token = setup_token(app)
    browsers = [app.test_client() for _ in range(8)]
    csrf_tokens = [csrf_from(browser.get(f"/setup?token={token}")) for browser in browsers]
    start = threading.Barrier(len(browsers))
    answers: dict[int, Any] = {}

    def post(number: int) -> None:
        form = {
            "token": token,
            "login": f"admin{number}",
            "name": f"Admin {number}",
            "password": "a long admin password",
            "csrf_token": csrf_tokens[number],
        }
        start.wait()
        answers[number] = browsers[number].post(
            "/setup", data=form, headers={"Accept-Language": "en"}
        )

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [302] + [404] * 7
    for answer in answers.values():
        if answer.status_code == 404:
            assert "This setup link is not valid" in answer.get_data(as_text=True)
    with app.app_context():
        admins = db.session.execute(db.select(User)).scalars().all()
        assert len(admins) == 1 and admins[0].role == Role.ADMIN
    assert setup_token(app) is None


def test_the_same_token_is_printed_until_it_is_used(app):
    assert setup_token(app) == setup_token(app)


def test_setup_with_bad_details_keeps_the_link_working(app, client):
    token = setup_token(app)
    page = client.get(f"/setup?token={token}")
    response = client.post(
        "/setup",
        data={
            "token": token,
            "login": "root",
            "name": "Root",
            "password": "short",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code in (200, 422)
    assert "password" in response.get_data(as_text=True)
    with app.app_context():
        assert not users.has_users()
    assert client.get(f"/setup?token={token}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["", "?token=", "?token=wrong", "?token=%C3%A9t%C3%A9", "?token=%00", "?token={token}x"],
)
def test_a_wrong_setup_token_is_404(app, client, query):
    token = setup_token(app)
    csrf_token = csrf_from(client.get(f"/setup?token={token}"))
    before = db_state(app)
    assert client.get(f"/setup{query.format(token=token)}").status_code == 404
    response = client.post(
        f"/setup{query.format(token=token)}",
        data={
            "login": "root",
            "name": "Root",
            "password": "a long admin password",
            "csrf_token": csrf_token,
        },
    )
    assert response.status_code == 404
    assert db_state(app) == before


def test_the_setup_link_stops_working_once_somebody_exists(app, client):
    token = setup_token(app)
    make_user(app, "alice", role=Role.ADMIN)
    assert client.get(f"/setup?token={token}").status_code == 404


def test_auth_helper_signs_in_and_out(app):
    """The fixture other tests lean on really signs in."""
    make_user(app, "alice")
    auth = Auth(app.test_client())
    auth.login("alice")
    assert who(auth.client) == "alice"
    assert auth.csrf_token
    refused = Auth(app.test_client())
    refused.login("alice", "wrong")
    assert who(refused.client) is None
    assert refused.csrf_token is None


# --- reactivation ---------------------------------------------------------------------------


def edit_person(admin: Auth, user_id: int, **changes: str) -> None:
    """Save the admin's edit form of a person (active unless active="")."""
    form = {"login": "alice", "name": "Alice", "role": "agent", "active": "y", **changes}
    if not form["active"]:
        del form["active"]
    response = admin.client.post(
        f"/admin/users/{user_id}", data={**form, "csrf_token": admin.csrf_token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def browser_with(app, name: str, value: str):
    """A fresh browser holding one cookie and nothing else."""
    browser = app.test_client()
    browser.set_cookie(name, value)
    return browser


def test_reactivating_a_person_does_not_revive_old_sessions(app):
    """A session or a one-year remember-me cookie from before a deactivation stays dead after
    the person is let back in: they sign in afresh."""
    alice = make_user(app, "alice")
    browser = app.test_client()
    assert sign_in(browser, "alice", remember="1").status_code == 302
    session_cookie = browser.get_cookie("session").value
    remember_cookie = browser.get_cookie("remember_token").value
    assert who(browser_with(app, "session", session_cookie)) == "alice"
    assert who(browser_with(app, "remember_token", remember_cookie)) == "alice"
    root = signed_in(app, "root", role=Role.ADMIN)

    edit_person(root, alice.id, active="")
    edit_person(root, alice.id)

    assert who(browser) is None
    assert who(browser_with(app, "session", session_cookie)) is None
    assert who(browser_with(app, "remember_token", remember_cookie)) is None
    fresh = app.test_client()
    assert sign_in(fresh, "alice").status_code == 302
    assert who(fresh) == "alice"


def test_a_password_reset_ends_remember_me_cookies_too(app):
    alice = make_user(app, "alice")
    browser = app.test_client()
    sign_in(browser, "alice", remember="1")
    remember_cookie = browser.get_cookie("remember_token").value
    root = signed_in(app, "root", role=Role.ADMIN)
    edit_person(root, alice.id, password="a brand new secret")
    assert who(browser_with(app, "remember_token", remember_cookie)) is None


def test_editing_a_name_keeps_the_person_signed_in(app):
    alice = signed_in(app, "alice")
    root = signed_in(app, "root", role=Role.ADMIN)
    edit_person(root, alice.user.id, name="Alice Smith")
    assert who(alice.client) == "alice"


def test_sessions_from_before_the_epoch_keep_working_after_the_upgrade(app):
    """Epoch 0 gives the stamp every session had before session_epoch existed."""
    alice = make_user(app, "alice")
    old_stamp = hashlib.sha256(alice.password_hash.encode()).hexdigest()[:16]
    assert alice.session_epoch == 0
    assert alice.get_id() == f"{alice.id}:{old_stamp}"
