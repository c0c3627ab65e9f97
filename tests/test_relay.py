"""Each server process hands the event log to its own sockets (wesup/relay.py), and sweeps the
sockets whose person or kiosk link no longer stands (wesup/sockets.py).

"Another process" here is a row written straight into the log, as a process that shares the
database would write it; this process learns of it only by reading the log. The same
behaviour with real run.py processes, PostgreSQL and Redis is in tests/test_scaleout.py.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from tests.builders import (
    cut,
    live_events,
    make_kiosk_link,
    make_task,
    make_user,
    settles,
    signed_in,
)
from tests.conftest import REDIS_URL, absent
from tests.server_process import free_port
from wesup import bell, relay, sockets
from wesup import kiosk as kiosks
from wesup.enums import Role
from wesup.extensions import db, live_state
from wesup.models import TaskEvent, User, utcnow


def log_elsewhere(app: Flask, kind: str, *, agent_id: int | None = None, **data: Any) -> int:
    """Commit an event as another server process would: into the log, nothing more."""
    with app.app_context(), db.engine.begin() as connection:
        inserted = connection.execute(
            sa.insert(TaskEvent).values(
                kind=kind,
                task_id=data.pop("task_id", None),
                agent_id=agent_id,
                created_at=utcnow(),
                data=data,
            )
        )
        return inserted.inserted_primary_key[0]


def catch_up(app: Flask) -> int:
    """One round of this process's tail of the log."""
    with app.app_context():
        return relay.catch_up(live_state.of(app))


def watch(socket_client: Any, person: Any, view: str = "board") -> Any:
    """A connected page with its greeting messages read."""
    sio = socket_client(person.client, view=view)
    assert sio.is_connected()
    sio.get_received()
    return sio


def told(sio: Any, name: str) -> list[Any]:
    """What a socket was sent, closed or not (get_received() refuses a closed client)."""
    return [item["args"][0] for item in sio.queue if item["name"] == name]


# --- the relay --------------------------------------------------------------------------------


def test_a_process_hands_out_what_another_process_logged_in_seq_order(app, socket_client):
    vera = signed_in(app, "vera", role=Role.VIEWER)
    board = watch(socket_client, vera)
    first = log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})
    second = log_elsewhere(app, "chat.updated", chat={"id": 1, "name": "Acme Ltd"})
    assert live_events(board) == []  # not read yet

    assert catch_up(app) == 2
    assert [(e["seq"], e["kind"]) for e in live_events(board)] == [
        (first, "chat.created"),
        (second, "chat.updated"),
    ]
    assert catch_up(app) == 0  # exactly once
    assert live_events(board) == []


def test_a_write_here_first_hands_out_what_others_logged_before_it(app, socket_client):
    """Another process's event, not read yet, goes out before this process's own later one."""
    alice = make_user(app, "alice")
    board = watch(socket_client, signed_in(app, "vera", role=Role.VIEWER))
    elsewhere = log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})
    make_task(app, alice, "Written here")
    events = live_events(board)
    assert [e["kind"] for e in events] == ["chat.created", "task.created"]
    assert events[0]["seq"] == elsewhere < events[1]["seq"]
    assert catch_up(app) == 0


def test_a_page_gets_only_its_rooms_from_the_log(app, socket_client):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    hers, his = make_task(app, alice.user, "Hers"), make_task(app, bob.user, "His")
    mine = watch(socket_client, alice, "mine")
    log_elsewhere(app, "task.commented", agent_id=bob.user.id, task_id=his.id)
    own = log_elsewhere(app, "task.commented", agent_id=alice.user.id, task_id=hers.id)
    everyone = log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})
    assert catch_up(app) == 3
    assert [e["seq"] for e in live_events(mine)] == [own, everyone]


def test_a_session_ended_elsewhere_cuts_the_persons_sockets_before_later_events(app, socket_client):
    """Deactivated on another process: this process cuts their pages when it reaches the
    event in the log, and what was written after it never reaches them."""
    alice, vera = signed_in(app, "alice"), signed_in(app, "vera", role=Role.VIEWER)
    alice_board, alice_mine = watch(socket_client, alice), watch(socket_client, alice, "mine")
    witness = watch(socket_client, vera)
    with app.app_context():
        db.session.get(User, alice.user.id).active = False
        db.session.commit()
    person = {"id": alice.user.id, "name": "Alice"}
    log_elsewhere(app, "session.ended", person=person, reason="deactivated")
    later = log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})

    assert catch_up(app) == 2
    assert cut(alice_board) and cut(alice_mine)
    assert told(alice_board, "session.ended") == [{}]
    assert told(alice_board, "event") == []  # session.ended is for the audit trail only
    assert [e["seq"] for e in live_events(witness)] == [later]
    left = [(vera.user.id, vera.user.session_stamp)]
    registry = live_state.of(app).person_sockets
    assert settles(lambda: list(registry.snapshot().values()), left) == left


def test_a_kiosk_revoked_elsewhere_is_cut_when_the_log_says_so(app, socket_client):
    secret = make_kiosk_link(signed_in(app, "root", role=Role.ADMIN), "TV")
    with app.app_context():
        link = kiosks.find_by_secret(secret)
    tv_browser = app.test_client()
    assert tv_browser.get(f"/board?kiosk={secret}").status_code == 302
    tv = socket_client(tv_browser, view="wall")
    assert tv.is_connected()
    log_elsewhere(app, "kiosk.revoked", kiosk={"id": link.id, "name": "TV"})
    catch_up(app)
    assert cut(tv)
    assert told(tv, "kiosk.revoked") == [{"kiosk_id": link.id}]


def test_an_event_of_an_unknown_kind_is_passed_over(app, socket_client, caplog):
    """A newer version's kind, during a rolling upgrade, must not stop what comes after it."""
    board = watch(socket_client, signed_in(app, "vera", role=Role.VIEWER))
    unknown = log_elsewhere(app, "task.teleported")
    after = log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert catch_up(app) == 2
    assert [e["seq"] for e in live_events(board)] == [after]
    assert f"event {unknown} (task.teleported) not handed out" in caplog.text


def test_a_process_without_sockets_owes_nobody_anything(app):
    log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})
    assert catch_up(app) == 0
    assert live_state.of(app).relay.delivered is None


def test_the_log_is_read_in_batches(app, socket_client, monkeypatch):
    monkeypatch.setattr(relay, "BATCH", 2)
    board = watch(socket_client, signed_in(app, "vera", role=Role.VIEWER))
    logged = [log_elsewhere(app, "chat.created", chat={"id": n}) for n in range(5)]
    assert catch_up(app) == 5
    assert [e["seq"] for e in live_events(board)] == logged


def test_a_log_replaced_under_a_running_process_does_not_silence_it(app, socket_client):
    """A restore behind the servers' backs starts the seqs lower again: the process notices
    that its cursor is beyond the log's end instead of waiting for the seqs to catch up."""
    alice = make_user(app, "alice")
    board = watch(socket_client, signed_in(app, "vera", role=Role.VIEWER))
    cursor = live_state.of(app).relay
    cursor.delivered = 10_000  # what it had handed out before the restore
    assert catch_up(app) == 0
    assert cursor.delivered < 10_000
    written_elsewhere = log_elsewhere(app, "chat.created", chat={"id": 1, "name": "Acme"})
    assert catch_up(app) == 1
    cursor.delivered = 10_000
    make_task(app, alice, "Written here after a restore")
    events = live_events(board)
    assert [e["kind"] for e in events] == ["chat.created", "task.created"]
    assert events[0]["seq"] == written_elsewhere
    assert cursor.delivered == events[1]["seq"]


# --- the sweep -------------------------------------------------------------------------------


def test_the_sweep_cuts_sockets_of_ended_sessions_and_keeps_the_rest(app, socket_client):
    """Changes this process never heard about: a deactivation, a password changed, a person
    deleted. Each of their sockets is cut and told why; everybody else stays."""
    people = {login: signed_in(app, login) for login in ("alice", "bob", "carol", "dave")}
    pages = {login: watch(socket_client, person) for login, person in people.items()}
    with app.app_context():
        db.session.get(User, people["alice"].user.id).active = False
        db.session.get(User, people["bob"].user.id).set_password("changed elsewhere")
        db.session.execute(sa.delete(User).where(User.id == people["dave"].user.id))
        db.session.commit()
        assert sockets.sweep_people(live_state.of(app)) == 3
        assert sockets.sweep_people(live_state.of(app)) == 0
    for login in ("alice", "bob", "dave"):
        assert not pages[login].is_connected()
        assert told(pages[login], "session.ended") == [{}]
    assert pages["carol"].is_connected()


def test_the_sweep_has_nothing_to_do_without_people(app):
    with app.app_context():
        assert sockets.sweep_people(live_state.of(app)) == 0


# --- the bell between processes -------------------------------------------------------------


def test_each_redis_database_number_gets_its_own_channels():
    assert bell.redis_channel("redis://127.0.0.1:6379/3", "wesup.log") == "wesup.log.3"
    assert bell.redis_channel("redis://127.0.0.1:6379", "wesup.log") == "wesup.log.0"
    assert bell.redis_channel("kafka://somewhere", "flask-socketio") == "flask-socketio"
    assert bell.redis_channel(None, "flask-socketio") == "flask-socketio"


@pytest.fixture
def redis_url() -> str:
    """The test Redis; fails in CI, skips on a laptop without one."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        absent(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_a_ring_is_heard_by_the_other_processes_not_by_its_own(redis_url):
    here, there = bell.LogBell(redis_url), bell.LogBell(redis_url)
    assert here.wait(0.1) is False and there.wait(0.1) is False  # subscribed; nobody rang
    assert here.send(9) is True
    assert there.wait(5) is True
    assert there.wait(0.2) is False
    assert here.wait(0.5) is False  # its own ring: nothing new to read


def test_another_database_number_does_not_hear_the_ring(redis_url):
    url = sa.make_url(redis_url)
    other = url.set(database=str((int(url.database or 0) + 1) % 16))  # any but this run's own
    other_db = other.render_as_string(hide_password=False)
    here, elsewhere = bell.LogBell(redis_url), bell.LogBell(other_db)
    assert elsewhere.wait(0.2) is False
    here.send(3)
    assert elsewhere.wait(0.5) is False


def test_without_redis_the_bell_neither_raises_nor_hangs(caplog):
    gone = bell.LogBell(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="wesup.bell"):
        assert gone.send(5) is False
        assert gone.wait(0.3) is False
        assert gone.send(6) is False
    assert time.monotonic() - started < 3
    assert caplog.text.count("Redis unreachable") == 1  # said once, not every round


def test_the_background_tasks_carry_rings_from_a_write_to_the_other_listener(redis_url):
    """ring() returns at once; the sender publishes, the other process's listener wakes."""
    here, there = bell.LogBell(redis_url), bell.LogBell(redis_url)
    woken = threading.Event()
    assert there.wait(0.2) is False  # subscribed before anyone rings
    for task in (here.send_forever, lambda: there.listen_forever(woken.set)):
        threading.Thread(target=task, daemon=True).start()  # they run as long as a process
    here.ring(11)
    assert woken.wait(5)
