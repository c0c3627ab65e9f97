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
