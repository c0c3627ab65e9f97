"""Keeping the data: `flask --app wesup backup FILE` copies a live SQLite database, the copy
restores into a fresh instance with nothing missing, and the durability of SQLite commits
(PRAGMA synchronous) is a setting."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from tests.builders import make_task, make_user
from tests.conftest import IN_CI, POSTGRES_URL
from tests.server_process import Browser, ServerProcess, create_first_admin
from wesup import create_app
from wesup.directories.service import seed_defaults
from wesup.extensions import db
from wesup.models import Task


def sqlite_app(path: Path, **config: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "ASYNC_MODE": "threading",
            "DATABASE_URL": f"sqlite:///{path}",
            **config,
        }
    )


def task_ids(path: Path) -> set[int]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM tasks")}


# --- a live server, a backup while it writes, a restore ---------------------------------------


class Writer(threading.Thread):
    """An agent logging tasks as fast as the server takes them; `committed` holds the id of
    every task whose creation the server confirmed (so it was committed)."""

    def __init__(self, agent: Browser) -> None:
        super().__init__(daemon=True)
        self.agent = agent
        self.committed: list[int] = []
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set() and number < 5000:  # bounded, whatever happens
            number += 1
            try:
                response = self.agent.post(
                    "/api/tasks",
                    json={"title": f"Request {number}", "description": "x" * 500},
                    headers={"X-CSRFToken": self.agent.csrf_token},
                )
            except requests.RequestException as exc:  # the server is gone: say so, stop
                self.failures.append(repr(exc))
                return
            if response.status_code == 201:
                self.committed.append(response.json()["task"]["id"])
            else:
                self.failures.append(f"{response.status_code} {response.text[:200]}")

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            assert time.monotonic() < deadline, f"only {len(self.committed)} tasks written"
            assert not self.failures, self.failures
            time.sleep(0.05)


@pytest.mark.e2e
def test_a_backup_taken_while_the_server_writes_restores_with_nothing_missing(tmp_path):
    server = ServerProcess(tmp_path / "live", async_mode="threading").start()
    restored = None
    writer = None
    try:
        create_first_admin(server)
        server.create_user("alice", "agent")
        writer = Writer(Browser(server.url).login("alice"))
        writer.start()
        writer.wait_for(50)
        before_backup = set(writer.committed)  # confirmed before the backup started
        target = tmp_path / "backups" / "wesup.sqlite3"
        target.parent.mkdir()
        done = server.flask("backup", str(target))
        writing_during = len(writer.committed)
        assert writing_during > len(before_backup)  # the server kept writing meanwhile
        writer.wait_for(writing_during + 20)  # the server went on writing after it too
        writer.stop.set()
        writer.join(timeout=30)
        assert not writer.failures, writer.failures
        assert "integrity ok" in done.stdout

        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            events = {row[0] for row in copy.execute("SELECT task_id FROM task_events")}
        saved = task_ids(target)
        assert before_backup <= saved  # nothing committed before the backup is missing
        assert saved <= events  # and each task came with its event
        assert not (target.parent / "wesup.sqlite3-wal").exists()

        # Restore as the README says: the copy becomes a fresh instance's database.
        instance = tmp_path / "restored" / "instance"
        instance.mkdir(parents=True)
        shutil.copyfile(target, instance / "wesup.sqlite3")
        restored = ServerProcess(tmp_path / "restored", async_mode="threading").start()
        alice = Browser(restored.url).login("alice")
        mine = alice.api("GET", "/api/tasks/mine")
        assert before_backup <= {task["id"] for task in mine["open"]}
    finally:
        if writer is not None:
            writer.stop.set()
            writer.join(timeout=30)
        server.stop()
        if restored is not None:
            restored.stop()


# --- the command ------------------------------------------------------------------------------


def test_backup_refuses_to_overwrite_a_file_unless_forced(tmp_path):
    app = sqlite_app(tmp_path / "live.sqlite3")
    with app.app_context():
        db.create_all()
        seed_defaults("en")
    alice = make_user(app, "alice")
    make_task(app, alice)
    target = tmp_path / "copy.sqlite3"
    target.write_text("yesterday's backup")
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code != 0
    assert "--force" in refused.output
    assert target.read_text() == "yesterday's backup"

    forced = runner.invoke(args=["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert len(task_ids(target)) == 1
    assert not list(tmp_path.glob(".*partial"))

    itself = runner.invoke(args=["backup", str(tmp_path / "live.sqlite3"), "--force"])
    assert itself.exit_code != 0 and "itself" in itself.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Task.id))) == 1
        db.engine.dispose()


def test_backup_into_a_missing_folder_is_refused(tmp_path):
    app = sqlite_app(tmp_path / "live.sqlite3")
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "no" / "copy.sqlite3")])
    assert result.exit_code != 0 and "no folder" in result.output


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="WESUP_TEST_DATABASE_URL is not set")
def test_backup_on_postgresql_names_the_pg_dump_line_and_writes_nothing(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "ASYNC_MODE": "threading",
            "DATABASE_URL": POSTGRES_URL,
        }
    )
    target = tmp_path / "wesup.dump"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert not target.exists()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="WESUP_TEST_DATABASE_URL is not set")
@pytest.mark.parametrize("app", [pytest.param(POSTGRES_URL, id="postgres")], indirect=True)
def test_the_readme_pg_dump_and_pg_restore_lines_restore_everything(app, tmp_path):
    """The lines the README gives for PostgreSQL, run against the test database."""
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if IN_CI:
            pytest.fail("pg_dump / pg_restore are missing")
        pytest.skip("pg_dump / pg_restore are missing")
    with app.app_context():
        url = db.engine.url
    alice = make_user(app, "alice")
    titles = {make_task(app, alice, f"Request {n}").title for n in range(5)}
    libpq = url.set(drivername="postgresql")  # what pg_dump reads
    restored_name = f"{url.database}_restored"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    dump = tmp_path / "wesup.dump"
    env = {**os.environ}
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{restored_name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{restored_name}"')
        plain = libpq.render_as_string(hide_password=False)
        subprocess.run(
            ["pg_dump", "--format=custom", "--file", str(dump), plain], check=True, env=env
        )
        target = libpq.set(database=restored_name).render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--no-owner", "--dbname", target, str(dump)], check=True, env=env
        )
        copy = sa.create_engine(url.set(database=restored_name))
        with copy.connect() as connection:
            restored = set(connection.scalars(sa.text("SELECT title FROM tasks")))
        copy.dispose()
        assert restored == titles
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.dispose()


# --- PRAGMA synchronous -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "level"), [(None, 1), ("NORMAL", 1), ("full", 2), ("EXTRA", 3)]
)
def test_sqlite_synchronous_is_a_setting(tmp_path, monkeypatch, setting, level):
    if setting is None:
        monkeypatch.delenv("WESUP_SQLITE_SYNCHRONOUS", raising=False)
    else:
        monkeypatch.setenv("WESUP_SQLITE_SYNCHRONOUS", setting)
    app = sqlite_app(tmp_path / "db.sqlite3")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("setting", ["OFF", "0", "fast"])
def test_an_unsafe_or_unknown_synchronous_level_is_refused_at_start_up(tmp_path, setting):
    with pytest.raises(ValueError, match="WESUP_SQLITE_SYNCHRONOUS must be one of NORMAL"):
        sqlite_app(tmp_path / "db.sqlite3", SQLITE_SYNCHRONOUS=setting)
