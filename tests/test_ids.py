"""Ids are never reused: old events, shared links (?chat=7) and open pages name an entry by
its id, so a removed chat's id must never come back as another chat's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.builders import signed_in
from wesup import create_app
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Chat

INITIAL = "19e84d923e72"  # the revision before AUTOINCREMENT
NEVER_REUSE = "483c6be2ea38"  # the migration that brings it


ONE = {"chats": "chat", "statuses": "status"}


def add(lead, kind: str, body: dict) -> int:
    return lead.api("POST", f"/api/{kind}", body).get_json()[ONE[kind]]["id"]


def remove(lead, kind: str, entry_id: int) -> None:
    """Delete an unused entry: it is removed, not archived."""
    assert lead.api("DELETE", f"/api/{kind}/{entry_id}").get_json()["removed"] is True


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("chats", {"name": "Short-lived"}),
        ("statuses", {"name": "Short-lived", "color": "#123456", "category": "active"}),
    ],
)
def test_a_removed_entrys_id_is_not_given_again(app, kind, body):
    lead = signed_in(app, "lena", role=Role.LEAD)
    first = add(lead, kind, body)
    remove(lead, kind, first)
    second = add(lead, kind, body)
    assert second > first
    remove(lead, kind, second)
    with app.app_context():  # a restart: new connections, nothing remembered in the process
        db.session.remove()
        db.engine.dispose()
    assert add(lead, kind, body) > second


def autoincrement_tables(engine: sa.Engine) -> set[str]:
    """Tables whose SQLite definition says AUTOINCREMENT."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type='table'")
        return {name for name, sql in rows if "AUTOINCREMENT" in (sql or "").upper()}


def migrated_app(path: Path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "ASYNC_MODE": "threading",
            "DATABASE_URL": f"sqlite:///{path}",
        }
    )


def test_the_migration_makes_sqlite_count_on_and_keeps_every_row(tmp_path):
    """An installation from before: chats 1-3, a task in chat 1, chat 3 removed (the event
    log remembers it). After the upgrade the next chat is 4, not 3, and nothing is lost."""
    app = migrated_app(tmp_path / "old.sqlite3")
    with app.app_context():
        upgrade(revision=INITIAL)
        engine = db.engine
        assert autoincrement_tables(engine) == {"task_events"}
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, login, name, password_hash, role, active, created_at)"
                " VALUES (1, 'lena', 'Lena', 'x', 'lead', 1, '2026-01-01 00:00:00')"
            )
            for chat_id in (1, 2, 3):
                connection.execute(
                    sa.text("INSERT INTO chats (id, name, note) VALUES (:id, :name, '')"),
                    {"id": chat_id, "name": f"Chat {chat_id}"},
                )
            connection.exec_driver_sql(
                "INSERT INTO statuses (id, name, color, category, position)"
                " VALUES (1, 'New', '#123456', 'new', 1)"
            )
            connection.exec_driver_sql(
                "INSERT INTO tasks (id, title, description, chat_id, status_id, agent_id,"
                " received_at, created_at, updated_at, version) VALUES (1, 'VPN', '', 1, 1, 1,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
            )
            connection.exec_driver_sql("DELETE FROM chats WHERE id = 3")
            connection.execute(
                sa.text(
                    "INSERT INTO task_events (kind, actor_id, created_at, data)"
                    " VALUES ('chat.deleted', 1, '2026-01-01 00:00:00', :data)"
                ),
                {"data": json.dumps({"chat": {"id": 3, "name": "Chat 3"}})},
            )
        before = {
            table: connection_rows(engine, table)
            for table in ("users", "chats", "statuses", "tasks", "task_events")
        }

        upgrade(revision=NEVER_REUSE)

        assert {
            table: connection_rows(engine, table) for table in before
        } == before  # every row, with its id
        upgrade()  # and on to the newest schema, which the models describe
        expected = {
            table.name
            for table in db.metadata.sorted_tables
            if table.dialect_options["sqlite"]["autoincrement"]
        }
        assert expected >= {"chats", "statuses", "users", "tasks", "comments", "kiosk_tokens"}
        assert autoincrement_tables(engine) == expected  # the models and the migration agree
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        chat = Chat(name="New chat", note="")
        db.session.add(chat)
        db.session.commit()
        assert chat.id == 4  # 3 was removed before the upgrade: never again
        db.session.remove()
        engine.dispose()


def connection_rows(engine: sa.Engine, table: str) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(sa.text("*")).select_from(sa.table(table)).order_by(sa.text("1"))
            )
        ]
