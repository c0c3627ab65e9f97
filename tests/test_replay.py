"""Catch-up after a reconnect: a page that missed events gets exactly those, in order, or is
told to reload its snapshot when the gap cannot be replayed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.builders import Auth, as_user, make_task, make_user, signed_in, status_named
from wesup.directories import service as directories
from wesup.enums import Role
from wesup.events import ReplayTooOld, latest_seq, replay_after
from wesup.extensions import db
from wesup.models import TaskEvent, User, utcnow
from wesup.tasks import service as tasks


def seq_now(app: Flask) -> int:
    with app.app_context():
        return latest_seq()


def log_after(app: Flask, seq: int) -> list[tuple[int, str, int | None]]:
    """(seq, kind, task_id) of the logged events after seq, straight from the table."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(TaskEvent.seq, TaskEvent.kind, TaskEvent.task_id)
            .where(TaskEvent.seq > seq)
            .order_by(TaskEvent.seq)
        )
        return [tuple(row) for row in rows]


def set_status(app: Flask, user: User, task_id: int, status: str) -> None:
    status_id = status_named(app, status).id
    with app.app_context():
        version = db.session.get(tasks.Task, task_id).version
    as_user(app, user, tasks.update_task, task_id, {"status_id": status_id, "version": version})


def received(sio: Any, name: str) -> list[Any]:
    return [item["args"][0] for item in sio.get_received() if item["name"] == name]


@pytest.fixture
def history(app: Flask) -> dict[str, Any]:
    """Two agents' tasks and a directory change, with the seq a page saw before them."""
    alice = make_user(app, "alice")
    bob = make_user(app, "bob")
    admin = make_user(app, "root", role=Role.ADMIN)
    first = make_task(app, alice, "VPN down")
    seen = seq_now(app)
    second = make_task(app, bob, "Printer jam")
    set_status(app, alice, first.id, "In progress")
    as_user(app, admin, directories.create_chat, {"name": "Acme"})
    as_user(app, bob, tasks.add_comment, second.id, {"body": "Paper ordered"})
    set_status(app, alice, first.id, "Done")
    return {"alice": alice, "bob": bob, "seen": seen, "first": first, "second": second}


def test_replay_after_returns_exactly_the_missed_events_in_order(app, history):
    missed = log_after(app, history["seen"])
    assert [kind for _, kind, _ in missed] == [
        "task.created",
        "task.status",
        "chat.created",
        "task.commented",
        "task.status",
    ]
    with app.app_context():
        events = replay_after(history["seen"], agent_id=None, board=True)
    assert [(e["seq"], e["kind"], e["task_id"]) for e in events] == missed
    assert events[-1]["task"]["status"]["name"] == "Done"
    assert events[-1]["task"]["resolved_at"] is not None
    assert events[3]["comment"]["body"] == "Paper ordered"


def test_an_up_to_date_page_gets_nothing(app, history):
    with app.app_context():
        assert replay_after(latest_seq(), agent_id=None, board=True) == []


def test_a_reconnecting_board_socket_gets_the_missed_events(app, history, socket_client):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    sio = socket_client(viewer.client, view="board", since=history["seen"])
    assert sio.is_connected()
    replays = received(sio, "replay")
    assert len(replays) == 1
    assert [e["seq"] for e in replays[0]["events"]] == [
        s for s, _, _ in log_after(app, history["seen"])
    ]
    assert replays[0]["seq"] == seq_now(app)


def test_a_mine_page_catches_up_on_its_own_tasks_and_the_directories(app, history, socket_client):
    alice = Auth(app.test_client())
    alice.login("alice")
    sio = socket_client(alice.client, view="mine", since=history["seen"])
    events = received(sio, "replay")[0]["events"]
    assert [(e["kind"], e["task_id"]) for e in events] == [
        ("task.status", history["first"].id),
        ("chat.created", None),
        ("task.status", history["first"].id),
    ]
    with app.app_context():
        direct = replay_after(history["seen"], agent_id=history["alice"].id, board=False)
    assert [e["seq"] for e in direct] == [e["seq"] for e in events]


def test_a_page_without_a_snapshot_seq_gets_neither_replay_nor_reload(app, history, socket_client):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    sio = socket_client(viewer.client, view="board")
    names = {item["name"] for item in sio.get_received()}
    assert "replay" not in names
    assert "reload" not in names


def make_gap_too_old(app: Flask, seq: int) -> int:
    """Age the events after seq past REPLAY_MAX_AGE_HOURS."""
    with app.app_context():
        hours = app.config["REPLAY_MAX_AGE_HOURS"]
        db.session.execute(
            sa.update(TaskEvent)
            .where(TaskEvent.seq > seq)
            .values(created_at=utcnow() - timedelta(hours=hours, minutes=5))
        )
        db.session.commit()
    return seq


GAPS = {
    "too old": make_gap_too_old,
    "ahead of the log": lambda app, seq: seq_now(app) + 10,
    "no snapshot yet": lambda app, seq: 0,
}


@pytest.mark.parametrize("gap", GAPS)
def test_a_gap_that_cannot_be_replayed_gets_the_reload_instruction(
    app, history, socket_client, gap
):
    since = GAPS[gap](app, history["seen"])
    with app.app_context(), pytest.raises(ReplayTooOld):
        replay_after(since, agent_id=None, board=True)
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    sio = socket_client(viewer.client, view="wall", since=since)
    assert sio.is_connected()
    messages = sio.get_received()
    assert "replay" not in {item["name"] for item in messages}
    reloads = [item["args"][0] for item in messages if item["name"] == "reload"]
    assert len(reloads) == 1 and reloads[0]["reason"]


@pytest.mark.parametrize("since", [-1, -(2**63), -(2**70)])
def test_a_seq_below_any_snapshot_gets_the_reload_instruction(app, history, socket_client, since):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    sio = socket_client(viewer.client, view="board", since=since)
    assert sio.is_connected()
    assert [item["name"] for item in sio.get_received()].count("reload") == 1


def test_an_event_committed_while_the_replay_is_read_is_left_for_the_next_catch_up(
    app, history, socket_client, monkeypatch
):
    """Another server process commits while this one builds a replay; its broadcast is still on
    the way. The replay must not claim that seq, or losing the broadcast would lose the event."""
    from wesup import events

    real_replay_after = events.replay_after
    late: dict[str, int] = {}

    def replay_then_another_process_commits(*args: Any, **kwargs: Any) -> list[Any]:
        found = real_replay_after(*args, **kwargs)
        with db.engine.begin() as connection:
            inserted = connection.execute(
                sa.insert(TaskEvent).values(
                    kind="chat.created", created_at=utcnow(), data={"chat": {"id": 99}}
                )
            )
            late["seq"] = inserted.inserted_primary_key[0]
        return found

    monkeypatch.setattr(events, "replay_after", replay_then_another_process_commits)
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    replay = received(socket_client(viewer.client, view="board", since=history["seen"]), "replay")
    monkeypatch.undo()

    assert replay[0]["seq"] < late["seq"]
    again = socket_client(viewer.client, view="board", since=replay[0]["seq"])
    assert late["seq"] in [event["seq"] for event in received(again, "replay")[0]["events"]]


def test_a_gap_just_inside_the_age_limit_is_replayed(app, history):
    with app.app_context():
        hours = app.config["REPLAY_MAX_AGE_HOURS"]
        db.session.execute(
            sa.update(TaskEvent)
            .where(TaskEvent.seq > history["seen"])
            .values(created_at=utcnow() - timedelta(hours=hours) + timedelta(minutes=5))
        )
        db.session.commit()
        assert len(replay_after(history["seen"], agent_id=None, board=True)) == 5


@pytest.mark.parametrize("app_config", [{"REPLAY_LIMIT": 4}])
def test_more_missed_events_than_replay_limit_gets_the_reload_instruction(
    app, history, socket_client
):
    seen = history["seen"]
    with app.app_context():
        assert len(replay_after(seen + 1, agent_id=None, board=True)) == 4  # at the limit
        with pytest.raises(ReplayTooOld):
            replay_after(seen, agent_id=None, board=True)  # five missed
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    sio = socket_client(viewer.client, view="board", since=seen)
    assert [item["name"] for item in sio.get_received()].count("reload") == 1
