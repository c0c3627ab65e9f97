"""Sign-in limits (per login, per address, 429 with Retry-After) and the cost of a refusal:
every answer of the sign-in form costs one password check, known login or not."""

from __future__ import annotations

import re

import pytest
import redis
from flask import Flask

from tests.builders import PASSWORD, make_user, signed_in
from tests.conftest import REDIS_URL, fresh_redis
from wesup import create_app, passwords, users
from wesup.config import Defaults, configure
from wesup.extensions import db, limiter
from wesup.models import User

FEW = "3 per 15 minutes"
MANY = "1000 per 15 minutes"
WRONG = "not the password"
FEW_PER_LOGIN = pytest.mark.parametrize(
    "app_config", [{"LOGIN_LIMIT_PER_LOGIN": FEW, "LOGIN_LIMIT_PER_ADDRESS": MANY}]
)
FEW_PER_ADDRESS = pytest.mark.parametrize(
    "app_config", [{"LOGIN_LIMIT_PER_LOGIN": MANY, "LOGIN_LIMIT_PER_ADDRESS": FEW}]
)
ONE_PER_LOGIN = pytest.mark.parametrize(
    "app_config", [{"LOGIN_LIMIT_PER_LOGIN": "1 per 15 minutes", "LOGIN_LIMIT_PER_ADDRESS": MANY}]
)


def csrf_from(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def attempt(client, login: str, password: str = WRONG, **headers: str):
    """One post of the sign-in form, with the token of the page it came from."""
    token = csrf_from(client.get("/login"))
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        headers={"Accept-Language": "en", **headers},
    )


def from_address(app: Flask, address: str):
    """A browser on another machine."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def who(client) -> str | None:
    response = client.get("/api/session")
    return response.get_json()["user"]["login"] if response.status_code == 200 else None


def fail(client, login: str, times: int) -> None:
    """Wrong passwords, each refused as wrong (not yet as too many)."""
    for _ in range(times):
        assert attempt(client, login).status_code == 401


def assert_limited(response) -> int:
    """A 429 page with the form, a message saying when, and Retry-After in seconds."""
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'name="login"' in html and 'name="password"' in html
    assert re.search(r"Too many sign-in attempts\. Try again in \d+ minutes?\.", html)
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 15 * 60
    return retry


# --- per login ------------------------------------------------------------------------------


@FEW_PER_LOGIN
def test_wrong_passwords_for_one_login_are_refused_past_the_limit(app, client):
    make_user(app, "alice")
    make_user(app, "bob")
    fail(client, "alice", 3)
    assert_limited(attempt(client, "alice"))
    # the right password does not get through either, however the login is typed
    assert_limited(attempt(client, "  ALICE ", PASSWORD))
    assert who(client) is None
    # the same login from another machine is refused too: the count belongs to the login
    assert_limited(attempt(from_address(app, "10.0.0.2"), "alice", PASSWORD))
    # another login from this browser is not
    assert attempt(client, "bob", PASSWORD).status_code == 302
    assert who(client) == "bob"


@FEW_PER_LOGIN
def test_a_right_password_clears_the_count_of_its_login(app, client):
    make_user(app, "alice")
    fail(client, "alice", 2)
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/tasks/mine"))})
    # without the clearing this would be the sixth attempt of three
    fail(client, "alice", 3)
    assert_limited(attempt(client, "alice"))


@FEW_PER_LOGIN
def test_unknown_logins_are_counted_too(app, client):
    make_user(app, "alice")
    fail(client, "nobody", 3)
    assert_limited(attempt(client, "Nobody"))


# --- per address ----------------------------------------------------------------------------


@FEW_PER_ADDRESS
def test_one_address_trying_many_logins_is_refused_past_the_limit(app):
    make_user(app, "alice")
    spray = from_address(app, "10.0.0.66")
    for login in ("ann", "ben", "cid"):
        assert attempt(spray, login).status_code == 401
    assert_limited(attempt(spray, "alice", PASSWORD))
    assert who(spray) is None
    other = from_address(app, "10.0.0.7")
    assert attempt(other, "alice", PASSWORD).status_code == 302
    assert who(other) == "alice"


@FEW_PER_ADDRESS
def test_live_pages_and_the_api_are_never_limited(app):
    """Only the sign-in form is limited: a signed-in person on the same address keeps working."""
    alice = signed_in(app, "alice")
    spray = app.test_client()
    for _ in range(4):
        attempt(spray, "nobody")
    assert attempt(spray, "nobody").status_code == 429
    for _ in range(30):
        assert alice.client.get("/api/tasks/mine").status_code == 200
        assert alice.client.get("/board/data").status_code == 200
    assert alice.api("POST", "/api/tasks", {"title": "Still working"}).status_code == 201
    assert spray.get("/login").status_code == 200  # the form itself is always shown


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "LOGIN_LIMIT_PER_LOGIN": FEW,
            "LOGIN_LIMIT_PER_ADDRESS": MANY,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
        }
    ],
)
def test_counts_kept_in_redis_limit_and_clear_alike(app, client):
    """With several processes the counts live in Redis: the same limit, the same clearing."""
    fresh_redis()
    make_user(app, "alice")
    fail(client, "alice", 2)
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/tasks/mine"))})
    fail(client, "alice", 3)
    assert_limited(attempt(client, "alice"))
    assert redis.Redis.from_url(REDIS_URL).keys("LIMITS*")  # counted there, not in memory


@ONE_PER_LOGIN
def test_a_refusal_answers_json_when_json_is_asked_for(app, client):
    make_user(app, "alice")
    attempt(client, "alice")
    response = attempt(client, "alice", Accept="application/json")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"].startswith("Too many sign-in attempts.")


@ONE_PER_LOGIN
def test_the_refusal_is_translated(app, client):
    make_user(app, "alice")
    attempt(client, "alice")
    response = attempt(client, "alice", **{"Accept-Language": "ru"})
    assert response.status_code == 429
    assert "Слишком много попыток входа" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "LOGIN_LIMIT_PER_LOGIN": "2 per 15 minutes",
            "LOGIN_LIMIT_PER_ADDRESS": MANY,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/7",  # nothing listens there
        }
    ],
)
def test_an_unreachable_redis_leaves_the_limits_to_each_process(app, client, monkeypatch):
    """A Redis outage neither refuses every sign-in nor lifts the limits: this process counts."""
    # Flask-Limiter remembers "storage dead" into the next app: put it back afterwards.
    monkeypatch.setattr(limiter, "_storage_dead", False)
    make_user(app, "alice")
    make_user(app, "bob")
    assert attempt(client, "bob", PASSWORD).status_code == 302
    for _ in range(2):
        assert attempt(app.test_client(), "alice").status_code == 401
    assert attempt(app.test_client(), "alice").status_code == 429


# --- configuration --------------------------------------------------------------------------


def test_the_documented_defaults():
    assert Defaults.LOGIN_LIMIT_PER_LOGIN == "10 per 15 minutes"
    assert Defaults.LOGIN_LIMIT_PER_ADDRESS == "50 per 15 minutes"


def configured(tmp_path, **overrides) -> Flask:
    """A bare app put through the loading order only: an app built with a Redis queue would
    leave Flask-SocketIO's shared extension talking to that queue in later tests."""
    app = Flask("wesup", instance_path=str(tmp_path), instance_relative_config=True)
    configure(app, {"SECRET_KEY": "x", **overrides})
    return app


def test_limits_come_from_the_environment_and_counts_from_the_message_queue(tmp_path, monkeypatch):
    monkeypatch.setenv("WESUP_LOGIN_LIMIT_PER_LOGIN", "5 per minute")
    monkeypatch.setenv("WESUP_LOGIN_LIMIT_PER_ADDRESS", "20 per hour")
    monkeypatch.delenv("WESUP_MESSAGE_QUEUE", raising=False)
    alone = configured(tmp_path)
    assert alone.config["LOGIN_LIMIT_PER_LOGIN"] == "5 per minute"
    assert alone.config["LOGIN_LIMIT_PER_ADDRESS"] == "20 per hour"
    assert alone.config["RATELIMIT_STORAGE_URI"] == "memory://"
    queue = "redis://127.0.0.1:6379/7"
    assert configured(tmp_path, MESSAGE_QUEUE=queue).config["RATELIMIT_STORAGE_URI"] == queue
    other = configured(tmp_path, MESSAGE_QUEUE="amqp://127.0.0.1//")
    assert other.config["RATELIMIT_STORAGE_URI"] == "memory://"  # not a Redis: each its own


@pytest.mark.parametrize("bad", ["ten per minute", "10 per fortnight", "lots"])
def test_a_limit_that_cannot_be_read_stops_the_start(tmp_path, bad):
    with pytest.raises(ValueError, match="WESUP_LOGIN_LIMIT_PER_ADDRESS"):
        create_app(
            {
                "SECRET_KEY": "x",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "ASYNC_MODE": "threading",
                "LOGIN_LIMIT_PER_ADDRESS": bad,
            }
        )


# --- one password check per answer ---------------------------------------------------------


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """The hashes the sign-in form checked a password against, in order."""
    seen: list[str] = []
    real = passwords.check

    def spy(password_hash: str, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check", spy)
    return seen


def method_of(password_hash: str) -> str:
    """'scrypt:32768:8:1' of 'scrypt:32768:8:1$salt$hash': the algorithm and its cost."""
    return password_hash.split("$", 1)[0]


@pytest.mark.parametrize(
    ("login", "password"),
    [("nobody", PASSWORD), ("nobody", ""), ("", "x"), ("al\x00ice", PASSWORD), ("gone", PASSWORD)],
)
def test_a_login_that_opens_nothing_costs_one_real_check(app, client, checks, login, password):
    """Unknown, empty, impossible and deactivated logins are checked against a dummy hash made
    like a new password's, so they take as long to refuse as a wrong password."""
    gone = make_user(app, "gone")
    with app.app_context():
        db.session.get(User, gone.id).active = False
        db.session.commit()
    assert attempt(client, login, password).status_code == 401
    assert len(checks) == 1
    with app.app_context():
        assert checks[0] == passwords.dummy_hash()
        assert method_of(checks[0]) == method_of(passwords.make("any new password"))


def test_a_known_login_costs_one_check_against_its_own_hash(app, client, checks):
    alice = make_user(app, "alice")
    assert attempt(client, "alice").status_code == 401
    assert attempt(client, "alice", PASSWORD).status_code == 302
    assert checks == [alice.password_hash, alice.password_hash]


def test_the_dummy_hash_opens_nothing(app):
    with app.app_context():
        assert users.authenticate("nobody", "") is None
        assert not passwords.check(passwords.dummy_hash(), "")
        assert passwords.dummy_hash() == passwords.dummy_hash()  # made once
