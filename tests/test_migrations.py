"""The migrations build exactly the schema the models describe (tests use create_all)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.conftest import database_urls
from wesup import create_app
from wesup.extensions import db


@pytest.mark.parametrize("url", database_urls())
def test_migrations_match_the_models_and_go_down_again(url, tmp_path):
    """run.py applies these: a model change without its migration would break real installs."""
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
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
