"""The wall board: who gets a lane, what the TV page carries, and who may open it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from tests.builders import (
    Auth,
    make_chat,
    make_task,
    make_user,
    set_task_times,
    signed_in,
    status_named,
)
from wesup import users
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import User, utcnow
from wesup.tasks import service as tasks
from wesup.timeutil import day_start, today

WALL_JS = Path(__file__).resolve().parent.parent / "wesup" / "static" / "js" / "wall.js"


def snapshot_in(page: str) -> dict:
    """The snapshot the page embeds for wall.js."""
    raw = re.search(
        r'<script type="application/json" id="wall-snapshot">(.*?)</script>', page, re.S
    )
    return json.loads(raw.group(1))


def lanes_by_name(data: dict) -> dict[str, dict]:
    return {lane["agent"]["name"]: lane for lane in data["lanes"]}


def set_status(app: Flask, task, status: str) -> None:
    with app.app_context():
        actor = db.session.get(User, task.agent.id)
        current = db.session.get(tasks.Task, task.id)
        tasks.update_task(
            actor, task.id, {"status_id": status_named(app, status).id, "version": current.version}
        )


@pytest.fixture
def viewer(app):
    return signed_in(app, "vera", role=Role.VIEWER)


def test_anonymous_visitors_are_sent_to_sign_in(app):
    client = app.test_client()
    response = client.get("/board")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/board/data").status_code == 401


def test_a_signed_in_person_gets_the_tv_page(app, viewer):
    page = viewer.client.get("/board")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="wall theme-dark"' in html
    assert 'data-timezone="Europe/Moscow"' in html
    assert "data-freshness" in html
    assert 'data-warn-minutes="30"' in html and 'data-alert-minutes="120"' in html
    assert snapshot_in(html)["seq"] == viewer.client.get("/board/data").get_json()["seq"]


@pytest.mark.parametrize(("asked", "theme"), [("light", "light"), ("dark", "dark"), ("x", "dark")])
def test_the_theme_is_dark_unless_light_is_asked_for(app, viewer, asked, theme):
    html = viewer.client.get(f"/board?theme={asked}").get_data(as_text=True)
    assert f'class="wall theme-{theme}"' in html


@pytest.mark.parametrize("app_config", [{"AGE_WARN_MINUTES": 5, "AGE_ALERT_MINUTES": 15}])
def test_age_thresholds_come_from_the_configuration(app, viewer):
    html = viewer.client.get("/board").get_data(as_text=True)
    assert 'data-warn-minutes="5"' in html and 'data-alert-minutes="15"' in html


def test_lanes_show_who_is_on_shift(app, viewer, socket_client):
    now = utcnow()
    alice = make_user(app, "alice", name="Alice")  # open tasks
    bob = make_user(app, "bob", name="Bob")  # resolved one today, nothing open
    make_user(app, "carol", name="Carol")  # agent online, nothing in hand
    lena = make_user(app, "lena", role=Role.LEAD, name="Lena")  # lead online: works tasks too
    make_user(app, "olga", role=Role.VIEWER, name="Olga")  # a viewer online only watches
    dan = make_user(app, "dan", name="Dan")  # resolved yesterday, offline
    make_user(app, "eve", name="Eve")  # agent offline, nothing at all
    chat = make_chat(app, "Acme")

    make_task(app, alice, "Newer", chat_id=chat.id)
    older = make_task(app, alice, "Older")
    parked = make_task(app, alice, "Parked")
    set_task_times(app, older.id, received_at=now - timedelta(hours=3))
    set_task_times(app, parked.id, received_at=now - timedelta(hours=5))
    set_status(app, parked, "Postponed")
    closed = make_task(app, bob, "Closed today")
    set_status(app, closed, "Done")
    old = make_task(app, dan, "Closed yesterday")
    set_status(app, old, "Done")
    with app.app_context():
        yesterday = day_start(today()) - timedelta(hours=1)
    set_task_times(app, old.id, received_at=yesterday - timedelta(hours=1), resolved_at=yesterday)
    gone = make_task(app, make_user(app, "fred", name="Fred"), "Deleted")
    with app.app_context():
        tasks.delete_task(db.session.get(User, gone.agent.id), gone.id)

    for login in ("carol", "lena", "olga"):
        socket_client(signed_in_as(app, login), view="board")

    data = viewer.client.get("/board/data").get_json()
    lanes = lanes_by_name(data)
    assert list(lanes) == ["Alice", "Bob", "Carol", "Lena"]
    assert [t["title"] for t in lanes["Alice"]["tasks"]] == ["Parked", "Older", "Newer"]
    assert lanes["Alice"]["tasks"][0]["status"]["category"] == "postponed"
    assert lanes["Alice"]["tasks"][2]["chat"] == {"id": chat.id, "name": "Acme"}
    assert lanes["Alice"]["resolved_this_shift"] == []
    assert [t["id"] for t in lanes["Bob"]["resolved_this_shift"]] == [closed.id]
    assert lanes["Bob"]["tasks"] == []
    assert lanes["Carol"]["online"] is True and lanes["Alice"]["online"] is False
    assert lanes["Lena"]["online"] is True and lanes["Lena"]["agent"]["id"] == lena.id
    # whose coming online opens a lane: the same "works tasks" as the pickers and filters
    with app.app_context():
        workers = [person.id for person in users.people_who_work_tasks()]
    assert sorted(data["shift_agent_ids"]) == sorted(workers)
    assert "Olga" not in {person["name"] for person in data["online"]}


def signed_in_as(app: Flask, login: str):
    """A browser of an existing person, signed in."""
    auth = Auth(app.test_client())
    auth.login(login)
    return auth.client


def test_the_data_carries_who_is_online_and_the_shift(app, viewer, socket_client):
    agent = make_user(app, "alice", name="Alice")
    socket_client(signed_in_as(app, "alice"), view="mine")
    data = viewer.client.get("/board/data").get_json()
    assert data["online"] == [{"id": agent.id, "name": "Alice"}]
    assert agent.id in data["shift_agent_ids"]
    with app.app_context():  # without WESUP_SHIFTS, a shift is the team's calendar day
        assert data["shift_start"] == day_start(today()).isoformat()
        assert data["shift_end"] == day_start(today() + timedelta(days=1)).isoformat()


def test_a_title_with_markup_stays_text_on_the_page(app, viewer):
    agent = make_user(app, "alice")
    make_task(app, agent, "<script>alert(1)</script>")
    html = viewer.client.get("/board").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    titles = [t["title"] for lane in snapshot_in(html)["lanes"] for t in lane["tasks"]]
    assert titles == ["<script>alert(1)</script>"]


def test_wall_js_builds_the_page_with_text_only():
    source = WALL_JS.read_text()
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source
    assert "textContent" in source


def test_every_word_on_the_page_is_translated(app):
    make_user(app, "vera", role=Role.VIEWER)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    Auth(client).login("vera")
    html = client.get("/board").get_data(as_text=True)
    for word in ("Открыто: {n}", "Решено за смену: {n}", "Отложено: {n}", "Сейчас в сети"):
        assert word in html, word
    for word in ("Open: ", "Resolved this shift", "Online now", "Full screen", "Wall board"):
        assert word not in html, word
