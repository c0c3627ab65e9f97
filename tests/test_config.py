"""Configuration: defaults, instance/config.py, WESUP_* variables, then create_app's dict."""

from __future__ import annotations

import stat
import sys

import pytest
from flask import Flask

from wesup import create_app
from wesup.config import ENV_KEYS, configure


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An empty instance folder, and an environment without WESUP_* settings."""
    for key in ENV_KEYS:
        monkeypatch.delenv(f"WESUP_{key}", raising=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("WESUP_INSTANCE_PATH", str(folder))
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    return folder


def configured(instance, overrides=None) -> Flask:
    """A bare app put through the loading order, as create_app does first."""
    app = Flask("wesup", instance_path=str(instance), instance_relative_config=True)
    configure(app, overrides)
    return app


def test_defaults(instance):
    config = configured(instance).config
    assert config["TIMEZONE"] == "Europe/Moscow"
    assert config["ASYNC_MODE"] == "eventlet"
    assert (config["HOST"], config["PORT"]) == ("127.0.0.1", 5000)
    assert config["MESSAGE_QUEUE"] is None
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'wesup.sqlite3'}"


@pytest.mark.parametrize(
    ("file", "env", "given", "expected"),
    [
        (None, None, None, "Europe/Moscow"),
        ("Asia/Tokyo", None, None, "Asia/Tokyo"),
        ("Asia/Tokyo", "America/New_York", None, "America/New_York"),
        (None, "America/New_York", None, "America/New_York"),
        ("Asia/Tokyo", "America/New_York", "UTC", "UTC"),
        ("Asia/Tokyo", None, "UTC", "UTC"),
        ("Asia/Tokyo", "", None, "Asia/Tokyo"),  # an empty variable does not count
    ],
)
def test_each_layer_overrides_the_one_before(instance, monkeypatch, file, env, given, expected):
    if file is not None:
        (instance / "config.py").write_text(f"TIMEZONE = {file!r}\n")
    if env is not None:
        monkeypatch.setenv("WESUP_TIMEZONE", env)
    app = configured(instance, {"TIMEZONE": given} if given else None)
    assert app.config["TIMEZONE"] == expected


def test_numbers_from_the_environment_are_numbers(instance, monkeypatch):
    monkeypatch.setenv("WESUP_PORT", "8080")
    monkeypatch.setenv("WESUP_REPLAY_LIMIT", "50")
    config = configured(instance).config
    assert (config["PORT"], config["REPLAY_LIMIT"]) == (8080, 50)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("true", True), ("1", True), ("Yes", True), ("on", True)],
        *[("false", False), ("0", False), ("NO", False), ("off", False)],
    ],
)
def test_yes_no_settings_from_the_environment_mean_what_they_say(
    instance, monkeypatch, raw, expected
):
    """bool("false") is True: a yes/no variable needs its own parser."""
    monkeypatch.setenv("WESUP_HTTPS", raw)
    assert configured(instance).config["HTTPS"] is expected


def test_a_yes_no_setting_that_is_neither_is_refused(instance, monkeypatch):
    monkeypatch.setenv("WESUP_HTTPS", "maybe")
    with pytest.raises(ValueError, match="WESUP_HTTPS"):
        configured(instance)


def test_the_hardening_settings_come_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("WESUP_REMEMBER_DAYS", "7")
    monkeypatch.setenv("WESUP_MAX_CONTENT_LENGTH", "4096")
    monkeypatch.setenv("WESUP_HTTP_TIMEOUT", "45")
    monkeypatch.setenv("WESUP_FRAME_ANCESTORS", "https://dash.example.com")
    config = configured(instance).config
    assert (config["REMEMBER_DAYS"], config["MAX_CONTENT_LENGTH"]) == (7, 4096)
    assert (config["HTTP_TIMEOUT"], config["FRAME_ANCESTORS"]) == (45, "https://dash.example.com")
    assert config["WTF_CSRF_TIME_LIMIT"] == 7 * 24 * 3600


def test_the_hardening_defaults(instance):
    config = configured(instance).config
    assert config["HTTPS"] is False
    assert config["REMEMBER_DAYS"] == 30
    assert config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert config["HTTP_TIMEOUT"] == 30
    assert config["FRAME_ANCESTORS"] == ""
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"  # not Flask's None
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(("interval", "timeout", "http"), [(10, 5, 15), (10, 5, 10), (20, 20, 30)])
def test_an_http_timeout_that_would_cut_quiet_websockets_is_refused(
    instance, interval, timeout, http
):
    settings = {"PING_INTERVAL": interval, "PING_TIMEOUT": timeout, "HTTP_TIMEOUT": http}
    with pytest.raises(ValueError, match="WESUP_HTTP_TIMEOUT"):
        configured(instance, settings)


def test_a_sign_in_must_last_a_day_at_least(instance):
    with pytest.raises(ValueError, match="WESUP_REMEMBER_DAYS"):
        configured(instance, {"REMEMBER_DAYS": 0})


@pytest.mark.parametrize("size", [0, 1001])
def test_a_report_page_size_the_api_would_refuse_stops_the_start(instance, size):
    with pytest.raises(ValueError, match="WESUP_REPORT_PAGE_SIZE"):
        configured(instance, {"REPORT_PAGE_SIZE": size})


def test_trusted_proxies_default_to_none(instance, monkeypatch):
    assert configured(instance).config["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("WESUP_TRUSTED_PROXIES", "1")
    assert configured(instance).config["TRUSTED_PROXIES"] == 1


@pytest.mark.parametrize("given", [-1, "1", 1.5])
def test_a_trusted_proxies_count_that_is_not_a_whole_number_is_refused(instance, given):
    with pytest.raises(ValueError, match="WESUP_TRUSTED_PROXIES"):
        configured(instance, {"TRUSTED_PROXIES": given})


def test_an_unknown_async_mode_is_refused(instance, monkeypatch):
    monkeypatch.setenv("WESUP_ASYNC_MODE", "asyncio-please")
    with pytest.raises(ValueError, match="WESUP_ASYNC_MODE"):
        configured(instance)


# --- the secret key -------------------------------------------------------------------------


def test_a_secret_key_is_generated_into_the_instance_and_kept(instance):
    first = configured(instance).config["SECRET_KEY"]
    path = instance / "secret_key"
    assert path.read_text().strip() == first
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # readable by the server's user alone
    # the next start (and every process of this installation) signs with the same key
    assert configured(instance).config["SECRET_KEY"] == first


def test_every_installation_gets_its_own_secret_key(instance, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    assert configured(instance).config["SECRET_KEY"] != configured(other).config["SECRET_KEY"]


@pytest.mark.parametrize("source", ["file", "env"])
def test_a_configured_secret_key_is_used_and_nothing_is_written(instance, monkeypatch, source):
    if source == "file":
        (instance / "config.py").write_text("SECRET_KEY = 'from the instance file'\n")
        expected = "from the instance file"
    else:
        monkeypatch.setenv("WESUP_SECRET_KEY", "from the environment")
        expected = "from the environment"
    assert configured(instance).config["SECRET_KEY"] == expected
    assert not (instance / "secret_key").exists()


# --- the database ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://wesup@db:5432/wesup", "postgresql+psycopg2://wesup@db:5432/wesup"),
        ("postgres://wesup@db/wesup", "postgresql+psycopg2://wesup@db/wesup"),
        ("postgresql+psycopg2://wesup@db/wesup", "postgresql+psycopg2://wesup@db/wesup"),
        ("sqlite:////var/lib/wesup/wesup.sqlite3", "sqlite:////var/lib/wesup/wesup.sqlite3"),
    ],
)
def test_postgresql_urls_use_psycopg2(instance, monkeypatch, given, used):
    """psycopg2 is the driver that also works under eventlet."""
    monkeypatch.setenv("WESUP_DATABASE_URL", given)
    assert configured(instance).config["SQLALCHEMY_DATABASE_URI"] == used


# --- through create_app ---------------------------------------------------------------------


def test_create_app_applies_the_whole_order(instance, monkeypatch):
    (instance / "config.py").write_text(
        "ASYNC_MODE = 'threading'\nTIMEZONE = 'Asia/Tokyo'\nPORT = 7000\n"
    )
    monkeypatch.setenv("WESUP_PORT", "7001")
    monkeypatch.setenv("WESUP_DATABASE_URL", "postgresql://wesup@db/wesup")
    app = create_app({"PING_TIMEOUT": 3})
    assert app.instance_path == str(instance)
    assert app.config["TIMEZONE"] == "Asia/Tokyo"
    assert app.config["PORT"] == 7001
    assert app.config["PING_TIMEOUT"] == 3
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://wesup@db/wesup"
    assert app.secret_key == (instance / "secret_key").read_text().strip()


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_a_process_that_did_not_patch_gets_threading_sockets(monkeypatch, mode):
    """The flask CLI imports the app without serving: no eventlet import, no warning."""
    from wesup.config import serving_async_mode

    monkeypatch.delitem(sys.modules, mode, raising=False)
    assert serving_async_mode(mode) == "threading"
    monkeypatch.setitem(sys.modules, mode, object())  # what run.py's monkey_patch leaves
    assert serving_async_mode(mode) == mode
    assert serving_async_mode("threading") == "threading"
