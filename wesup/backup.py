"""Backups: a consistent copy of a live SQLite database; the pg_dump lines for PostgreSQL.

`flask --app wesup backup FILE` (wesup/cli.py) calls `backup_sqlite`. Copying the file with
`cp` while the server writes can give a torn copy (the last commits are in the -wal file,
pages change under the copy); SQLite's online backup API reads one consistent snapshot
instead, and under WAL the server keeps writing meanwhile (readers never block writers).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa


class BackupRefused(Exception):
    """Nothing was written: the message says why."""


def sqlite_file(url: sa.URL) -> Path | None:
    """The database file of a SQLite URL; None for any other database or an in-memory one."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> int:
    """Copy the database at `source` to `target` with the online backup API, check the copy
    (PRAGMA integrity_check) and only then give it the target's name. Returns its page count.

    The copy is one self-contained file (journal mode DELETE, no -wal beside it): restoring
    is copying it back while the server is stopped."""
    if not source.is_file():
        raise BackupRefused(f"no database at {source}")
    target = target.resolve()
    if target == source.resolve():
        raise BackupRefused("the backup would overwrite the database itself")
    if target.exists() and not force:
        raise BackupRefused(f"{target} exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise BackupRefused(f"no folder {target.parent}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    # mode=rw: never create a database where there was none; a busy timeout rides out the
    # moment a checkpoint holds the file.
    live = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy)  # all pages in one step: one snapshot, whatever the server writes
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    finally:
        copy.close()
        live.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"the copy failed its integrity check: {verdict}")
    os.replace(partial, target)
    return pages


def pg_dump_advice(url: sa.URL, target: Path) -> str:
    """What to run instead on PostgreSQL (the password stays out of the text)."""
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return (
        "WeSup runs on PostgreSQL here: back it up with pg_dump, which is consistent while the "
        "server writes:\n"
        f"  pg_dump --format=custom --file {target} '{libpq}'\n"
        "and restore it into a new, empty database with:\n"
        f"  pg_restore --no-owner --dbname '<new database URL>' {target}\n"
        "(give a password through PGPASSWORD or ~/.pgpass)"
    )
