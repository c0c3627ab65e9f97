"""Chats and statuses: the lists agents pick from; used entries are archived, never lost."""

from __future__ import annotations

import pytest

from tests.builders import (
    NO_ADDRESS,
    assert_refused,
    db_state,
    event_kinds,
    live_events,
    make_chat,
    make_task,
    make_user,
    signed_in,
    status_named,
    task_json,
)
from wesup.directories.service import seed_defaults
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import Status

CHAT_KEYS = {
    "id",
    "name",
    "note",
    "archived",
    "has_notify_url",
    "notify_url_masked",
    "gets_new_tasks",
}
STATUS_KEYS = {"id", "name", "color", "category", "position", "archived"}


@pytest.fixture
def lead(app):
    return signed_in(app, "lena", role=Role.LEAD)


def names(auth, kind: str, archived: bool = False) -> list[str]:
    url = f"/api/{kind}?archived=1" if archived else f"/api/{kind}"
    return [entry["name"] for entry in auth.client.get(url).get_json()[kind]]


# --- chats ----------------------------------------------------------------------------------


def test_a_chat_is_created_listed_and_renamed(app, lead):
    created = lead.api("POST", "/api/chats", {"name": " Acme support ", "note": "VIP"})
    assert created.status_code == 201
    assert set(created.get_json()) == {"chat"}
    chat = created.get_json()["chat"]
    assert set(chat) == CHAT_KEYS
    assert (chat["name"], chat["note"], chat["archived"]) == ("Acme support", "VIP", False)

    renamed = lead.api("PATCH", f"/api/chats/{chat['id']}", {"name": "Acme"})
    assert renamed.status_code == 200
    assert renamed.get_json() == {"chat": {**chat, "name": "Acme"}}
    assert names(lead, "chats") == ["Acme"]
    assert event_kinds(app) == ["chat.created", "chat.updated"]


def test_chats_are_listed_by_name_whatever_the_case(app, lead):
    for name in ("globex", "Acme", "Initech"):
        make_chat(app, name)
    assert names(lead, "chats") == ["Acme", "globex", "Initech"]


def test_an_agent_reads_the_chats_to_pick_from(app):
    make_chat(app, "Acme")
    alice = signed_in(app, "alice")
    assert names(alice, "chats") == ["Acme"]


def test_an_unchanged_save_records_nothing(app, lead):
    chat = make_chat(app, "Acme")
    before = db_state(app)
    assert lead.api("PATCH", f"/api/chats/{chat.id}", {"name": "Acme"}).status_code == 200
    assert db_state(app) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": 42}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Acme", "note": "x" * 1001}, "note"),
        ({"name": "Acme", "note": ["VIP"]}, "note"),
    ],
)
def test_a_bad_chat_is_refused(app, lead, body, field):
    response = assert_refused(app, lambda: lead.api("POST", "/api/chats", body), 422)
    assert set(response.get_json()["error"]["fields"]) == {field}


@pytest.mark.parametrize("name", ["", "   ", None, 7])
def test_a_chat_cannot_be_renamed_to_nothing(app, lead, name):
    chat = make_chat(app, "Acme")
    response = assert_refused(
        app,
        lambda: lead.api("PATCH", f"/api/chats/{chat.id}", {"name": name, "note": "kept?"}),
        422,
    )
    assert set(response.get_json()["error"]["fields"]) == {"name"}


def test_deleting_an_unused_chat_removes_it(app, lead):
    chat = make_chat(app, "Typo")
    response = lead.api("DELETE", f"/api/chats/{chat.id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "chat": {"id": chat.id, "name": "Typo", "note": "", "archived": False, **NO_ADDRESS},
        "removed": True,
    }
    assert names(lead, "chats", archived=True) == []
    assert event_kinds(app) == ["chat.deleted"]


def test_deleting_a_used_chat_archives_it(app, lead):
    alice = make_user(app, "alice")
    chat = make_chat(app, "Old client")
    task = make_task(app, alice, chat_id=chat.id)

    response = lead.api("DELETE", f"/api/chats/{chat.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["chat"]["archived"] is True
    assert body["removed"] is False
    assert names(lead, "chats") == []  # gone from the pickers
    assert names(lead, "chats", archived=True) == ["Old client"]
    assert task_json(app, task.id)["chat"] == {"id": chat.id, "name": "Old client"}
    assert event_kinds(app)[-1] == "chat.archived"
    # an archived chat cannot be deleted twice
    assert lead.api("DELETE", f"/api/chats/{chat.id}").status_code == 404


def test_a_deleted_tasks_chat_is_still_in_use(app, lead):
    """The task can be restored, and it must come back with its chat."""
    alice = signed_in(app, "alice")
    chat = make_chat(app, "Old client")
    task = make_task(app, alice.user, chat_id=chat.id)
    alice.api("DELETE", f"/api/tasks/{task.id}")
    assert lead.api("DELETE", f"/api/chats/{chat.id}").get_json()["chat"]["archived"] is True


def test_an_archived_chat_comes_back_to_the_pickers_live(app, lead, socket_client):
    """Archiving the team's main chat by mistake is one click; so is undoing it."""
    alice = make_user(app, "alice")
    chat = make_chat(app, "Clients general")
    make_task(app, alice, chat_id=chat.id)
    lead.api("DELETE", f"/api/chats/{chat.id}")
    board = socket_client(signed_in(app, "vera", role=Role.VIEWER).client, view="board")
    live_events(board)

    response = lead.api("POST", f"/api/chats/{chat.id}/restore")

    assert response.status_code == 200
    assert response.get_json()["chat"]["archived"] is False
    assert names(lead, "chats") == ["Clients general"]
    [event] = live_events(board)
    assert event["kind"] == "chat.restored"
    assert event["chat"]["archived"] is False
    assert lead.api("POST", f"/api/chats/{chat.id}/restore").status_code == 409


def test_restoring_is_for_leads_and_admins(app, lead):
    alice = signed_in(app, "alice")
    chat = make_chat(app, "Old client")
    make_task(app, alice.user, chat_id=chat.id)
    lead.api("DELETE", f"/api/chats/{chat.id}")
    assert_refused(app, lambda: alice.api("POST", f"/api/chats/{chat.id}/restore"), 403)


@pytest.mark.parametrize("kind", ["chats", "statuses"])
@pytest.mark.parametrize("taken", ["Partners", "PARTNERS", " partners "])
def test_two_active_entries_cannot_share_a_name(app, lead, kind, taken):
    """They could not be told apart in the pickers and filters."""
    body = {"name": "Partners"} | (
        {"color": "#123456", "category": "active"} if kind == "statuses" else {}
    )
    assert lead.api("POST", f"/api/{kind}", body).status_code == 201
    one = {"chats": "chat", "statuses": "status"}[kind]
    other = lead.api("POST", f"/api/{kind}", body | {"name": "Others"}).get_json()[one]
    before = db_state(app)
    assert lead.api("POST", f"/api/{kind}", body | {"name": taken}).status_code == 422
    response = lead.api("PATCH", f"/api/{kind}/{other['id']}", {"name": taken})
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]
    assert db_state(app) == before


def test_names_compare_without_case_in_russian_too(app, lead):
    assert lead.api("POST", "/api/chats", {"name": "Клиенты"}).status_code == 201
    assert lead.api("POST", "/api/chats", {"name": "КЛИЕНТЫ"}).status_code == 422


def test_an_archived_name_can_be_reused_but_then_not_restored(app, lead):
    alice = make_user(app, "alice")
    chat = make_chat(app, "Partners")
    make_task(app, alice, chat_id=chat.id)
    lead.api("DELETE", f"/api/chats/{chat.id}")
    assert lead.api("POST", "/api/chats", {"name": "Partners"}).status_code == 201
    assert lead.api("POST", f"/api/chats/{chat.id}/restore").status_code == 422


# --- statuses -------------------------------------------------------------------------------


def test_first_run_creates_the_four_standard_statuses(app):
    with app.app_context():
        looks = [
            (s.name, s.color, s.category)
            for s in db.session.execute(db.select(Status).order_by(Status.position)).scalars()
        ]
    assert looks == [
        ("Accepted", "#1e88e5", "new"),
        ("In progress", "#ffb300", "active"),
        ("Postponed", "#9e9e9e", "postponed"),
        ("Done", "#43a047", "done"),
    ]


def test_first_run_names_the_statuses_in_the_teams_language_once(app):
    with app.app_context():
        assert seed_defaults("ru") is False  # statuses exist: nothing is added
        db.session.execute(db.delete(Status))
        db.session.commit()
        assert seed_defaults("ru") is True
        names_ru = list(db.session.scalars(db.select(Status.name).order_by(Status.position)))
    assert names_ru == ["Принята", "В работе", "Отложена", "Готово"]


def test_a_status_is_created_at_the_end_of_the_list(app, lead):
    response = lead.api(
        "POST", "/api/statuses", {"name": "Blocked", "color": "#FF0000", "category": "active"}
    )
    assert response.status_code == 201
    status = response.get_json()["status"]
    assert set(status) == STATUS_KEYS
    assert (status["color"], status["category"], status["archived"]) == ("#ff0000", "active", False)
    assert names(lead, "statuses") == ["Accepted", "In progress", "Postponed", "Done", "Blocked"]
    assert event_kinds(app) == ["status.created"]


def test_statuses_follow_their_position(app, lead):
    lead.api(
        "POST",
        "/api/statuses",
        {"name": "Triage", "color": "#000000", "category": "new", "position": 0},
    )
    assert names(lead, "statuses")[0] == "Triage"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"color": "#ff0000", "category": "active"}, "name"),
        ({"name": "x" * 65, "color": "#ff0000", "category": "active"}, "name"),
        ({"name": "Blocked", "category": "active"}, "color"),
        ({"name": "Blocked", "color": "red", "category": "active"}, "color"),
        ({"name": "Blocked", "color": "#ff00", "category": "active"}, "color"),
        ({"name": "Blocked", "color": 16711680, "category": "active"}, "color"),
        ({"name": "Blocked", "color": "#ff0000"}, "category"),
        ({"name": "Blocked", "color": "#ff0000", "category": "foo"}, "category"),
        ({"name": "Blocked", "color": "#ff0000", "category": ["done"]}, "category"),
        (
            {"name": "Blocked", "color": "#ff0000", "category": "done", "position": "top"},
            "position",
        ),
        (
            {"name": "Blocked", "color": "#ff0000", "category": "done", "position": 2**40},
            "position",
        ),
    ],
)
def test_a_bad_status_is_refused(app, lead, body, field):
    response = assert_refused(app, lambda: lead.api("POST", "/api/statuses", body), 422)
    assert set(response.get_json()["error"]["fields"]) == {field}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"color": "red"}, "color"), ({"category": "foo"}, "category"), ({"name": ""}, "name")],
)
def test_a_bad_status_edit_is_refused(app, lead, body, field):
    status = status_named(app, "Postponed")
    response = assert_refused(
        app, lambda: lead.api("PATCH", f"/api/statuses/{status.id}", body), 422
    )
    assert set(response.get_json()["error"]["fields"]) == {field}


def test_recoloring_a_status_recolors_its_tasks(app, lead):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    accepted = status_named(app, "Accepted")
    response = lead.api("PATCH", f"/api/statuses/{accepted.id}", {"color": "#00FF00"})
    assert response.get_json()["status"]["color"] == "#00ff00"
    assert task_json(app, task.id)["status"]["color"] == "#00ff00"
    assert event_kinds(app)[-1] == "status.updated"


def test_the_category_of_a_status_in_use_cannot_change(app, lead):
    """Otherwise resolved_at and the counters of old tasks would stop meaning anything."""
    alice = make_user(app, "alice")
    make_task(app, alice, status_id=status_named(app, "Postponed").id)
    postponed = status_named(app, "Postponed")
    assert_refused(
        app, lambda: lead.api("PATCH", f"/api/statuses/{postponed.id}", {"category": "done"}), 422
    )


def test_the_category_of_an_unused_status_can_change(app, lead):
    postponed = status_named(app, "Postponed")
    response = lead.api("PATCH", f"/api/statuses/{postponed.id}", {"category": "active"})
    assert response.status_code == 200
    assert response.get_json()["status"]["category"] == "active"


def test_the_last_new_status_cannot_be_deleted(app, lead):
    accepted = status_named(app, "Accepted")
    assert_refused(app, lambda: lead.api("DELETE", f"/api/statuses/{accepted.id}"), 422)


def test_the_last_new_status_cannot_change_its_category(app, lead):
    """Quick add starts every task in a `new` status: one must always remain."""
    accepted = status_named(app, "Accepted")
    assert_refused(
        app, lambda: lead.api("PATCH", f"/api/statuses/{accepted.id}", {"category": "active"}), 422
    )
    alice = signed_in(app, "alice")
    assert alice.api("POST", "/api/tasks", {"title": "Still possible"}).status_code == 201


def test_a_new_status_can_go_when_another_one_remains(app, lead):
    lead.api("POST", "/api/statuses", {"name": "Triage", "color": "#000000", "category": "new"})
    accepted = status_named(app, "Accepted")
    body = lead.api("DELETE", f"/api/statuses/{accepted.id}").get_json()
    assert (body["status"]["name"], body["removed"]) == ("Accepted", True)


def test_deleting_a_used_status_archives_it(app, lead):
    alice = make_user(app, "alice")
    postponed = status_named(app, "Postponed")
    task = make_task(app, alice, status_id=postponed.id)
    body = lead.api("DELETE", f"/api/statuses/{postponed.id}").get_json()
    assert (body["status"]["archived"], body["removed"]) == (True, False)
    assert "Postponed" not in names(lead, "statuses")
    assert "Postponed" in names(lead, "statuses", archived=True)
    assert task_json(app, task.id)["status"]["name"] == "Postponed"
    assert event_kinds(app)[-1] == "status.archived"
