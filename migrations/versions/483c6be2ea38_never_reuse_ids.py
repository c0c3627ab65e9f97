"""never reuse ids: AUTOINCREMENT on SQLite

SQLite gives a new row max(id) + 1, so the id of a removed chat or status came back as
another entry's, and old events and shared links (?chat=7) then named the wrong one. With
AUTOINCREMENT it never goes back. SQLite cannot add it to a table, so each table is rebuilt
(batch "recreate": copy, drop, rename), keeping every row and id. The counters start above
the highest id the event log has seen, so the ids removed before this upgrade stay unused
too. PostgreSQL: nothing to do, its sequences never go back.

Revision ID: 483c6be2ea38
Revises: 19e84d923e72
Create Date: 2026-12-01 18:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "483c6be2ea38"
down_revision = "19e84d923e72"
branch_labels = None
depends_on = None

# Parents before children; the event key names the id an event carries ("chat" -> chat.id).
TABLES = {
    "users": None,
    "chats": "chat",
    "statuses": "status",
    "kiosk_tokens": "kiosk",
    "tasks": None,  # task events carry task_id, which is a foreign key: never dangling
    "comments": None,
}


def _rebuild(autoincrement: bool) -> None:
    """Recreate every table with or without AUTOINCREMENT. migrations/env.py turns foreign
    keys off meanwhile (dropping a parent table would fail on its children's references);
    they are checked before the transaction commits."""
    bind = op.get_bind()
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
        raise RuntimeError("run through flask db upgrade: foreign keys must be off here")
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"foreign keys broken by the rebuild: {broken}")


def _start_counters_above_the_event_log() -> None:
    """AUTOINCREMENT starts from the highest id still present; an entry removed before
    this upgrade is known only to the event log, so start above that too."""
    bind = op.get_bind()
    for table, key in TABLES.items():
        seen = f"(SELECT MAX(id) FROM {table})"
        if key is not None:
            seen = (
                f"MAX(COALESCE({seen}, 0), COALESCE((SELECT MAX(json_extract(data, '$.{key}.id'))"
                f" FROM task_events WHERE kind LIKE '{key}.%'), 0))"
            )
        bind.exec_driver_sql(f"DELETE FROM sqlite_sequence WHERE name = '{table}'")
        bind.exec_driver_sql(
            f"INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', COALESCE({seen}, 0)"
        )


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(autoincrement=True)
    _start_counters_above_the_event_log()


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(autoincrement=False)
