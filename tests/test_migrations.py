"""The migrations build exactly the schema the models describe (tests use create_all)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.conftest import database_urls
from wesup import create_app
from wesup.extensions import db
from wesup.models import Installation, User


@contextmanager
def empty_database(url: str | None, tmp_path: Path) -> Iterator[None]:
    """An app context on an empty database: a new SQLite file, or an emptied PostgreSQL."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "ASYNC_MODE": "threading",
            "DATABASE_URL": url or f"sqlite:///{tmp_path / 'migrated.sqlite3'}",
        }
    )
    with app.app_context():
        if url:
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        yield


@pytest.mark.parametrize("url", database_urls())
def test_migrations_match_the_models_and_go_down_again(url, tmp_path):
    """run.py applies these: a model change without its migration would break real installs."""
    with empty_database(url, tmp_path):
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


@pytest.mark.parametrize("url", database_urls())
def test_an_installation_with_people_keeps_their_sessions_and_its_spent_setup(url, tmp_path):
    """Upgrading past the sign-in hardening signs nobody out (epoch 0 keeps the old stamp) and
    records the installation as set up."""
    with empty_database(url, tmp_path):
        upgrade(revision="19e84d923e72")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (login, name, password_hash, role, active, created_at) "
                    "VALUES ('alice', 'Alice', 'pbkdf2:sha256:1000$salt$hash', 'agent', "
                    "true, CURRENT_TIMESTAMP)"
                )
            )
        upgrade()
        alice = db.session.execute(sa.select(User)).scalar_one()
        assert alice.session_stamp == hashlib.sha256(alice.password_hash.encode()).hexdigest()[:16]
        assert db.session.get(Installation, Installation.THE_ONE) is not None
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


TEAMWORK_DOWN = "5c1e0a7d2b94"  # the revision before support lines and handovers
OLD_ROWS = [
    "INSERT INTO users (id, login, name, password_hash, role, active, created_at)"
    " VALUES (1, 'alice', 'Alice', 'x', 'agent', true, '2024-01-01 00:00:00+00')",
    "INSERT INTO statuses (id, name, color, category, position)"
    " VALUES (1, 'New', '#000000', 'new', 1)",
    "INSERT INTO tasks (id, title, description, status_id, agent_id, received_at, created_at,"
    " updated_at, version) VALUES (1, 'Printer', '', 1, 1, '2024-01-01 00:00:00+00',"
    " '2024-01-01 00:00:00+00', '2024-01-01 00:00:00+00', 1)",
    "INSERT INTO comments (id, task_id, author_id, body, created_at)"
    " VALUES (1, 1, 1, 'On it', '2024-01-01 00:00:00+00')",
    "INSERT INTO task_events (seq, kind, task_id, agent_id, actor_id, created_at, data)"
    " VALUES (1, 'task.created', 1, 1, 1, '2024-01-01 00:00:00+00', '{}')",
]


@pytest.mark.parametrize("url", database_urls())
def test_the_teamwork_migration_keeps_the_data_and_guards_owners(url, tmp_path, capfd):
    """An installation with tasks, comments and events upgrades (SQLite rebuilds the tasks
    table: the rows that refer to it survive), then refuses a task with neither owner nor
    line; going down again works while every task has an owner, and refuses otherwise."""
    with empty_database(url, tmp_path):
        upgrade(revision=TEAMWORK_DOWN)
        with db.engine.begin() as connection:
            for row in OLD_ROWS:
                connection.execute(sa.text(row))
        upgrade()
        with db.engine.begin() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM comments")) == 1
            assert connection.scalar(sa.text("SELECT agent_id FROM tasks")) == 1
            assert connection.scalar(sa.text("SELECT group_id FROM tasks")) is None
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE tasks SET agent_id = NULL"))
        downgrade(revision=TEAMWORK_DOWN)
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO groups VALUES (1, 'L', '#000000', 1, NULL)"))
            connection.execute(sa.text("UPDATE tasks SET agent_id = NULL, group_id = 1"))
        with pytest.raises(SystemExit):  # flask_migrate reports the migration's error, exits
            downgrade(revision=TEAMWORK_DOWN)
        assert "1 tasks wait in a line's queue with no owner" in capfd.readouterr().err
        db.engine.dispose()


RUSH_DOWN = "e234441ca969"  # the revision before urgent and last_activity_at
ACTIVITY_ROWS = [
    "INSERT INTO users (id, login, name, password_hash, role, active, created_at, session_epoch)"
    " VALUES (1, 'alice', 'Alice', 'x', 'agent', true, '2024-01-01 00:00:00+00', 0)",
    "INSERT INTO statuses (id, name, color, category, position)"
    " VALUES (1, 'New', '#000000', 'new', 1)",
    "INSERT INTO tasks (id, title, description, status_id, agent_id, received_at, created_at,"
    " updated_at, version) VALUES (1, 'Printer', '', 1, 1, '2024-01-01 00:00:00+00',"
    " '2024-01-01 00:00:00+00', '2024-01-01 00:00:00+00', 1)",
    "INSERT INTO tasks (id, title, description, status_id, agent_id, received_at, created_at,"
    " updated_at, version) VALUES (2, 'Mail', '', 1, 1, '2024-01-01 00:00:00+00',"
    " '2024-01-01 00:00:00+00', '2024-01-01 00:00:00+00', 1)",
    "INSERT INTO task_events (seq, kind, task_id, agent_id, actor_id, created_at, data)"
    " VALUES (1, 'task.created', 1, 1, 1, '2024-01-01 00:00:00+00', '{}')",
    "INSERT INTO task_events (seq, kind, task_id, agent_id, actor_id, created_at, data)"
    " VALUES (2, 'task.commented', 1, 1, 1, '2024-01-01 05:30:00+00', '{}')",
]


@pytest.mark.parametrize("url", database_urls())
def test_last_activity_is_backfilled_from_the_newest_event(url, tmp_path):
    """An installation's tasks get the time of their newest event (their creation when the
    log has none) and are not urgent; going down and up again works."""
    with empty_database(url, tmp_path):
        upgrade(revision=RUSH_DOWN)
        with db.engine.begin() as connection:
            for row in ACTIVITY_ROWS:
                connection.execute(sa.text(row))
        upgrade()
        with db.engine.begin() as connection:
            newest = connection.scalar(sa.text("SELECT created_at FROM task_events WHERE seq = 2"))
            created = connection.scalar(sa.text("SELECT created_at FROM tasks WHERE id = 2"))
            rows = dict(connection.execute(sa.text("SELECT id, last_activity_at FROM tasks")).all())
            assert rows == {1: newest, 2: created}
            assert connection.scalar(sa.text("SELECT count(*) FROM tasks WHERE urgent")) == 0
        downgrade(revision=RUSH_DOWN)
        upgrade()
        db.engine.dispose()
