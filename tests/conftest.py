"""Fixtures: an app per test on SQLite (or PostgreSQL when WESUP_TEST_DATABASE_URL is set),
clients, and small builders for people, chats and tasks."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from wesup import create_app
from wesup.directories.service import seed_defaults
from wesup.extensions import db, socketio
from wesup.models import Chat, Role, Status, Task, User
from wesup.realtime import presence

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("WESUP_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def database_urls() -> list[Any]:
    """SQLite always; PostgreSQL when named, and required in CI."""
    urls: list[Any] = [pytest.param(None, id="sqlite")]
    if POSTGRES_URL:
        urls.append(pytest.param(POSTGRES_URL, id="postgres", marks=pytest.mark.postgres))
    elif IN_CI:
        raise pytest.UsageError("CI=true but WESUP_TEST_DATABASE_URL is not set")
    return urls


@pytest.fixture(params=database_urls())
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    url = request.param
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-not-for-production",
            "DATABASE_URL": url or f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE": None,
            "TIMEZONE": "Europe/Moscow",
            "WTF_CSRF_ENABLED": True,
        }
    )
    app.instance_path = str(tmp_path)  # setup token and other runtime files stay per test
    # No app context is held during a test: each request gets its own, as in production
    # (a shared one would share flask.g, and with it Flask-Login's cached user).
    with app.app_context():
        if url:
            _reset_postgres()
        db.create_all()
        seed_defaults("en")
    presence.clear()
    yield app
    with app.app_context():
        if url:
            _reset_postgres()
        db.engine.dispose()


def _reset_postgres() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- builders: each opens its own app context and returns a detached, loaded object -------


def _detached(app: Flask, obj: Any) -> Any:
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def make_user(
    app: Flask, login: str = "agent", role: str = Role.AGENT, name: str | None = None
) -> User:
    with app.app_context():
        user = User(login=login, name=name or login.title(), role=role, active=True)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return _detached(app, user)


def make_chat(app: Flask, name: str = "Acme support") -> Chat:
    with app.app_context():
        chat = Chat(name=name, note="")
        db.session.add(chat)
        db.session.commit()
        return _detached(app, chat)


def status_named(app: Flask, name: str) -> Status:
    with app.app_context():
        status = db.session.execute(sa.select(Status).where(Status.name == name)).scalar_one()
        return _detached(app, status)


def make_task(app: Flask, agent: User, title: str = "Printer offline", **data: Any) -> Task:
    """Create through the service, as an agent would (records the event, broadcasts)."""
    from wesup.tasks.service import create_task

    with app.app_context():
        task = create_task(db.session.get(User, agent.id), {"title": title, **data})
        return _detached(app, task)


class Auth:
    """Logs a Flask test client in and out, and carries its CSRF token for API calls."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf_token: str | None = None

    def login(self, login: str = "agent", password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        response = self.client.post(
            "/login",
            data={"login": login, "password": password, "csrf_token": token.group(1)},
        )
        self.csrf_token = self.client.get("/api/session").get_json()["csrf_token"]
        return response

    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf_token or ""}

    def api(self, method: str, url: str, json: Any = None) -> Any:
        return self.client.open(url, method=method, json=json, headers=self.headers())


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def socket_client(app: Flask):
    """Build a Socket.IO test client that shares a Flask test client's session."""
    made = []

    def build(flask_client: FlaskClient, **auth: Any):
        sio = socketio.test_client(app, flask_test_client=flask_client, auth=auth or None)
        made.append(sio)
        return sio

    yield build
    for sio in made:
        if sio.is_connected():
            sio.disconnect()
