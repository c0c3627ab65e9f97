"""Of ten people pressing Take on one queued task at the same moment, exactly one gets it and
nine get 409 naming who did: with real concurrent requests, on SQLite and on PostgreSQL, and
once against run.py (eventlet) with ten real HTTP clients."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.builders import make_group, make_task, make_user, signed_in
from tests.server_process import Browser, ServerProcess, create_first_admin
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import TaskEvent

PEOPLE = 10
ROUNDS = 3


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, all released at once by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a Take never answered"
    return results


def assert_one_winner(answers: list[tuple[int, dict[str, Any]]], names: dict[int, str]) -> int:
    """Exactly one 200 and nine 409s that name the winner; returns the winner's id."""
    assert Counter(status for status, _ in answers) == {200: 1, 409: PEOPLE - 1}, answers
    winner = next(body["task"]["agent"] for status, body in answers if status == 200)
    for status, body in answers:
        if status == 409:
            assert body["taken_by"] == winner
            assert body["current"]["agent"] == winner
            assert winner["name"] in body["error"]["message"]
    assert names[winner["id"]] == winner["name"]
    return winner["id"]


def test_ten_people_press_take_at_once_and_exactly_one_wins(app):
    agents = [signed_in(app, f"agent{number}") for number in range(PEOPLE)]
    first = make_group(app, "First line", tuple(agent.user for agent in agents))
    lead = make_user(app, "lena", role=Role.LEAD)
    names = {agent.user.id: agent.user.name for agent in agents}
    for round_number in range(ROUNDS):
        task = make_task(app, lead, f"Queued {round_number}", group_id=first.id)

        def take(agent: Any, task_id: int = task.id) -> tuple[int, dict[str, Any]]:
            response = agent.api("POST", f"/api/tasks/{task_id}/take")
            return response.status_code, response.get_json()

        answers = race([lambda agent=agent: take(agent) for agent in agents])
        winner = assert_one_winner(answers, names)
        with app.app_context():
            taken = db.session.execute(
                sa.select(TaskEvent.actor_id).where(
                    TaskEvent.task_id == task.id, TaskEvent.kind == "task.taken"
                )
            ).scalars()
            assert list(taken) == [winner]  # one event: the losers wrote nothing


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("take-race"), async_mode="eventlet")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.mark.e2e
def test_ten_http_clients_press_take_on_a_real_server(server: ServerProcess):
    admin = create_first_admin(server)
    people: list[Browser] = []
    for number in range(PEOPLE):
        login = f"agent{number}"
        form = {"login": login, "name": f"Agent {number}", "role": "agent", "password": "x" * 12}
        assert admin.post_form("/admin/users", form).status_code == 302
        people.append(Browser(server.url).login(login, "x" * 12))
    ids = {person.refresh_csrf()["user"]["id"]: person for person in people}
    names = {user_id: f"Agent {number}" for number, user_id in enumerate(ids)}
    line = admin.api(
        "POST", "/api/groups", {"name": "First line", "color": "#1e88e5", "member_ids": list(ids)}
    )["group"]
    for round_number in range(ROUNDS):
        body = {"title": f"Queued {round_number}", "group_id": line["id"]}
        task = admin.api("POST", "/api/tasks", body)["task"]

        def take(person: Browser, task_id: int = task["id"]) -> tuple[int, dict[str, Any]]:
            response = person.post(
                f"/api/tasks/{task_id}/take", headers={"X-CSRFToken": person.csrf_token}
            )
            return response.status_code, response.json()

        answers = race([lambda person=person: take(person) for person in people])
        winner = assert_one_winner(answers, names)
        saved = admin.api("GET", f"/api/tasks/{task['id']}")
        assert saved["task"]["agent"]["id"] == winner
        assert [event["kind"] for event in saved["timeline"]] == ["task.created", "task.taken"]
    assert "Traceback" not in server.output()
