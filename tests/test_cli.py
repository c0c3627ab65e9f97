"""`flask --app wesup user create|list`: what scripts use to set a team up."""

from __future__ import annotations

import pytest

from tests.builders import Auth, db_state, make_user
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import User

STDIN = "a long password\n"


def create(runner, *args: str, password: str = STDIN):
    return runner.invoke(args=["user", "create", *args], input=password)


def signs_in(app, login: str, password: str) -> bool:
    auth = Auth(app.test_client())
    auth.login(login, password)
    return auth.csrf_token is not None


def test_create_reads_the_password_from_stdin(app, runner):
    result = create(
        runner,
        "Bob",
        "--name",
        "Bob Builder",
        "--role",
        "lead",
        "--password-stdin",
        password="correct horse staple\n",
    )
    assert result.exit_code == 0, result.output
    assert "created bob (lead)" in result.output
    assert "correct horse staple" not in result.output
    with app.app_context():
        bob = db.session.execute(db.select(User).where(User.login == "bob")).scalar_one()
        assert (bob.name, bob.role, bob.active) == ("Bob Builder", "lead", True)
        assert bob.password_hash != "correct horse staple"
    assert signs_in(app, "bob", "correct horse staple")


def test_create_keeps_spaces_inside_the_password_and_drops_the_newline(app, runner):
    result = create(
        runner, "bob", "--name", "Bob", "--password-stdin", password="  spaced out pass  \r\n"
    )
    assert result.exit_code == 0, result.output
    assert signs_in(app, "bob", "  spaced out pass  ")


def test_the_default_role_is_agent(app, runner):
    assert create(runner, "bob", "--name", "Bob", "--password-stdin").exit_code == 0
    with app.app_context():
        assert db.session.execute(db.select(User.role)).scalar_one() == Role.AGENT


def test_create_can_prompt_for_the_password_twice(app, runner):
    result = create(runner, "bob", "--name", "Bob", password="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert signs_in(app, "bob", "a long password")


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["bob", "--name", "Bob", "--password-stdin"], "short\n", "password"),
        (["bob", "--name", "Bob", "--password-stdin"], "\n", "password"),
        (["alice", "--name", "Another Alice", "--password-stdin"], "a long password\n", "login"),
        (["bad login!", "--name", "Bob", "--password-stdin"], "a long password\n", "login"),
        (["bob", "--name", "  ", "--password-stdin"], "a long password\n", "name"),
    ],
)
def test_create_refuses_bad_details_and_says_why(app, runner, args, password, message):
    make_user(app, "alice")
    before = db_state(app)
    result = create(runner, *args, password=password)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db_state(app) == before


@pytest.mark.parametrize(
    "args",
    [
        ["bob", "--name", "Bob", "--role", "boss", "--password-stdin"],
        ["bob", "--password-stdin"],
        ["--name", "Bob", "--password-stdin"],
    ],
)
def test_create_refuses_bad_usage(app, runner, args):
    before = db_state(app)
    result = create(runner, *args)
    assert result.exit_code == 2
    assert db_state(app) == before


def test_list_shows_one_line_a_person(app, runner):
    alice = make_user(app, "alice", name="Alice Smith")
    vera = make_user(app, "vera", role=Role.VIEWER, name="Vera Jones")
    with app.app_context():
        db.session.get(User, vera.id).active = False
        db.session.commit()
    result = runner.invoke(args=["user", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{alice.id}\talice\tagent\tactive\tAlice Smith",
        f"{vera.id}\tvera\tviewer\tinactive\tVera Jones",
    ]


def test_list_with_nobody_prints_nothing(app, runner):
    result = runner.invoke(args=["user", "list"])
    assert (result.exit_code, result.output) == (0, "")
