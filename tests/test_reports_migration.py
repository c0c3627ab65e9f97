"""The migration that adds the reports' projection fills it from the event log already there,
taking each status's category as the events recorded it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import database_urls
from tests.test_migrations import empty_database
from wesup.extensions import db

BEFORE_REPORTS = "e234441ca969"


def task_at(status_id: int, category: str | None) -> str:
    status = {"id": status_id, "name": "x", "color": "#000000"}
    if category:
        status["category"] = category
    task = {"status": status, "agent": {"id": 1, "name": "Alice"}, "group": None, "chat": None}
    return json.dumps({"task": task})


ROWS = [
    "INSERT INTO users (id, login, name, password_hash, role, active, created_at, session_epoch)"
    " VALUES (1, 'alice', 'Alice', 'x', 'agent', true, '2026-11-02 00:00:00+00', 0)",
    "INSERT INTO statuses (id, name, color, category, position) VALUES"
    " (1, 'New', '#000000', 'new', 1), (2, 'Waiting', '#000000', 'done', 2)",
    "INSERT INTO tasks (id, title, description, status_id, agent_id, received_at, created_at,"
    " updated_at, version) VALUES (1, 'Printer', '', 2, 1, '2026-11-02 09:00:00+00',"
    " '2026-11-02 09:00:00+00', '2026-11-02 10:00:00+00', 2)",
]
EVENTS = [
    (1, "task.created", "2026-11-02 09:00:00+00", task_at(1, None)),  # an old event: no category
    (2, "task.status", "2026-11-02 10:00:00+00", task_at(2, "postponed")),
]


@pytest.mark.parametrize("url", database_urls())
def test_the_reports_migration_derives_spans_and_moments_from_the_log(url, tmp_path):
    """Status 2 is `done` now but was `postponed` when the task entered it: the task is
    postponed, not resolved, and still open (a span from 10:00 on). The first event, older
    than categories in the log, takes its status's current one."""
    with empty_database(url, tmp_path):
        upgrade(revision=BEFORE_REPORTS)
        with db.engine.begin() as connection:
            for row in ROWS:
                connection.execute(sa.text(row))
            for seq, kind, at, data in EVENTS:
                connection.execute(
                    sa.text(
                        "INSERT INTO task_events (seq, kind, task_id, agent_id, actor_id,"
                        " created_at, data) VALUES (:seq, :kind, 1, 1, 1, :at, :data)"
                    ),
                    {"seq": seq, "kind": kind, "at": at, "data": data},
                )
        upgrade()
        with db.engine.begin() as connection:
            spans = connection.execute(
                sa.text("SELECT status_id, category, began, ended FROM task_spans ORDER BY began")
            ).all()
            marks = connection.execute(
                sa.text("SELECT mark, status_id FROM task_marks ORDER BY at, mark")
            ).all()
        nine, ten = 1_793_610_000, 1_793_613_600  # 2026-11-02 09:00 and 10:00 UTC
        assert [tuple(span) for span in spans] == [
            (1, "new", nine, ten),
            (2, "postponed", ten, 253_402_300_800),
        ]
        assert [tuple(mark) for mark in marks] == [
            ("received", 1),
            ("first_action", 2),  # moved out of `new` by a person
            ("postponed", 2),
        ]
        downgrade(revision=BEFORE_REPORTS)
        assert "task_spans" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
