"""Live updates over Socket.IO: who may connect, who receives what, in seq order, after commit."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import (
    Auth,
    cut,
    live_events,
    make_chat,
    make_task,
    make_user,
    signed_in,
    status_named,
    task_json,
)
from wesup.enums import Role
from wesup.extensions import db, socketio
from wesup.models import TaskEvent, User


def watch(app, socket_client, auth: Auth, view: str) -> Any:
    """A live page of `auth` for `view`, connected, with its greeting messages read."""
    sio = socket_client(auth.client, view=view)
    assert sio.is_connected()
    sio.get_received()
    return sio


def assert_event(event: dict[str, Any], kind: str, actor: User, task_id: int | None) -> None:
    """The envelope every event has, live or on replay."""
    assert event["kind"] == kind
    assert event["task_id"] == task_id
    assert event["actor"] == {"id": actor.id, "name": actor.name}
    assert isinstance(event["seq"], int)
    assert datetime.fromisoformat(event["at"]).utcoffset() is not None


# --- who may connect ------------------------------------------------------------------------


@pytest.mark.parametrize("view", [None, "mine", "board", "wall"])
def test_an_anonymous_socket_is_refused(app, socket_client, view):
    make_user(app, "alice")
    auth = {"view": view} if view else {}
    sio = socket_client(app.test_client(), **auth)
    assert not sio.is_connected()


def test_a_signed_out_browser_socket_is_refused(app, socket_client):
    alice = signed_in(app, "alice")
    alice.client.post("/logout", data={"csrf_token": alice.csrf_token})
    assert not socket_client(alice.client, view="board").is_connected()


def test_a_deactivated_persons_socket_is_refused(app, socket_client):
    alice = signed_in(app, "alice")
    with app.app_context():
        db.session.get(User, alice.user.id).active = False
        db.session.commit()
    assert not socket_client(alice.client, view="mine").is_connected()


def test_deactivating_a_person_cuts_their_open_pages(app, socket_client):
    """Somebody who left the team stops seeing the board at once, not at their next reload."""
    alice = signed_in(app, "alice")
    root = signed_in(app, "root", role=Role.ADMIN)
    page = socket_client(alice.client, view="board")
    other = socket_client(signed_in(app, "bob").client, view="board")
    assert page.is_connected()
    response = root.client.post(
        f"/admin/users/{alice.user.id}",
        data={"login": "alice", "name": "Alice", "role": "agent", "csrf_token": root.csrf_token},
    )
    assert response.status_code == 302
    assert cut(page)
    assert other.is_connected()
    assert not socket_client(alice.client, view="board").is_connected()


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.LEAD, Role.ADMIN])
def test_every_signed_in_role_may_connect(app, socket_client, role):
    person = signed_in(app, "person", role=role)
    assert socket_client(person.client, view="board").is_connected()


# --- the board receives every change --------------------------------------------------------


def test_every_change_of_a_task_reaches_the_board_in_seq_order(app, socket_client):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    vera = signed_in(app, "vera", role=Role.VIEWER)
    board = watch(app, socket_client, vera, "board")
    chat = make_chat(app, "Acme")
    board.get_received()
    active = status_named(app, "In progress")
    seen: list[dict[str, Any]] = []

    def step(auth: Auth, method: str, url: str, body: Any = None) -> dict[str, Any]:
        response = auth.api(method, url, body)
        assert response.status_code in (200, 201), response.get_json()
        events = live_events(board)
        assert len(events) == 1, events  # one change, one event
        seen.append(events[0])
        return response.get_json()

    task = step(alice, "POST", "/api/tasks", {"title": "VPN down", "chat_id": chat.id})["task"]
    url = f"/api/tasks/{task['id']}"
    step(alice, "PATCH", url, {"version": 1, "title": "VPN down in Berlin"})
    step(alice, "PATCH", url, {"version": 2, "status_id": active.id})
    step(alice, "POST", f"{url}/comments", {"body": "Router rebooted"})
    step(alice, "DELETE", url)
    step(lead, "POST", f"{url}/restore")

    assert [e["kind"] for e in seen] == [
        "task.created",
        "task.updated",
        "task.status",
        "task.commented",
        "task.deleted",
        "task.restored",
    ]
    for event in seen[:-1]:
        assert_event(event, event["kind"], alice.user, task["id"])
    assert_event(seen[-1], "task.restored", lead.user, task["id"])
    seqs = [e["seq"] for e in seen]
    assert all(a < b for a, b in pairwise(seqs))

    created, updated, status, commented, deleted, restored = seen
    assert created["task"]["title"] == "VPN down"
    assert created["task"]["chat"] == {"id": chat.id, "name": "Acme"}
    assert created["task"]["agent"] == {"id": alice.user.id, "name": "Alice"}
    assert updated["task"]["title"] == "VPN down in Berlin"
    assert updated["changes"]["title"] == ["VPN down", "VPN down in Berlin"]
    assert status["task"]["status"]["id"] == active.id
    assert status["task"]["status"]["color"] == active.color
    assert status["changes"]["status"] == ["Accepted", "In progress"]
    assert commented["comment"]["body"] == "Router rebooted"
    assert commented["comment"]["author"] == {"id": alice.user.id, "name": "Alice"}
    assert commented["task"]["last_comment"] == "Router rebooted"
    assert deleted["task"]["deleted"] is True
    assert restored["task"]["deleted"] is False
    # the last event carries the task exactly as it now is, and the seq a snapshot would show
    assert restored["task"] == task_json(app, task["id"])
    assert vera.client.get("/api/session").get_json()["seq"] == seqs[-1]


def test_the_agents_own_page_gets_each_event_once(app, socket_client):
    """An agent with the board open is in the board room and in their own: no duplicates."""
    alice = signed_in(app, "alice")
    own_board = watch(app, socket_client, alice, "board")
    alice.api("POST", "/api/tasks", {"title": "VPN down"})
    assert [e["kind"] for e in live_events(own_board)] == ["task.created"]


def test_every_board_receives_the_same_events(app, socket_client):
    alice = signed_in(app, "alice")
    boards = [
        watch(app, socket_client, signed_in(app, f"viewer{n}", role=Role.VIEWER), "board")
        for n in range(3)
    ]
    alice.api("POST", "/api/tasks", {"title": "VPN down"})
    received = [[e["seq"] for e in live_events(board)] for board in boards]
    assert received[0] and received == [received[0]] * 3


# --- My tasks receives its own tasks only ---------------------------------------------------


def test_my_tasks_page_gets_its_own_tasks_but_not_other_agents(app, socket_client):
    alice = signed_in(app, "alice")
    bob = signed_in(app, "bob")
    lead = signed_in(app, "lena", role=Role.LEAD)
    alice_page = watch(app, socket_client, alice, "mine")

    bobs = bob.api("POST", "/api/tasks", {"title": "Bob's"}).get_json()["task"]
    bob.api("PATCH", f"/api/tasks/{bobs['id']}", {"version": 1, "title": "Bob's, renamed"})
    assert live_events(alice_page) == []

    hers = alice.api("POST", "/api/tasks", {"title": "Alice's"}).get_json()["task"]
    # a lead's change to her task reaches her page too
    lead.api("PATCH", f"/api/tasks/{hers['id']}", {"version": 1, "title": "Alice's, fixed"})
    events = live_events(alice_page)
    assert [(e["kind"], e["task"]["title"]) for e in events] == [
        ("task.created", "Alice's"),
        ("task.updated", "Alice's, fixed"),
    ]
    assert events[1]["actor"] == {"id": lead.user.id, "name": "Lena"}


def test_an_unknown_view_is_treated_as_my_tasks(app, socket_client):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    page = socket_client(alice.client, view="everything")
    assert page.is_connected()
    page.get_received()
    make_task(app, bob, "Bob's")
    assert live_events(page) == []


# --- directories ----------------------------------------------------------------------------


def test_directory_changes_reach_every_page(app, socket_client):
    lead = signed_in(app, "lena", role=Role.LEAD)
    alice = signed_in(app, "alice")
    vera = signed_in(app, "vera", role=Role.VIEWER)
    pages = [watch(app, socket_client, alice, "mine"), watch(app, socket_client, vera, "board")]

    chat = lead.api("POST", "/api/chats", {"name": "Acme"}).get_json()["chat"]
    lead.api("PATCH", f"/api/chats/{chat['id']}", {"name": "Acme Corp"})
    lead.api("DELETE", f"/api/chats/{chat['id']}")
    done = status_named(app, "Done")
    lead.api("PATCH", f"/api/statuses/{done.id}", {"color": "#00aa00"})

    for page in pages:
        events = live_events(page)
        assert [e["kind"] for e in events] == [
            "chat.created",
            "chat.updated",
            "chat.deleted",
            "status.updated",
        ]
        for event in events:
            assert_event(event, event["kind"], lead.user, None)
        assert events[1]["chat"] == {**chat, "name": "Acme Corp"}
        assert events[3]["status"]["color"] == "#00aa00"
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs))


# --- nothing is sent before commit, or for a refused change ---------------------------------


def test_an_event_is_sent_only_once_it_is_committed(app, socket_client, monkeypatch):
    """A page that reloads on an event must find the change already in the database."""
    alice = signed_in(app, "alice")
    board = watch(app, socket_client, signed_in(app, "vera", role=Role.VIEWER), "board")
    visible_at_emit: list[bool] = []
    emit = socketio.emit

    def checking_emit(event: str, message: Any = None, **kwargs: Any) -> Any:
        if event == "event":
            # a connection of its own sees committed rows only
            with db.engine.connect() as connection:
                found = connection.scalar(
                    sa.select(TaskEvent.seq).where(TaskEvent.seq == message["seq"])
                )
            visible_at_emit.append(found is not None)
        return emit(event, message, **kwargs)

    monkeypatch.setattr(socketio, "emit", checking_emit)
    task = alice.api("POST", "/api/tasks", {"title": "VPN down"}).get_json()["task"]
    alice.api("PATCH", f"/api/tasks/{task['id']}", {"version": 1, "title": "VPN down again"})
    alice.api("POST", f"/api/tasks/{task['id']}/comments", {"body": "Looking"})

    assert visible_at_emit == [True, True, True]
    assert len(live_events(board)) == 3


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "status"),
    [
        ("bob", "PATCH", "/api/tasks/{id}", {"version": 1, "title": "Mine now"}, 403),
        ("bob", "DELETE", "/api/tasks/{id}", None, 403),
        ("bob", "POST", "/api/tasks/{id}/comments", {"body": "Hi"}, 403),
        ("vera", "POST", "/api/tasks", {"title": "Viewer's"}, 403),
        ("alice", "PATCH", "/api/tasks/{id}", {"version": 1, "title": ""}, 422),
        ("alice", "PATCH", "/api/tasks/{id}", {"version": 7, "title": "Stale"}, 409),
        ("alice", "PATCH", "/api/tasks/{id}", {"version": 1, "title": "Same title"}, 200),
        ("alice", "POST", "/api/tasks", {"title": 42}, 422),
        ("alice", "POST", "/api/tasks/{id}/restore", None, 403),
        ("vera", "POST", "/api/chats", {"name": "Acme"}, 403),
    ],
)
def test_a_refused_or_empty_change_sends_nothing(
    app, socket_client, who, method, path, body, status
):
    people = {
        "alice": signed_in(app, "alice"),
        "bob": signed_in(app, "bob"),
        "vera": signed_in(app, "vera", role=Role.VIEWER),
    }
    task = make_task(app, people["alice"].user, "Same title")
    pages = [
        watch(app, socket_client, people["vera"], "board"),
        watch(app, socket_client, people["alice"], "mine"),
    ]
    response = people[who].api(method, path.format(id=task.id), body)
    assert response.status_code == status
    for page in pages:
        assert live_events(page) == []


def test_a_request_without_its_csrf_token_sends_nothing(app, socket_client):
    alice = signed_in(app, "alice")
    board = watch(app, socket_client, alice, "board")
    response = alice.client.post("/api/tasks", json={"title": "VPN down"})
    assert response.status_code == 400
    assert live_events(board) == []
