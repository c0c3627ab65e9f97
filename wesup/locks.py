"""Row locks for checks that must still hold at commit.

"The chat exists and is not archived" is checked before a task is saved with it, and "no
task uses this chat" before a lead removes it. Without a lock, two requests can each pass
their check and then collide: a task in a removed chat (a foreign-key error, so a 500) or
a task added to a chat just archived. With `hold`, the two wait for each other and the
second one reads what the first one committed.

PostgreSQL locks the one row: FOR KEY SHARE to use it (a rename or recolor can still go on),
FOR UPDATE to change or remove it; the two conflict. SQLite has one writer at a time and
ignores FOR UPDATE, so there the transaction takes the database's write lock at once
(BEGIN IMMEDIATE): nothing it reads afterwards can change before it commits.
"""

from __future__ import annotations

from typing import TypeVar

from wesup.extensions import db

Row = TypeVar("Row")

TO_USE = {"read": True, "key_share": True}  # FOR KEY SHARE


def begin_write() -> None:
    """SQLite: take the write lock now, unless this transaction has it already (it has
    written). PostgreSQL: nothing; rows are locked one by one."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def hold(model: type[Row], row_id: int, *, to_change: bool) -> Row | None:
    """The row as committed now, locked until this transaction ends; None when it is gone.
    `to_change` for archiving, removing or changing what others rely on; else to use it."""
    begin_write()
    return db.session.get(
        model, row_id, with_for_update=True if to_change else TO_USE, populate_existing=True
    )
