"""Configuration: defaults, then instance/config.py, then WESUP_* environment variables."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from limits import parse_many

from wesup.timeutil import parse_shifts

ASYNC_MODES = ("eventlet", "gevent", "threading")
# SQLite's PRAGMA synchronous under WAL: NORMAL may lose the last commits on a power cut (never
# corrupts); FULL and EXTRA wait for the disk on every commit. OFF is not offered.
SQLITE_SYNCHRONOUS_LEVELS = ("NORMAL", "FULL", "EXTRA")


class Defaults:
    """Values used when neither instance/config.py nor the environment says otherwise."""

    DATABASE_URL: str | None = None  # None: SQLite at instance/wesup.sqlite3
    TIMEZONE = "Europe/Moscow"
    ASYNC_MODE = "eventlet"
    HOST = "127.0.0.1"
    PORT = 5000
    MESSAGE_QUEUE: str | None = None  # e.g. redis://127.0.0.1:6379/0 for several server processes
    TRUSTED_PROXIES = 0  # proxies in front (nginx: 1) whose X-Forwarded-* headers are believed
    DEFAULT_LOCALE = "ru"
    LANGUAGES = ("ru", "en")
    PING_INTERVAL = 10  # seconds; with PING_TIMEOUT a dead socket is noticed within ~15 s
    PING_TIMEOUT = 5
    REPLAY_LIMIT = 500  # events a reconnecting page may catch up on before it must reload
    REPLAY_MAX_AGE_HOURS = 24
    AGE_WARN_MINUTES = 30  # wall board: a card turns amber
    AGE_ALERT_MINUTES = 120  # wall board: a card turns red
    MAX_CONNECTIONS = 10_000  # eventlet: concurrent connections one process accepts
    WALL_PAGE_SECONDS = 15  # wall board: how long each page of lanes shows when they do not fit
    SQLITE_SYNCHRONOUS = "NORMAL"  # FULL: no commit lost on a power cut, each commit slower
    # Sign-in attempts (Flask-Limiter limit strings), counted for the login typed and for the
    # client's address; see wesup/loginlimits.py.
    LOGIN_LIMIT_PER_LOGIN = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    SHIFTS = ""  # e.g. "08:00-20:00,20:00-08:00" in the team zone; empty: one shift per day
    HANDOVER_ALERT_MINUTES = 15  # wall board: a handover nobody accepted turns red
    SQL_ECHO = False


# Environment variables read as WESUP_<NAME>; the type of the default decides the parsing.
ENV_KEYS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "TIMEZONE": str,
    "ASYNC_MODE": str,
    "HOST": str,
    "PORT": int,
    "MESSAGE_QUEUE": str,
    "TRUSTED_PROXIES": int,
    "DEFAULT_LOCALE": str,
    "PING_INTERVAL": int,
    "PING_TIMEOUT": int,
    "REPLAY_LIMIT": int,
    "REPLAY_MAX_AGE_HOURS": int,
    "AGE_WARN_MINUTES": int,
    "AGE_ALERT_MINUTES": int,
    "WALL_PAGE_SECONDS": int,
    "MAX_CONNECTIONS": int,
    "SQLITE_SYNCHRONOUS": str,
    "LOGIN_LIMIT_PER_LOGIN": str,
    "LOGIN_LIMIT_PER_ADDRESS": str,
    "SHIFTS": str,
    "HANDOVER_ALERT_MINUTES": int,
}


def env_overrides(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    """Read WESUP_* variables, so that a deployment needs no file edits."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for key, cast in ENV_KEYS.items():
        raw = environ.get(f"WESUP_{key}")
        if raw not in (None, ""):
            found[key] = cast(raw)
    return found


def serving_async_mode(configured: str) -> str:
    """The Socket.IO async mode this process can really serve in.

    eventlet and gevent need the monkey-patching that run.py (or a gunicorn worker) does
    before anything else; a process that did not import them (the flask CLI, a shell, a
    script) is not serving sockets, so it gets threading instead of importing eventlet for
    nothing (and printing its deprecation warning).
    """
    if configured in ("eventlet", "gevent") and configured not in sys.modules:
        return "threading"
    return configured


def write_private(path: Path, text: str) -> None:
    """Create a file only its owner can read, with no moment when others could."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def load_secret_key(app: Flask) -> str:
    """Keep one random secret per installation in instance/, never in the repository."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    write_private(path, key)
    return key


def configure(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply the loading order and derive the Flask and SQLAlchemy settings."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_overrides())
    if overrides:
        app.config.update(overrides)

    if app.config["ASYNC_MODE"] not in ASYNC_MODES:
        raise ValueError(f"WESUP_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}")
    if not isinstance(app.config["TRUSTED_PROXIES"], int) or app.config["TRUSTED_PROXIES"] < 0:
        raise ValueError("WESUP_TRUSTED_PROXIES must be a whole number, 0 or more")
    synchronous = str(app.config["SQLITE_SYNCHRONOUS"]).upper()
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        levels = ", ".join(SQLITE_SYNCHRONOUS_LEVELS)
        raise ValueError(f"WESUP_SQLITE_SYNCHRONOUS must be one of {levels}, not {synchronous!r}")
    app.config["SQLITE_SYNCHRONOUS"] = synchronous
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app)
    try:
        app.config["SHIFT_WINDOWS"] = parse_shifts(app.config["SHIFTS"])
    except ValueError as exc:
        raise ValueError(f"WESUP_SHIFTS {app.config['SHIFTS']!r}: {exc}") from exc

    url = app.config.get("DATABASE_URL") or "sqlite:///" + str(
        Path(app.instance_path) / "wesup.sqlite3"
    )
    for bare in ("postgres://", "postgresql://"):
        if url.startswith(bare):  # psycopg2: the driver that also works under eventlet
            url = "postgresql+psycopg2://" + url.removeprefix(bare)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ECHO"] = app.config["SQL_ECHO"]
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    configure_limiter(app)


def is_redis_url(url: str | None) -> bool:
    """Whether the message queue is a Redis that presence and sign-in limits can share."""
    return (url or "").startswith(("redis://", "rediss://"))


def configure_limiter(app: Flask) -> None:
    """Flask-Limiter's settings: counts in memory with one process, in the Redis of
    MESSAGE_QUEUE with several (they must share them); each process counts on its own while
    that Redis is unreachable rather than refusing every sign-in."""
    for key in ("LOGIN_LIMIT_PER_LOGIN", "LOGIN_LIMIT_PER_ADDRESS"):
        try:
            parse_many(app.config[key])
        except ValueError as exc:
            raise ValueError(
                f"WESUP_{key} must be a limit such as '10 per 15 minutes', not {app.config[key]!r}"
            ) from exc
    queue = app.config["MESSAGE_QUEUE"]
    shared = is_redis_url(queue)
    app.config.setdefault("RATELIMIT_STORAGE_URI", queue if shared else "memory://")
    if shared:  # a Redis that hangs must not hang the sign-in form
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 2, "socket_connect_timeout": 2}
        )
    # A moving window: never more than N attempts in any span of the window's length.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # Said every time: Flask-Limiter keeps the last app's "enabled" for the next one.
    app.config.setdefault("RATELIMIT_ENABLED", True)
