"""Configuration: defaults, then instance/config.py, then WESUP_* environment variables."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from limits import parse_many

from wesup.timeutil import parse_shifts

ASYNC_MODES = ("eventlet", "gevent", "threading")
# SQLite's PRAGMA synchronous under WAL: NORMAL may lose the last commits on a power cut (never
# corrupts); FULL and EXTRA wait for the disk on every commit. OFF is not offered.
SQLITE_SYNCHRONOUS_LEVELS = ("NORMAL", "FULL", "EXTRA")
# The most tasks behind a report's number one answer gives (?limit=, WESUP_REPORT_PAGE_SIZE).
REPORT_PAGE_MAX = 1000


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
    WALL_OFFLINE_ALARM_SECONDS = 20  # wall board: cut off this long, it says so over the header
    SQLITE_SYNCHRONOUS = "NORMAL"  # FULL: no commit lost on a power cut, each commit slower
    # Sign-in attempts (Flask-Limiter limit strings), counted for the login typed and for the
    # client's address; see wesup/loginlimits.py.
    LOGIN_LIMIT_PER_LOGIN = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    # The JSON API (wesup/apilimits.py): requests per API token, announcements per person.
    TOKEN_LIMIT = "120 per minute"  # noqa: S105 - a rate, not a secret
    ANNOUNCE_LIMIT = "10 per hour"
    SHIFTS = ""  # e.g. "08:00-20:00,20:00-08:00" in the team zone; empty: one shift per day
    HANDOVER_ALERT_MINUTES = 15  # wall board: a handover nobody accepted turns red
    REPORT_PAGE_SIZE = 200  # tasks behind a report's number per page (1 to 1000)
    SQL_ECHO = False
    HTTPS = False  # served over HTTPS: Secure cookies and Strict-Transport-Security
    REMEMBER_DAYS = 30  # "Remember me", a kiosk screen's session, and every CSRF token
    FRAME_ANCESTORS = ""  # space-separated origins that may frame the wall board; else nobody
    MAX_CONTENT_LENGTH = 1024 * 1024  # bytes; a larger request body is refused unread (413)
    HTTP_TIMEOUT = 30  # seconds a connection may stay silent; > PING_INTERVAL + PING_TIMEOUT
    # Messages to chats (wesup/notify.py): how long one attempt may take, how many attempts a
    # message gets, and the hosts of a private network a generic webhook may still reach.
    NOTIFY_TIMEOUT = 10
    NOTIFY_MAX_ATTEMPTS = 12
    NOTIFY_PRIVATE_HOSTS = ""  # e.g. "10.0.0.5 hooks.lan"; loopback and private refused else
    NOTIFY_WORKER = True  # run.py drains the outbox in the server process


def parse_bool(raw: str) -> bool:
    """Yes or no from a variable: 1/true/yes/on or 0/false/no/off, any case. Anything else
    is a mistake to report (bool("false") would be True)."""
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a yes/no value: {raw!r} (use true or false)")


# Environment variables read as WESUP_<NAME>, each with the parser of its type.
ENV_KEYS: dict[str, Callable[[str], Any]] = {
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
    "WALL_OFFLINE_ALARM_SECONDS": int,
    "MAX_CONNECTIONS": int,
    "SQLITE_SYNCHRONOUS": str,
    "LOGIN_LIMIT_PER_LOGIN": str,
    "LOGIN_LIMIT_PER_ADDRESS": str,
    "TOKEN_LIMIT": str,
    "ANNOUNCE_LIMIT": str,
    "SHIFTS": str,
    "HANDOVER_ALERT_MINUTES": int,
    "REPORT_PAGE_SIZE": int,
    "HTTPS": parse_bool,
    "REMEMBER_DAYS": int,
    "FRAME_ANCESTORS": str,
    "MAX_CONTENT_LENGTH": int,
    "HTTP_TIMEOUT": int,
    "NOTIFY_TIMEOUT": int,
    "NOTIFY_MAX_ATTEMPTS": int,
    "NOTIFY_PRIVATE_HOSTS": str,
    "NOTIFY_WORKER": parse_bool,
}


def env_overrides(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    """Read WESUP_* variables, so that a deployment needs no file edits."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for key, cast in ENV_KEYS.items():
        raw = environ.get(f"WESUP_{key}")
        if raw not in (None, ""):
            try:
                found[key] = cast(raw)
            except ValueError as exc:
                raise ValueError(f"WESUP_{key}: {exc}") from None
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
    if not 1 <= app.config["REPORT_PAGE_SIZE"] <= REPORT_PAGE_MAX:
        raise ValueError(f"WESUP_REPORT_PAGE_SIZE must be 1 to {REPORT_PAGE_MAX}")
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
    _check_http_timeout(app.config)
    _configure_cookies(app.config)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    configure_limiter(app)


def _check_http_timeout(config: Any) -> None:
    """A WebSocket is quiet between pings: a timeout shorter than a ping round would cut it."""
    ping_round = config["PING_INTERVAL"] + config["PING_TIMEOUT"]
    if config["HTTP_TIMEOUT"] <= ping_round:
        raise ValueError(
            f"WESUP_HTTP_TIMEOUT ({config['HTTP_TIMEOUT']} s) must exceed WESUP_PING_INTERVAL + "
            f"WESUP_PING_TIMEOUT ({ping_round} s), or quiet WebSockets would be cut"
        )


def _configure_cookies(config: Any) -> None:
    """Assigned, not set by default: Flask's own defaults (SameSite None) would win.

    A sign-in lasts at most REMEMBER_DAYS without use: the remember-me cookie's lifetime, and
    Flask's limit on the age of a signed session cookie (a kiosk screen's permanent session
    too). A CSRF token lives no longer than that, and dies earlier when its sign-in ends:
    wesup/security.py renews the token's secret at every sign-in and sign-out.
    """
    if config["REMEMBER_DAYS"] < 1:
        raise ValueError("WESUP_REMEMBER_DAYS must be 1 or more")
    lifetime = timedelta(days=config["REMEMBER_DAYS"])
    secure = bool(config["HTTPS"])
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = secure
    config["PERMANENT_SESSION_LIFETIME"] = lifetime
    config["REMEMBER_COOKIE_DURATION"] = lifetime
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_SECURE"] = secure
    config["WTF_CSRF_TIME_LIMIT"] = int(lifetime.total_seconds())
    # wesup/bearer.py runs the CSRF check itself, skipping only requests that carry an API
    # token (no cookie plays a part in them).
    config["WTF_CSRF_CHECK_DEFAULT"] = False


def is_redis_url(url: str | None) -> bool:
    """Whether the message queue is a Redis that presence and sign-in limits can share."""
    return (url or "").startswith(("redis://", "rediss://"))


LIMIT_KEYS = ("LOGIN_LIMIT_PER_LOGIN", "LOGIN_LIMIT_PER_ADDRESS", "TOKEN_LIMIT", "ANNOUNCE_LIMIT")


def configure_limiter(app: Flask) -> None:
    """Flask-Limiter's settings: counts in memory with one process, in the Redis of
    MESSAGE_QUEUE with several (they must share them); each process counts on its own while
    that Redis is unreachable rather than refusing every sign-in."""
    for key in LIMIT_KEYS:
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
