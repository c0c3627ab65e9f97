"""The JSON API: the shapes the pages and integrations read, and refusals that change nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.builders import (
    assert_refused,
    db_state,
    make_chat,
    make_task,
    make_user,
    set_task_times,
    signed_in,
    status_named,
    task_json,
)
from wesup.enums import Role
from wesup.models import utcnow
from wesup.timeutil import Period, today

TASK_KEYS = {
    "id",
    "title",
    "description",
    "chat",
    "status",
    "agent",
    "group",
    "received_at",
    "resolved_at",
    "created_at",
    "updated_at",
    "deleted",
    "version",
    "last_comment",
    "urgent",
    "last_activity_at",
    "tell_chat",
}


def assert_iso_with_offset(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None, value
    return moment


def assert_task_shape(task: dict[str, Any]) -> None:
    """A task as every client reads it."""
    assert set(task) == TASK_KEYS
    assert isinstance(task["id"], int)
    assert isinstance(task["version"], int)
    assert set(task["status"]) == {"id", "name", "color", "category"}
    assert set(task["agent"]) == {"id", "name"}
    assert task["chat"] is None or set(task["chat"]) == {"id", "name"}
    for key in ("received_at", "created_at", "updated_at"):
        assert_iso_with_offset(task[key])
    if task["resolved_at"] is not None:
        assert_iso_with_offset(task["resolved_at"])


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    """The one error shape of the API."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if fields is not None:
        assert set(body["error"]["fields"]) == fields
    return body


# --- shapes ---------------------------------------------------------------------------------


def test_session_says_who_is_signed_in(app):
    alice = signed_in(app, "alice")
    body = alice.client.get("/api/session").get_json()
    assert body["user"] == {"id": alice.user.id, "name": "Alice", "login": "alice", "role": "agent"}
    assert body["csrf_token"]
    assert body["seq"] == 0
    make_task(app, alice.user)
    assert alice.client.get("/api/session").get_json()["seq"] == 1


def test_create_returns_the_task_with_every_field(app):
    alice = signed_in(app, "alice")
    chat = make_chat(app, "Acme")
    response = alice.api(
        "POST",
        "/api/tasks",
        {"title": "VPN down", "chat_id": chat.id, "description": "since 9:00"},
    )
    assert response.status_code == 201
    task = response.get_json()["task"]
    assert_task_shape(task)
    assert task["title"] == "VPN down"
    assert task["description"] == "since 9:00"
    assert task["chat"] == {"id": chat.id, "name": "Acme"}
    assert task["agent"] == {"id": alice.user.id, "name": "Alice"}
    status = status_named(app, "Accepted")
    assert task["status"] == {
        "id": status.id,
        "name": "Accepted",
        "color": status.color,
        "category": "new",
    }
    assert task["resolved_at"] is None
    assert task["deleted"] is False
    assert task["last_comment"] is None
    assert task == task_json(app, task["id"])


def test_a_form_post_with_string_ids_works_as_well(app):
    """The quick-add form may send its select values as strings."""
    alice = signed_in(app, "alice")
    chat = make_chat(app)
    status = status_named(app, "In progress")
    response = alice.api(
        "POST",
        "/api/tasks",
        {"title": "VPN", "chat_id": str(chat.id), "status_id": str(status.id), "received_at": ""},
    )
    assert response.status_code == 201
    assert response.get_json()["task"]["status"]["id"] == status.id


def test_get_one_task_returns_it_with_its_timeline(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    alice.api("POST", f"/api/tasks/{task.id}/comments", {"body": "Called back"})
    body = alice.client.get(f"/api/tasks/{task.id}").get_json()
    assert set(body) == {"task", "timeline"}
    assert_task_shape(body["task"])
    assert [entry["kind"] for entry in body["timeline"]] == ["task.created", "task.commented"]
    entry = body["timeline"][1]
    assert entry["actor"] == {"id": alice.user.id, "name": "Alice"}
    assert entry["comment"]["body"] == "Called back"
    assert_iso_with_offset(entry["at"])


def test_patch_returns_the_new_version(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    response = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "title": "Renamed"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"task"}
    assert_task_shape(body["task"])
    assert body["task"]["title"] == "Renamed"
    assert body["task"]["version"] == 2


def test_delete_and_restore_return_the_task(app):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user)

    deleted = alice.api("DELETE", f"/api/tasks/{task.id}?version=1")
    assert deleted.status_code == 200
    assert_task_shape(deleted.get_json()["task"])
    assert deleted.get_json()["task"]["deleted"] is True
    assert alice.client.get(f"/api/tasks/{task.id}").status_code == 404
    assert lead.client.get(f"/api/tasks/{task.id}").get_json()["task"]["deleted"] is True

    restored = lead.api("POST", f"/api/tasks/{task.id}/restore")
    assert restored.status_code == 200
    assert restored.get_json()["task"]["deleted"] is False
    assert alice.client.get(f"/api/tasks/{task.id}").status_code == 200


def test_comments_are_listed_in_order_with_their_author(app):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user)
    first = alice.api("POST", f"/api/tasks/{task.id}/comments", {"body": "First"})
    assert first.status_code == 201
    comment = first.get_json()["comment"]
    assert set(comment) == {"id", "task_id", "author", "body", "created_at"}
    assert comment["task_id"] == task.id
    assert_iso_with_offset(comment["created_at"])
    lead.api("POST", f"/api/tasks/{task.id}/comments", {"body": "Second"})

    listed = alice.client.get(f"/api/tasks/{task.id}/comments").get_json()["comments"]
    assert [(c["body"], c["author"]["name"]) for c in listed] == [
        ("First", "Alice"),
        ("Second", "Lena"),
    ]
    assert task_json(app, task.id)["last_comment"] == "Second"


def test_list_returns_tasks_summary_period_and_seq(app):
    alice = signed_in(app, "alice")
    make_task(app, alice.user, "Open")
    make_task(app, alice.user, "Closed", status_id=status_named(app, "Done").id)
    with app.app_context():
        first, last = today() - timedelta(days=6), today()
    body = alice.client.get(f"/api/tasks?from={first}&to={last}").get_json()
    assert body.keys() == {"tasks", "summary", "period", "seq"}
    assert [task["title"] for task in body["tasks"]] == ["Open", "Closed"]
    for task in body["tasks"]:
        assert_task_shape(task)
    assert body["summary"] == {"open": 1, "postponed": 0, "resolved": 1}
    with app.app_context():
        instants = Period(first, last)
        assert body["period"] == {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "start": instants.start.isoformat(),
            "end": instants.end.isoformat(),
        }
    assert body["seq"] == 2


def today_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def test_list_without_a_period_is_today_in_the_team_zone(app):
    alice = signed_in(app, "alice")
    with app.app_context():
        day = today().isoformat()
    body = alice.client.get("/api/tasks").get_json()
    assert (body["period"]["from"], body["period"]["to"]) == (day, day)
    # midnight to midnight in Moscow (UTC+3, no daylight saving)
    assert body["period"]["start"] == f"{today_before(day)}T21:00:00+00:00"
    assert body["period"]["end"] == f"{day}T21:00:00+00:00"


def test_my_tasks_open_oldest_first_then_closed_this_shift(app):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    now = utcnow()
    make_task(app, alice.user, "Newer", received_at=(now - timedelta(minutes=5)).isoformat())
    make_task(app, alice.user, "Older", received_at=(now - timedelta(hours=2)).isoformat())
    make_task(app, alice.user, "Closed", status_id=status_named(app, "Done").id)
    make_task(app, bob, "Bob's")
    body = alice.client.get("/api/tasks/mine").get_json()
    assert body.keys() == {"open", "closed_this_shift", "queue", "shift", "seq"}
    assert [task["title"] for task in body["open"]] == ["Older", "Newer"]
    assert [task["title"] for task in body["closed_this_shift"]] == ["Closed"]
    assert body["seq"] == 4


def test_a_script_in_a_title_comes_back_as_plain_json_data(app):
    """The API returns data; pages escape it (their own tests check that)."""
    alice = signed_in(app, "alice")
    title = '<script>alert("x")</script>'
    task = alice.api("POST", "/api/tasks", {"title": title}).get_json()["task"]
    response = alice.client.get(f"/api/tasks/{task['id']}")
    assert response.mimetype == "application/json"
    assert response.get_json()["task"]["title"] == title


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["agent", "status", "chat"])
def test_list_filters_by_agent_status_and_chat(app, name):
    alice = signed_in(app, "alice")
    bob = make_user(app, "bob")
    acme, globex = make_chat(app, "Acme"), make_chat(app, "Globex")
    active = status_named(app, "In progress")
    wanted = make_task(app, alice.user, "Wanted", chat_id=acme.id, status_id=active.id)
    make_task(app, bob, "Other agent", chat_id=acme.id, status_id=active.id)
    make_task(app, alice.user, "Other chat", chat_id=globex.id, status_id=active.id)
    make_task(app, alice.user, "Other status", chat_id=acme.id)
    expected = {
        "agent": {"Wanted", "Other chat", "Other status"},
        "status": {"Wanted", "Other agent", "Other chat"},
        "chat": {"Wanted", "Other agent", "Other status"},
    }[name]
    value = {"agent": alice.user.id, "status": active.id, "chat": acme.id}[name]
    body = alice.client.get(f"/api/tasks?{name}={value}").get_json()
    assert {task["title"] for task in body["tasks"]} == expected
    assert wanted.id in {task["id"] for task in body["tasks"]}


def test_filters_combine(app):
    alice = signed_in(app, "alice")
    acme = make_chat(app, "Acme")
    active = status_named(app, "In progress")
    make_task(app, alice.user, "Wanted", chat_id=acme.id, status_id=active.id)
    make_task(app, alice.user, "Other status", chat_id=acme.id)
    query = f"agent={alice.user.id}&status={active.id}&chat={acme.id}"
    body = alice.client.get(f"/api/tasks?{query}").get_json()
    assert [task["title"] for task in body["tasks"]] == ["Wanted"]
    assert body["summary"] == {"open": 1, "postponed": 0, "resolved": 0}


def test_only_a_lead_sees_the_deleted_tasks_list(app):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user, "Gone")
    make_task(app, alice.user, "Here")
    alice.api("DELETE", f"/api/tasks/{task.id}")
    titles = {
        who: [t["title"] for t in auth.client.get("/api/tasks?deleted=1").get_json()["tasks"]]
        for who, auth in (("agent", alice), ("lead", lead))
    }
    assert titles == {"agent": ["Here"], "lead": ["Gone"]}


@pytest.mark.parametrize(
    "query",
    [
        "agent=abc",
        "status=1.5",
        "chat=%00",
        "agent=99999999999999999999",
        "chat=-99999999999999999999",
    ],
)
def test_a_bad_filter_is_a_client_error(app, query):
    alice = signed_in(app, "alice")
    response = alice.client.get(f"/api/tasks?{query}")
    assert response.status_code in (400, 422)
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2024-13-01", "from"),
        ("from=yesterday", "from"),
        ("to=2024-02-30", "to"),
        ("from=2024-03-10&to=2024-03-09", "to"),
        ("from=2023-01-01&to=2024-12-31", "to"),
        ("from=9999-12-31", "from"),
        ("to=9999-12-31", "to"),
        ("from=0001-01-01", "from"),
    ],
)
def test_bad_dates_are_refused_with_422(app, query, field):
    alice = signed_in(app, "alice")
    response = alice.client.get(f"/api/tasks?{query}")
    body = assert_error(response, 422, "validation_failed")
    assert field in body["error"]["fields"]


# --- bad input changes nothing --------------------------------------------------------------


def _archived_status_id(app, lead) -> int:
    response = lead.api(
        "POST", "/api/statuses", {"name": "Old", "color": "#101010", "category": "active"}
    )
    status_id = response.get_json()["status"]["id"]
    make_task(app, lead.user, "Keeps it in use", status_id=status_id)
    assert lead.api("DELETE", f"/api/statuses/{status_id}").get_json()["status"]["archived"] is True
    return status_id


def _archived_chat_id(app, lead) -> int:
    chat = make_chat(app, "Gone client")
    make_task(app, lead.user, "Keeps it in use", chat_id=chat.id)
    assert lead.api("DELETE", f"/api/chats/{chat.id}").get_json()["chat"]["archived"] is True
    return chat.id


BAD_TASK_FIELDS = [
    pytest.param({"title": None}, "title", id="title-null"),
    pytest.param({"title": "   "}, "title", id="title-blank"),
    pytest.param({"title": 42}, "title", id="title-number"),
    pytest.param({"title": ["VPN"]}, "title", id="title-list"),
    pytest.param({"title": "x" * 301}, "title", id="title-too-long"),
    pytest.param({"title": "x" * 100_000}, "title", id="title-huge"),
    pytest.param({"title": "NUL\x00byte"}, "title", id="title-nul"),
    pytest.param({"title": "lone \ud800 surrogate"}, "title", id="title-surrogate"),
    pytest.param({"description": "\udfff"}, "description", id="description-surrogate"),
    pytest.param({"description": 7}, "description", id="description-number"),
    pytest.param({"description": "x" * 10_001}, "description", id="description-too-long"),
    pytest.param({"chat_id": "abc"}, "chat_id", id="chat-abc"),
    pytest.param({"chat_id": 1.5}, "chat_id", id="chat-fraction"),
    pytest.param({"chat_id": True}, "chat_id", id="chat-bool"),
    pytest.param({"chat_id": {"id": 1}}, "chat_id", id="chat-object"),
    pytest.param({"chat_id": 9999}, "chat_id", id="chat-unknown"),
    pytest.param({"chat_id": 10**20}, "chat_id", id="chat-huge"),
    pytest.param({"chat_id": "archived"}, "chat_id", id="chat-archived"),
    pytest.param({"urgent": "yes"}, "urgent", id="urgent-word"),
    pytest.param({"urgent": 1}, "urgent", id="urgent-number"),
    pytest.param({"urgent": [True]}, "urgent", id="urgent-list"),
    pytest.param({"status_id": "abc"}, "status_id", id="status-abc"),
    pytest.param({"status_id": 9999}, "status_id", id="status-unknown"),
    pytest.param({"status_id": -(2**40)}, "status_id", id="status-huge-negative"),
    pytest.param({"status_id": "archived"}, "status_id", id="status-archived"),
    pytest.param({"received_at": "soon"}, "received_at", id="received-words"),
    pytest.param({"received_at": 1710000000}, "received_at", id="received-number"),
    pytest.param({"received_at": "2024-02-30T10:00"}, "received_at", id="received-no-such-day"),
    pytest.param({"received_at": "0001-01-01T00:00"}, "received_at", id="received-year-1"),
    pytest.param({"received_at": "9999-12-31T23:59"}, "received_at", id="received-far-future"),
    pytest.param({"received_at": "in-an-hour"}, "received_at", id="received-future"),
]


def _resolve(app, lead, data: dict[str, Any]) -> dict[str, Any]:
    """Fill the placeholders of BAD_TASK_FIELDS."""
    data = dict(data)
    if data.get("chat_id") == "archived":
        data["chat_id"] = _archived_chat_id(app, lead)
    if data.get("status_id") == "archived":
        data["status_id"] = _archived_status_id(app, lead)
    if data.get("received_at") == "in-an-hour":
        data["received_at"] = (utcnow() + timedelta(hours=1)).isoformat()
    return data


def test_creating_without_a_title_is_422(app):
    alice = signed_in(app, "alice")
    response = assert_refused(
        app, lambda: alice.api("POST", "/api/tasks", {"description": "What was it?"}), 422
    )
    assert_error(response, 422, "validation_failed", {"title"})


@pytest.mark.parametrize(("data", "field"), BAD_TASK_FIELDS)
def test_creating_with_bad_input_is_422_and_saves_nothing(app, data, field):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    body = {"title": "VPN down", **_resolve(app, lead, data)}
    response = assert_refused(app, lambda: alice.api("POST", "/api/tasks", body), 422)
    assert_error(response, 422, "validation_failed", {field})


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "America/New_York"}])
@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00+00:00", "0001-01-01T23:59:59Z"])
def test_a_received_at_the_team_zone_cannot_show_is_422_and_the_pages_still_open(app, received_at):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    before = db_state(app)
    created = alice.api("POST", "/api/tasks", {"title": "VPN down", "received_at": received_at})
    assert_error(created, 422, "validation_failed", {"received_at"})
    edited = alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "received_at": received_at})
    assert_error(edited, 422, "validation_failed", {"received_at"})
    assert db_state(app) == before
    for page in ("/tasks/mine", "/tasks"):
        assert alice.client.get(page).status_code == 200


@pytest.mark.parametrize(("data", "field"), BAD_TASK_FIELDS)
def test_editing_with_bad_input_is_422_and_changes_nothing(app, data, field):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user)
    body = {"version": 1, "description": "would be fine alone", **_resolve(app, lead, data)}
    response = assert_refused(app, lambda: alice.api("PATCH", f"/api/tasks/{task.id}", body), 422)
    assert_error(response, 422, "validation_failed", {field})


NOT_AN_OBJECT = [
    pytest.param('{"title": "VPN', "application/json", id="malformed"),
    pytest.param('["VPN down"]', "application/json", id="array"),
    pytest.param('"VPN down"', "application/json", id="string"),
    pytest.param("42", "application/json", id="number"),
    pytest.param("null", "application/json", id="null"),
    pytest.param("", "application/json", id="empty"),
    pytest.param("title=VPN", "application/x-www-form-urlencoded", id="form"),
    pytest.param("\xff\xfe", "application/json", id="not-utf8"),
    pytest.param("[" * 100_000 + "]" * 100_000, "application/json", id="nested-too-deep"),
]
JSON_WRITES = [
    ("POST", "/api/tasks"),
    ("PATCH", "/api/tasks/{id}"),
    ("POST", "/api/tasks/{id}/comments"),
    ("POST", "/api/chats"),
]


@pytest.mark.parametrize(
    ("method", "path", "raw", "content_type"),
    [pytest.param("POST", "/api/tasks", *p.values, id=f"create-{p.id}") for p in NOT_AN_OBJECT]
    + [
        pytest.param(method, path, *p.values, id=f"{method}-{path}-{p.id}")
        for method, path in JSON_WRITES[1:]
        for p in NOT_AN_OBJECT[:2]
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(app, method, path, raw, content_type):
    alice = signed_in(app, "alice", role=Role.LEAD)
    task = make_task(app, alice.user)
    response = assert_refused(
        app,
        lambda: alice.client.open(
            path.format(id=task.id),
            method=method,
            data=raw.encode("latin-1"),
            content_type=content_type,
            headers=alice.headers(),
        ),
        400,
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "body",
    [{}, {"body": ""}, {"body": "  "}, {"body": 42}, {"body": "x" * 5001}, {"body": "\x00"}],
)
def test_a_bad_comment_is_422_and_changes_nothing(app, body):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    response = assert_refused(
        app, lambda: alice.api("POST", f"/api/tasks/{task.id}/comments", body), 422
    )
    assert_error(response, 422, "validation_failed", {"body"})


@pytest.mark.parametrize("version", [None, "abc", True, 1.5])
def test_patch_without_a_usable_version_is_422(app, version):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    body = {"title": "Renamed"} if version is None else {"title": "Renamed", "version": version}
    response = assert_refused(app, lambda: alice.api("PATCH", f"/api/tasks/{task.id}", body), 422)
    assert_error(response, 422, "validation_failed", {"version"})


def test_a_stale_version_is_409_with_the_current_task_and_changes_nothing(app):
    alice = signed_in(app, "alice")
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, alice.user)
    assert (
        lead.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "title": "Lead's"}).status_code
        == 200
    )

    response = assert_refused(
        app,
        lambda: alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "title": "Alice's"}),
        409,
    )

    body = assert_error(response, 409, "conflict")
    assert_task_shape(body["current"])
    assert body["current"]["title"] == "Lead's"
    assert body["current"]["version"] == 2


def test_a_stale_delete_is_409_and_deletes_nothing(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    alice.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "title": "Renamed"})
    response = assert_refused(
        app, lambda: alice.api("DELETE", f"/api/tasks/{task.id}?version=1"), 409
    )
    body = assert_error(response, 409, "conflict")
    assert body["current"]["title"] == "Renamed"


ID_ROUTES = [
    ("GET", "/api/tasks/{missing}"),
    ("PATCH", "/api/tasks/{missing}"),
    ("DELETE", "/api/tasks/{missing}"),
    ("POST", "/api/tasks/{missing}/restore"),
    ("GET", "/api/tasks/{missing}/comments"),
    ("POST", "/api/tasks/{missing}/comments"),
    ("PATCH", "/api/chats/{missing}"),
    ("DELETE", "/api/chats/{missing}"),
    ("PATCH", "/api/statuses/{missing}"),
    ("DELETE", "/api/statuses/{missing}"),
]


@pytest.mark.parametrize(
    ("method", "path", "missing"),
    [(method, path, 9999) for method, path in ID_ROUTES]
    # beyond what an id column holds (the database would overflow): still just not found
    + [(method, path, 2**63) for method, path in ID_ROUTES[:3] + ID_ROUTES[6:7]]
    + [("GET", "/api/nothing-here", 0)],
)
def test_unknown_ids_are_404(app, method, path, missing):
    lead = signed_in(app, "lena", role=Role.LEAD)
    make_task(app, lead.user)
    body = {"version": 1, "title": "x", "body": "x", "name": "x"}
    response = assert_refused(
        app,
        lambda: lead.api(method, path.format(missing=missing), body if method != "GET" else None),
        404,
    )
    assert_error(response, 404, "not_found")


def test_a_wrong_method_is_405_json(app):
    alice = signed_in(app, "alice")
    assert_error(alice.api("PUT", "/api/tasks"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/tasks", {"title": "VPN"}),
        ("PATCH", "/api/tasks/{id}", {"version": 1, "title": "Renamed"}),
        ("DELETE", "/api/tasks/{id}", None),
        ("POST", "/api/tasks/{id}/comments", {"body": "Hi"}),
        ("POST", "/api/tasks/{id}/restore", None),
        ("POST", "/api/chats", {"name": "Acme"}),
        ("PATCH", "/api/statuses/{status}", {"name": "Renamed"}),
        ("DELETE", "/api/statuses/{status}", None),
    ],
)
def test_unsafe_methods_without_the_csrf_token_are_refused(app, method, path, body):
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, lead.user)
    status = status_named(app, "Postponed")
    response = assert_refused(
        app,
        lambda: lead.client.open(
            path.format(id=task.id, status=status.id), method=method, json=body
        ),
        400,
    )
    assert_error(response, 400, "csrf_failed")


@pytest.mark.parametrize("token", ["not-the-token", ""])
def test_a_wrong_csrf_token_is_refused(app, token):
    lead = signed_in(app, "lena", role=Role.LEAD)
    task = make_task(app, lead.user)
    before = db_state(app)
    headers = {"X-CSRFToken": token}
    for method, path, body in [
        ("POST", "/api/tasks", {"title": "VPN"}),
        ("PATCH", f"/api/tasks/{task.id}", {"version": 1, "title": "Renamed"}),
        ("DELETE", f"/api/tasks/{task.id}", None),
    ]:
        response = lead.client.open(path, method=method, json=body, headers=headers)
        assert_error(response, 400, "csrf_failed")
    assert db_state(app) == before


def test_the_csrf_token_of_another_session_does_not_work(app):
    alice = signed_in(app, "alice")
    bob = signed_in(app, "bob")
    response = assert_refused(
        app,
        lambda: alice.client.post(
            "/api/tasks", json={"title": "VPN"}, headers={"X-CSRFToken": bob.csrf_token}
        ),
        400,
    )
    assert_error(response, 400, "csrf_failed")


def test_resolved_and_received_times_are_utc_with_offset(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user, received_at="2024-03-10T09:15")
    set_task_times(app, task.id, resolved_at=datetime.fromisoformat("2024-03-10T10:00:00+00:00"))
    body = alice.client.get(f"/api/tasks/{task.id}").get_json()["task"]
    assert body["received_at"] == "2024-03-10T06:15:00+00:00"
    assert body["resolved_at"] == "2024-03-10T10:00:00+00:00"
