"""Small builders every test area uses: people, chats, tasks, signed-in browsers, and the
"a refused request changes nothing" check. Each opens its own app context and returns a
detached, loaded object (as CTFd's tests/helpers.py does)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from wesup.apitokens import create_token as create_api_token
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Chat, Group, Status, Task, TaskEvent, User
from wesup.tasks.service import create_task

PASSWORD = "correct horse battery"
# What a chat with no notification address adds to its JSON (wesup/notify.py).
NO_ADDRESS = {"has_notify_url": False, "notify_url_masked": None, "gets_new_tasks": False}
# The app's hashing is deliberately slow; people made by the builders get a cheap hash of the
# same password, so that signing in stays fast (the real hashing is tested through the service).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _detached(app: Flask, obj: Any) -> Any:
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def make_user(
    app: Flask, login: str = "agent", role: str = Role.AGENT, name: str | None = None
) -> User:
    with app.app_context():
        user = User(login=login, name=name or login.title(), role=role, active=True)
        user.password_hash = PASSWORD_HASH
        db.session.add(user)
        db.session.commit()
        return _detached(app, user)


def make_chat(app: Flask, name: str = "Acme support") -> Chat:
    with app.app_context():
        chat = Chat(name=name, note="")
        db.session.add(chat)
        db.session.commit()
        return _detached(app, chat)


def make_group(
    app: Flask, name: str = "First line", members: tuple[User, ...] = (), color: str = "#1e88e5"
) -> Group:
    """A support line with these members, straight into the database."""
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(Group.position))) or 0
        group = Group(name=name, color=color, position=last + 1)
        group.members = [db.session.get(User, member.id) for member in members]
        db.session.add(group)
        db.session.commit()
        return _detached(app, group)


def status_named(app: Flask, name: str) -> Status:
    with app.app_context():
        status = db.session.execute(sa.select(Status).where(Status.name == name)).scalar_one()
        return _detached(app, status)


def make_task(app: Flask, agent: User, title: str = "Printer offline", **data: Any) -> Task:
    """Create through the service, as an agent would (records the event, broadcasts); with
    `group_id` (and no `agent_id`) made by a lead or admin `agent`, it waits in that queue."""
    with app.app_context():
        task = create_task(db.session.get(User, agent.id), {"title": title, **data})
        return _detached(app, task)


def as_user(app: Flask, user: User, change: Callable[..., Any], *args: Any) -> Any:
    """Run a service call as this person, as the API would, in an app context of its own."""
    with app.app_context():
        return change(db.session.get(User, user.id), *args)


def set_task_times(app: Flask, task_id: int, **moments: datetime | None) -> None:
    """Move a task's received_at / resolved_at, as if it had been logged and closed back then."""
    with app.app_context():
        task = db.session.get(Task, task_id)
        for name, value in moments.items():
            setattr(task, name, value)
        db.session.commit()


def task_json(app: Flask, task_id: int) -> dict[str, Any]:
    """The task as the API shows it, read straight from the database."""
    with app.app_context():
        return db.session.get(Task, task_id).to_dict()


def event_kinds(app: Flask) -> list[str]:
    """Kinds in the event log, in seq order."""
    with app.app_context():
        return list(db.session.scalars(sa.select(TaskEvent.kind).order_by(TaskEvent.seq)))


def db_state(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a refused request must leave exactly as it was
    (tasks, comments, directories, people, and the event log with its seqs)."""
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


def assert_refused(
    app: Flask, send: Callable[[], Any], status: int, code: str | None = None
) -> Any:
    """A refused request answers `status` (with JSON error `code` when given) and leaves every
    table as it was; returns the response for the checks a test adds."""
    before = db_state(app)
    response = send()
    assert response.status_code == status, response.get_data(as_text=True)
    if code is not None:
        assert response.get_json()["error"]["code"] == code
    assert db_state(app) == before
    return response


class Auth:
    """Logs a Flask test client in and out, and carries its CSRF token for API calls."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf_token: str | None = None
        self.user: User | None = None

    def login(self, login: str = "agent", password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        response = self.client.post(
            "/login",
            data={"login": login, "password": password, "csrf_token": token.group(1)},
        )
        session = self.client.get("/api/session")  # 401 when the sign-in was refused
        self.csrf_token = session.get_json()["csrf_token"] if session.status_code == 200 else None
        return response

    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf_token or ""}

    def api(self, method: str, url: str, json: Any = None) -> Any:
        return self.client.open(url, method=method, json=json, headers=self.headers())


NEW_KIOSK_LINK = re.compile(r"/board\?kiosk=([A-Za-z0-9_-]+)")
KIOSK_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def kiosk_form(admin: Auth, name: str = "Support room TV") -> dict[str, str]:
    """The kiosk page's create form, filled in, with the one-time nonce the page hands out."""
    page = admin.client.get("/admin/kiosks").get_data(as_text=True)
    nonce = KIOSK_NONCE.search(page).group(1)
    return {"name": name, "nonce": nonce, "csrf_token": admin.csrf_token or ""}


def make_kiosk_link(admin: Auth, name: str = "Support room TV") -> str:
    """A kiosk link made through the admin page; returns the secret its answer shows."""
    response = admin.client.post("/admin/kiosks", data=kiosk_form(admin, name))
    assert response.status_code == 201, response.get_data(as_text=True)
    return NEW_KIOSK_LINK.search(response.get_data(as_text=True)).group(1)


def signed_in(app: Flask, login: str = "agent", role: str = Role.AGENT) -> Auth:
    """A new person, signed in on a browser of their own (a fresh test client).

    The session is written the way Flask-Login writes it, which skips rendering and posting
    the login form for every person of every test; tests/test_auth.py covers the form."""
    auth = Auth(app.test_client())
    auth.user = make_user(app, login, role=role)
    with auth.client.session_transaction() as session:
        session["_user_id"] = auth.user.get_id()
        session["_fresh"] = True
    auth.csrf_token = auth.client.get("/api/session").get_json()["csrf_token"]
    return auth


def live_events(sio: Any) -> list[dict[str, Any]]:
    """The "event" messages a Socket.IO test client received since the last call."""
    return [item["args"][0] for item in sio.get_received() if item["name"] == "event"]


def settles(read: Callable[[], Any], expected: Any, timeout: float = 2, every: float = 0.01) -> Any:
    """What `read()` gives once it equals `expected`, or at the deadline (asked every `every`
    seconds). A cut socket's client is told before the server's disconnect handler (which
    does the bookkeeping, in a task of its own) has run, so the server's registries lag the
    client's view a moment."""
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(every)
        value = read()
    return value


def cut(sio: Any, timeout: float = 2) -> bool:
    """Whether a socket the server cut (wesup/realtime.py cut_room) is disconnected: the
    disconnect runs in a task of its own, so give it a moment."""
    return not settles(sio.is_connected, False, timeout)


def make_token(
    app: Flask,
    admin: User,
    name: str = "Telegram bot",
    scopes: tuple[str, ...] = ("tasks:read", "tasks:write"),
) -> str:
    """An API token made by this admin through the service; returns its secret."""
    with app.app_context():
        made = create_api_token(
            db.session.get(User, admin.id), {"name": name, "scopes": list(scopes)}
        )
        return made.secret


def bearer(secret: str) -> dict[str, str]:
    """The header a bot sends."""
    return {"Authorization": f"Bearer {secret}"}
