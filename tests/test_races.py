"""Races: tasks created in a chat (or with a status) while a lead deletes it. Every answer is
a 2xx, 409 or 422, never a 500, and the data stays consistent: no task points at a removed
entry, and none lands in an entry after it was archived."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.builders import db_state, make_chat, signed_in
from wesup import locks
from wesup.enums import EventKind, Role
from wesup.extensions import db
from wesup.models import Chat, Status, Task, TaskEvent
from wesup.tasks import service as tasks_service

ROUNDS = 10
CREATORS = 5


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; their responses in order (an exception
    raised in a thread is returned in its place, so the test sees it)."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def outcome(response: Any) -> str:
    """'201', '422 chat_id', '500' … for counting; an exception's type for a crash."""
    if isinstance(response, Exception):
        return f"raised {type(response).__name__}: {response}"
    body = response.get_json(silent=True) or {}
    fields = sorted((body.get("error") or {}).get("fields") or {})
    return " ".join([str(response.status_code), *fields])


def entry_events(app: Flask, key: str, entry_id: int) -> dict[str, int]:
    """The seq of each directory event of one entry, by kind."""
    with app.app_context():
        found = {}
        for event in db.session.execute(sa.select(TaskEvent)).unique().scalars():
            if (event.data.get(key) or {}).get("id") == entry_id:
                found[event.kind] = event.seq
        return found


def created_seqs(app: Flask, column: sa.orm.InstrumentedAttribute, entry_id: int) -> list[int]:
    """The seq of every task.created event of a task that has this chat or status."""
    with app.app_context():
        query = (
            sa.select(TaskEvent.seq)
            .join(Task, Task.id == TaskEvent.task_id)
            .where(column == entry_id, TaskEvent.kind == EventKind.TASK_CREATED)
        )
        return list(db.session.scalars(query))


def assert_consistent(app: Flask, created: int) -> None:
    """Every task points at an existing chat and status, and has its created event."""
    with app.app_context():
        tasks = db.session.execute(sa.select(Task)).unique().scalars().all()
        chat_ids = set(db.session.scalars(sa.select(Chat.id)))
        status_ids = set(db.session.scalars(sa.select(Status.id)))
        events = db.session.scalar(
            sa.select(sa.func.count()).where(TaskEvent.kind == EventKind.TASK_CREATED)
        )
    assert len(tasks) == created == events
    assert all(task.chat_id is None or task.chat_id in chat_ids for task in tasks)
    assert all(task.status_id in status_ids for task in tasks)


class Race:
    """Rounds of CREATORS agents creating a task with an entry while a lead deletes it."""

    def __init__(self, app: Flask, key: str) -> None:
        self.app = app
        self.key = key  # "chat" or "status"
        self.column = Task.chat_id if key == "chat" else Task.status_id
        self.agents = [signed_in(app, f"agent{number}") for number in range(CREATORS)]
        self.lead = signed_in(app, "lena", role=Role.LEAD)
        self.answers: Counter[str] = Counter()
        self.created = 0

    def round(self, entry_id: int, body: dict[str, Any]) -> None:
        """One round: the creates and the delete released together, then the checks."""
        kind = "chats" if self.key == "chat" else "statuses"
        calls: list[Callable[[], Any]] = [
            lambda agent=agent: agent.api("POST", "/api/tasks", body) for agent in self.agents
        ]
        calls.append(lambda: self.lead.api("DELETE", f"/api/{kind}/{entry_id}"))
        *creates, delete = at_once(calls)
        self.answers.update(f"create {outcome(response)}" for response in creates)
        self.answers[f"delete {outcome(delete)}"] += 1
        self.created += sum(outcome(response) == "201" for response in creates)
        if outcome(delete) != "200":
            return  # counted above, the test fails on it
        events = entry_events(self.app, self.key, entry_id)
        tasks_with_it = created_seqs(self.app, self.column, entry_id)
        if delete.get_json()["removed"]:
            assert tasks_with_it == [], "removed although a task uses it"
            assert f"{self.key}.deleted" in events
        else:  # archived: used by a task created before, and by none created after
            archived = events[f"{self.key}.archived"]
            assert tasks_with_it and all(seq < archived for seq in tasks_with_it)

    def new_status(self, name: str, category: str) -> int:
        body = {"name": name, "color": "#123456", "category": category}
        return self.lead.api("POST", "/api/statuses", body).get_json()["status"]["id"]


@pytest.mark.parametrize("app_config", [{"PROPAGATE_TEST_ERRORS": False}])
def test_creating_tasks_in_a_chat_while_it_is_deleted(app):
    race = Race(app, "chat")
    for number in range(ROUNDS):
        chat = make_chat(app, f"Round {number}")
        race.round(chat.id, {"title": "VPN down", "chat_id": chat.id})
    assert set(race.answers) <= {"create 201", "create 422 chat_id", "delete 200"}, race.answers
    assert_consistent(app, race.created)


@pytest.mark.parametrize("app_config", [{"PROPAGATE_TEST_ERRORS": False}])
def test_creating_tasks_with_a_status_while_it_is_deleted(app):
    race = Race(app, "status")
    for number in range(ROUNDS):
        status_id = race.new_status(f"Round {number}", "active")
        race.round(status_id, {"title": "VPN down", "status_id": status_id})
    expected = {"create 201", "create 422 status_id", "delete 200"}
    assert set(race.answers) <= expected, race.answers
    assert_consistent(app, race.created)


@pytest.mark.parametrize("app_config", [{"PROPAGATE_TEST_ERRORS": False}])
def test_the_default_status_deleted_under_a_quick_add_is_no_500(app):
    """A quick add (no status given) takes the first `new` status, which a lead deletes at
    the same moment: the task gets it (archived after) or the next `new` status."""
    race = Race(app, "status")
    for number in range(ROUNDS):
        status_id = race.new_status(f"First {number}", "new")
        race.lead.api("PATCH", f"/api/statuses/{status_id}", {"position": -number - 1})
        race.round(status_id, {"title": "VPN down"})
    assert set(race.answers) <= {"create 201", "delete 200"}, race.answers
    assert_consistent(app, race.created)


@pytest.mark.parametrize("through", ["api", "form"])
def test_without_the_locks_the_database_still_refuses_and_the_answer_is_409(
    app, monkeypatch, through
):
    """The net under the locks: should a write break a constraint anyway, nothing is saved and
    the answer is a 409, not a 500. Here the locks are taken away and the chat is removed
    between the check and the insert, as a concurrent lead would."""
    alice = signed_in(app, "alice")
    chat = make_chat(app, "Vanishing")
    check_received_at = tasks_service._parse_received_at

    def removed_meanwhile(*args: Any) -> Any:
        with db.engine.begin() as other_request:
            other_request.execute(sa.delete(Chat).where(Chat.id == chat.id))
        return check_received_at(*args)

    monkeypatch.setattr(locks, "hold", lambda model, row_id, **_: db.session.get(model, row_id))
    monkeypatch.setattr(locks, "begin_write", lambda: None)  # the quick add's default status
    monkeypatch.setattr(tasks_service, "_parse_received_at", removed_meanwhile)
    without_the_chat = db_state(app)
    without_the_chat["chats"] = [row for row in without_the_chat["chats"] if row[0] != chat.id]
    body = {"title": "VPN", "chat_id": chat.id}
    if through == "api":
        response = alice.api("POST", "/api/tasks", body)
        assert response.get_json()["error"]["code"] == "conflict"
    else:  # the quick-add form without JavaScript: the error page says so
        response = alice.client.post("/tasks/mine", data={**body, "csrf_token": alice.csrf_token})
        assert "Ничего не сохранено" in response.get_data(as_text=True)
    assert response.status_code == 409
    assert db_state(app) == without_the_chat  # the task was not saved, nor its event
