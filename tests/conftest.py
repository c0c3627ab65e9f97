"""Fixtures: an app per test on SQLite (or PostgreSQL when WESUP_TEST_DATABASE_URL is set),
clients and sockets. The builders live in tests/builders.py."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import psycopg2
import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.builders import Auth
from tests.server_process import ServerProcess, reset_schema
from wesup import create_app, models
from wesup.directories.service import seed_defaults
from wesup.extensions import db, socketio


def _for_this_worker() -> None:
    """Under `pytest -n N` (pytest-xdist) each worker wipes a PostgreSQL database and a Redis
    number of its own: `<database>_gw0`, `<database>_gw1`, … (created here when missing) and
    the Redis number minus the worker's index. The environment is rewritten, so the server
    processes a test starts inherit them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    index = int(worker[2:])
    database = os.environ.get("WESUP_TEST_DATABASE_URL")
    if database:
        url = sa.make_url(database)
        mine = url.set(database=f"{url.database}_{worker}")
        os.environ["WESUP_TEST_DATABASE_URL"] = mine.render_as_string(hide_password=False)
        _create_database(url, mine.database or "")
    queue = sa.make_url(os.environ.get("WESUP_TEST_MESSAGE_QUEUE", "redis://127.0.0.1:6379/15"))
    number = (int(queue.database or 0) - index) % 16
    os.environ["WESUP_TEST_MESSAGE_QUEUE"] = queue.set(database=str(number)).render_as_string(
        hide_password=False
    )


def _create_database(base: sa.URL, name: str) -> None:
    """CREATE DATABASE name, unless it exists; an unreachable server is left to the tests
    (they skip on a laptop and fail in CI)."""
    libpq = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg2.connect(libpq, connect_timeout=3)
    except psycopg2.OperationalError:
        return
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    except psycopg2.errors.DuplicateDatabase:
        pass  # another worker or run made it first
    finally:
        connection.close()


_for_this_worker()
POSTGRES_URL = os.environ.get("WESUP_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("WESUP_TEST_MESSAGE_QUEUE", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def absent(message: str) -> None:
    """A missing service skips the test on a developer's machine and fails it in CI."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def database_urls() -> list[Any]:
    """SQLite always; PostgreSQL when named, and required in CI."""
    urls: list[Any] = [pytest.param(None, id="sqlite")]
    if POSTGRES_URL:
        urls.append(pytest.param(POSTGRES_URL, id="postgres", marks=pytest.mark.postgres))
    elif IN_CI:
        raise pytest.UsageError("CI=true but WESUP_TEST_DATABASE_URL is not set")
    return urls


def fresh_redis() -> None:
    """The test Redis (WESUP_TEST_MESSAGE_QUEUE), emptied; a missing one skips the test on a
    developer's machine and fails it in CI."""
    queue = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
    try:
        queue.flushdb()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    finally:
        queue.close()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings for the app; override with @pytest.mark.parametrize("app_config", [...])."""
    return {}


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with the schema and the default statuses, built once and copied
    for each test (building it for each test is slower)."""
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite3"
    builder = create_app(
        {"SECRET_KEY": "schema-builder", "DATABASE_URL": f"sqlite:///{path}"}
        | {"ASYNC_MODE": "threading", "MESSAGE_QUEUE": None}
    )
    with builder.app_context():
        db.create_all()
        seed_defaults("en")
        db.session.remove()
        db.engine.dispose()  # the last connection folds the WAL into the file
    return path


@pytest.fixture(params=database_urls())
def app(request: pytest.FixtureRequest, tmp_path, app_config: dict[str, Any]) -> Iterator[Flask]:
    url = request.param
    if not url:
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), tmp_path / "test.sqlite3")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-not-for-production",
            "DATABASE_URL": url or f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE": None,
            "TIMEZONE": "Europe/Moscow",
            "WTF_CSRF_ENABLED": True,
            # a test database needs no durability: PostgreSQL commits without waiting for disk
            "SQLALCHEMY_ENGINE_OPTIONS": (
                {"connect_args": {"options": "-c synchronous_commit=off"}} if url else {}
            ),
            **app_config,
        }
    )
    app.instance_path = str(tmp_path)  # setup token and other runtime files stay per test
    # No app context is held during a test: each request gets its own, as in production
    # (a shared one would share flask.g, and with it Flask-Login's cached user).
    with app.app_context():
        if url:
            _empty_postgres(url)
        seed_defaults("en")
    app.jinja_env.bytecode_cache = _TEMPLATES
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# PostgreSQL URLs whose schema this test run built with create_all().
_BUILT_SCHEMAS: set[str] = set()


def _empty_postgres(url: str) -> None:
    """An empty database with the models' schema. Emptying the tables is much faster than
    rebuilding them, so rebuild only when this run has not built them or somebody else (a
    migration test, a server process) has changed the set of tables since."""
    db.session.remove()
    tables = set(db.metadata.tables)
    with db.engine.begin() as connection:
        present = set(
            connection.scalars(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        )
        if url in _BUILT_SCHEMAS and present == tables:
            # DELETE and restarting the id sequences beats TRUNCATE on tables this small
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            for table in db.metadata.sorted_tables:
                for column in table.primary_key.columns:
                    connection.execute(
                        sa.text("SELECT setval(pg_get_serial_sequence(:t, :c), 1, false)"),
                        {"t": table.name, "c": column.name},
                    )
            return
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    db.create_all()
    _BUILT_SCHEMAS.add(url)


def _build_url_builders_lazily() -> None:
    """Every test builds a new app, and Werkzeug compiles two URL builders for each of its
    routes up front (a fifth of the suite's time); compile each one on its first url_for."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another Werkzeug: keep its behaviour
        return

    def lazy(rule: Rule, append_unknown: bool = True) -> Any:
        compiled: Any = None

        def build(self: Rule, *args: Any, **kwargs: Any) -> Any:
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(self, append_unknown)
            return compiled(self, *args, **kwargs)

        return build

    Rule._compile_builder = lazy  # type: ignore[method-assign]


_build_url_builders_lazily()


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Every test builds a new app; sharing compiled templates saves compiling them each time."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


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


# --- several real server processes --------------------------------------------------------


def require_redis(redis_url: str) -> None:
    """This Redis must answer."""
    queue = redis.Redis.from_url(redis_url, socket_timeout=3)
    try:
        queue.ping()
    except redis.RedisError as exc:
        absent(f"Redis is not reachable at {redis_url}: {exc}")
    finally:
        queue.close()


def require_postgres_and_redis(redis_url: str) -> str:
    """PostgreSQL (WESUP_TEST_DATABASE_URL) and this Redis must answer; returns the database URL."""
    if not POSTGRES_URL:
        absent("WESUP_TEST_DATABASE_URL is not set")
    try:
        psycopg2.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg2.OperationalError as exc:
        absent(f"PostgreSQL is not reachable: {exc}")
    require_redis(redis_url)
    assert POSTGRES_URL
    return POSTGRES_URL


@pytest.fixture
def start_two_servers(tmp_path: Path) -> Iterator[Any]:
    """start(queue_url=REDIS_URL, **env): run.py processes A and B on one PostgreSQL database
    and one Redis, with one secret (a sign-in on one is valid on the other); stopped and the
    database emptied afterwards."""
    started: list[ServerProcess] = []

    def start(queue_url: str = REDIS_URL, **env: str) -> tuple[ServerProcess, ServerProcess]:
        database_url = require_postgres_and_redis(queue_url)
        reset_schema(database_url)
        # The test queue's Redis database: a killed run's presence keys would linger 30 s.
        redis.Redis.from_url(queue_url).flushdb()
        shared = {
            "WESUP_MESSAGE_QUEUE": queue_url,
            "WESUP_SECRET_KEY": "scale-out-" + tmp_path.name,
            **env,
        }
        pair = [
            ServerProcess(tmp_path / name, database_url=database_url, env=shared) for name in "ab"
        ]
        started.extend(pair)
        # One after the other: the first applies the migrations, the second finds them done.
        for server in pair:
            server.start()
        return pair[0], pair[1]

    yield start
    for server in started:
        server.stop()
    if started and POSTGRES_URL:
        reset_schema(POSTGRES_URL)


# --- the app's clock, moved by a test -----------------------------------------------------


class Clock:
    """Stands in for models.utcnow wherever the app imported it (the `clock` fixture)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The app's clock stopped at 2026-11-02 06:00 UTC until the test moves it: histories
    with exact times (the reports' tests)."""
    clock = Clock(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    original = models.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("wesup") and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", clock)
    return clock
