"""Signing in against run.py in real processes: password hashing leaves the event loop free,
several processes share the sign-in counts through Redis, and the setup link makes one admin
however many people post it at once."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.security import generate_password_hash

from tests.conftest import IN_CI, POSTGRES_URL, REDIS_URL, fresh_redis
from tests.server_process import CSRF_FIELD, PASSWORD, Browser, ServerProcess, reset_schema

pytestmark = pytest.mark.e2e

# About a second of CPU on the CI box: long enough to see whether anything else is served
# meanwhile, whatever the load.
SLOW_HASH = "pbkdf2:sha256:2000000"


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Servers a test starts; all stopped afterwards."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def start(servers: list[ServerProcess], workdir: Path, **options) -> ServerProcess:
    server = ServerProcess(workdir, **options)
    servers.append(server)
    return server.start()


def set_password_hash(server: ServerProcess, login: str, password_hash: str) -> None:
    """Write a hash straight into the server's SQLite database."""
    database = server.env["WESUP_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE users SET password_hash = ? WHERE login = ?", (password_hash, login)
        )


def sign_in_form(browser: Browser, login: str, password: str) -> requests.Response:
    return browser.post_form("/login", {"login": login, "password": password})


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_pages_are_served_while_a_password_is_hashed(servers, tmp_path, async_mode):
    """The hash runs in an OS thread: while one sign-in spends a second hashing, the same
    process answers other requests. On the event loop itself it would answer none of them."""
    server = start(servers, tmp_path / async_mode, async_mode=async_mode)
    server.create_user("alice", "agent")
    set_password_hash(server, "alice", generate_password_hash(PASSWORD, method=SLOW_HASH))
    attacker = Browser(server.url)
    token_page = attacker.get("/login").text
    assert "csrf_token" in token_page
    finished: dict[str, float] = {}

    def wrong_password() -> None:
        response = sign_in_form(attacker, "alice", "not the password")
        assert response.status_code == 401
        finished["sign-in"] = time.monotonic()

    signing_in = threading.Thread(target=wrong_password)
    signing_in.start()
    time.sleep(0.3)  # the sign-in is hashing by now
    answered = []
    other = Browser(server.url)
    while signing_in.is_alive():
        if other.get("/login").status_code == 200:
            answered.append(time.monotonic())
    signing_in.join()
    during = [moment for moment in answered if moment < finished["sign-in"]]
    assert len(during) >= 5, f"{len(during)} pages answered while the hash ran"


def test_processes_on_one_redis_share_the_sign_in_counts(servers, tmp_path):
    """Behind a load balancer each attempt may land on another process: the limit holds for
    their sum, not for each."""
    fresh_redis()
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    env = {
        "WESUP_MESSAGE_QUEUE": REDIS_URL,
        "WESUP_LOGIN_LIMIT_PER_LOGIN": "4 per 15 minutes",
        "WESUP_LOGIN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
    }
    a = start(servers, tmp_path / "a", database_url=database, env=env, async_mode="eventlet")
    b = start(servers, tmp_path / "b", database_url=database, env=env, async_mode="threading")
    a.create_user("alice", "agent")
    on_a, on_b = Browser(a.url), Browser(b.url)
    for browser in (on_a, on_b, on_a, on_b):
        assert sign_in_form(browser, "alice", "wrong").status_code == 401
    for browser in (on_a, on_b):
        refused = sign_in_form(browser, "alice", PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
    # another login is still welcome on both
    a.create_user("bob", "agent")
    assert sign_in_form(Browser(b.url), "bob", PASSWORD).status_code == 302


def postgres_url() -> str:
    """The suite's PostgreSQL, emptied for run.py's migrations."""
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI=true but WESUP_TEST_DATABASE_URL is not set")
        pytest.skip("WESUP_TEST_DATABASE_URL is not set")
    reset_schema(POSTGRES_URL)
    return POSTGRES_URL


@pytest.mark.parametrize(
    ("async_mode", "database"),
    [
        ("threading", "sqlite"),
        ("eventlet", "sqlite"),
        pytest.param("eventlet", "postgres", marks=pytest.mark.postgres),
    ],
)
def test_the_setup_link_makes_one_admin_however_many_post_it_at_once(
    servers, tmp_path, async_mode, database
):
    """Eight people open the printed link and press the button together: one admin."""
    url = postgres_url() if database == "postgres" else None
    server = start(servers, tmp_path / async_mode, async_mode=async_mode, database_url=url)
    try:
        path = server.setup_url().removeprefix(server.url)
        token = path.split("token=", 1)[1]
        people = [Browser(server.url) for _ in range(8)]
        forms = []
        for number, person in enumerate(people):
            page = person.get(path).text
            csrf = CSRF_FIELD.search(page).group(1)
            forms.append(
                {
                    "token": token,
                    "login": f"admin{number}",
                    "name": f"Admin {number}",
                    "password": PASSWORD,
                    "csrf_token": csrf,
                }
            )
        start_together = threading.Barrier(len(people))
        answers: dict[int, requests.Response] = {}

        def press(number: int) -> None:
            start_together.wait()
            answers[number] = people[number].post(
                "/setup", data=forms[number], allow_redirects=False
            )

        threads = [threading.Thread(target=press, args=(n,)) for n in range(len(people))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(answer.status_code for answer in answers.values()) == [302] + [404] * 7
        for answer in answers.values():
            if answer.status_code == 404:
                assert "This setup link is not valid" in answer.text
        listed = server.flask("user", "list").stdout.splitlines()
        assert len(listed) == 1 and "\tadmin\t" in listed[0]
        assert "Traceback" not in server.output()
    finally:
        if url:
            server.stop()
            reset_schema(url)
