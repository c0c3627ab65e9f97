"""Who may do what: every refusal is a 403 (401 when anonymous) that changes nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.builders import (
    Auth,
    assert_refused,
    db_state,
    make_chat,
    make_task,
    make_user,
    signed_in,
    status_named,
)
from wesup.enums import Role

# Writes on somebody else's task; {id} is the task, {status} a status to move it to.
WRITES_ON_A_TASK = [
    ("PATCH", "/api/tasks/{id}", {"version": 1, "title": "Taken over"}),
    ("PATCH", "/api/tasks/{id}", {"version": 1, "status_id": "{status}"}),
    ("DELETE", "/api/tasks/{id}", None),
]
COMMENT = ("POST", "/api/tasks/{id}/comments", {"body": "Not mine"})


def _fill(body, status_id: int):
    """The request body with the status placeholder filled in."""
    if body is None:
        return None
    return {key: status_id if value == "{status}" else value for key, value in body.items()}


@pytest.mark.parametrize(("method", "path", "body"), WRITES_ON_A_TASK)
@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_nobody_but_the_agent_and_leads_writes_on_a_task(app, role, method, path, body):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    other = signed_in(app, "other", role=role)
    done = status_named(app, "Done")
    assert_refused(
        app,
        lambda: other.api(method, path.format(id=task.id), _fill(body, done.id)),
        403,
        "forbidden",
    )


def test_a_viewer_cannot_comment_on_a_task(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    vera = signed_in(app, "vera", role=Role.VIEWER)
    method, path, body = COMMENT
    assert_refused(app, lambda: vera.api(method, path.format(id=task.id), body), 403, "forbidden")


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.ADMIN])
def test_anybody_who_works_tasks_comments_on_any_task(app, role):
    """Notes from colleagues: the second line answering, a colleague who knows the fix."""
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    other = signed_in(app, "other", role=role)
    method, path, body = COMMENT
    response = other.api(method, path.format(id=task.id), body)
    assert response.status_code == 201, response.get_json()
    timeline = other.api("GET", f"/api/tasks/{task.id}").get_json()["timeline"]
    assert timeline[-1]["comment"]["body"] == "Not mine"
    assert timeline[-1]["actor"]["id"] == other.user.id


@pytest.mark.parametrize(("method", "path", "body"), [*WRITES_ON_A_TASK, COMMENT])
@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_a_lead_or_admin_writes_on_every_task(app, role, method, path, body):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    boss = signed_in(app, "boss", role=role)
    done = status_named(app, "Done")
    response = boss.api(method, path.format(id=task.id), _fill(body, done.id))
    assert response.status_code in (200, 201), response.get_json()


def test_a_lead_editing_a_task_leaves_it_with_its_agent(app):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    lead = signed_in(app, "lena", role=Role.LEAD)
    edited = lead.api("PATCH", f"/api/tasks/{task.id}", {"version": 1, "title": "Fixed typo"})
    assert edited.get_json()["task"]["agent"]["id"] == alice.id


def test_an_agent_writes_on_their_own_task(app):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    for method, path, body in [WRITES_ON_A_TASK[0], COMMENT]:
        response = alice.api(method, path.format(id=task.id), body)
        assert response.status_code in (200, 201), response.get_json()


def test_a_viewer_cannot_create_a_task(app):
    vera = signed_in(app, "vera", role=Role.VIEWER)
    assert_refused(app, lambda: vera.api("POST", "/api/tasks", {"title": "Let me help"}), 403)


@pytest.mark.parametrize(
    "path",
    [
        "/api/tasks",
        "/api/tasks?agent={agent}",
        "/api/tasks/{id}",
        "/api/tasks/{id}/comments",
        "/api/tasks/mine",
        "/api/chats",
        "/api/statuses",
        "/api/session",
        "/tasks",
    ],
)
def test_a_viewer_reads_everything(app, path):
    alice = make_user(app, "alice")
    task = make_task(app, alice, "Alice's task")
    vera = signed_in(app, "vera", role=Role.VIEWER)
    response = vera.client.get(path.format(id=task.id, agent=alice.id))
    assert response.status_code == 200


def test_a_viewer_sees_every_agents_tasks_on_the_board(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    make_task(app, alice, "Alice's")
    make_task(app, bob, "Bob's")
    vera = signed_in(app, "vera", role=Role.VIEWER)
    tasks = vera.client.get("/api/tasks").get_json()["tasks"]
    assert {task["title"] for task in tasks} == {"Alice's", "Bob's"}


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_only_a_lead_or_admin_restores_a_task(app, role):
    alice = signed_in(app, "alice")
    task = make_task(app, alice.user)
    alice.api("DELETE", f"/api/tasks/{task.id}")
    other = signed_in(app, "other", role=role)
    before = db_state(app)
    for person in (alice, other):
        response = person.api("POST", f"/api/tasks/{task.id}/restore")
        assert response.status_code == 403
    assert db_state(app) == before


def signed_in_as_existing(app, login: str, password: str, client=None):
    """Sign in through the login form with a password set by the app itself."""
    auth = Auth(client or app.test_client())
    auth.login(login, password)
    return auth.client


# --- directories ----------------------------------------------------------------------------

DIRECTORY_WRITES = [
    ("POST", "/api/chats", {"name": "Acme"}),
    ("PATCH", "/api/chats/{chat}", {"name": "Renamed"}),
    ("DELETE", "/api/chats/{chat}", None),
    ("POST", "/api/statuses", {"name": "Blocked", "color": "#ff0000", "category": "active"}),
    ("PATCH", "/api/statuses/{status}", {"color": "#000000"}),
    ("DELETE", "/api/statuses/{status}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), DIRECTORY_WRITES)
@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_cannot_touch_the_directories(app, role, method, path, body):
    chat = make_chat(app)
    status = status_named(app, "Postponed")
    person = signed_in(app, "person", role=role)
    assert_refused(
        app,
        lambda: person.api(method, path.format(chat=chat.id, status=status.id), body),
        403,
        "forbidden",
    )


@pytest.mark.parametrize(("method", "path", "body"), DIRECTORY_WRITES)
@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_leads_and_admins_edit_the_directories(app, role, method, path, body):
    chat = make_chat(app)
    status = status_named(app, "Postponed")
    person = signed_in(app, "person", role=role)
    response = person.api(method, path.format(chat=chat.id, status=status.id), body)
    assert response.status_code in (200, 201), response.get_json()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.AGENT, 403), (Role.VIEWER, 403), (Role.LEAD, 200), (Role.ADMIN, 200)],
)
def test_the_directories_page_is_for_leads_and_admins(app, role, status):
    person = signed_in(app, "person", role=role)
    assert person.client.get("/directories").status_code == status


# --- people ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.LEAD])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/{id}"])
def test_only_an_admin_opens_the_admin_pages(app, role, path):
    person = signed_in(app, "person", role=role)
    assert person.client.get(path.format(id=person.user.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.LEAD])
def test_only_an_admin_creates_people(app, role):
    person = signed_in(app, "person", role=role)
    data = {
        "login": "mallory",
        "name": "Mallory",
        "role": "admin",
        "password": "long enough password",
        "csrf_token": person.csrf_token,
    }
    assert_refused(app, lambda: person.client.post("/admin/users", data=data), 403)


def test_an_admin_creates_a_person_who_can_then_sign_in(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    assert admin.client.get("/admin/users").status_code == 200
    response = admin.client.post(
        "/admin/users",
        data={
            "login": "Bob",
            "name": "Bob Builder",
            "role": "agent",
            "password": "long enough password",
            "csrf_token": admin.csrf_token,
        },
    )
    assert response.status_code == 302
    bob = signed_in_as_existing(app, "bob", "long enough password")
    body = bob.get("/api/session").get_json()
    assert body["user"]["name"] == "Bob Builder"
    assert body["user"]["role"] == "agent"


def test_an_admin_deactivates_a_person_and_resets_a_password(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    alice = make_user(app, "alice")
    response = admin.client.post(
        f"/admin/users/{alice.id}",
        data={
            "login": "alice",
            "name": "Alice",
            "role": "agent",
            "password": "a brand new password",
            "csrf_token": admin.csrf_token,
        },
    )
    assert response.status_code == 302
    # the active box was not ticked: she is deactivated and cannot sign in, even with the
    # new password
    refused = app.test_client()
    page = signed_in_as_existing(app, "alice", "a brand new password", client=refused)
    assert page.get("/api/session").status_code == 401

    admin.client.post(
        f"/admin/users/{alice.id}",
        data={
            "login": "alice",
            "name": "Alice",
            "role": "agent",
            "active": "on",
            "csrf_token": admin.csrf_token,
        },
    )
    again = signed_in_as_existing(app, "alice", "a brand new password")
    assert again.get("/api/session").status_code == 200


def test_an_admin_cannot_remove_their_own_admin_rights(app):
    admin = signed_in(app, "root", role=Role.ADMIN)
    data = {"login": "root", "name": "Root", "role": "agent", "active": "on"}
    assert_refused(
        app,
        lambda: admin.client.post(
            f"/admin/users/{admin.user.id}", data=data | {"csrf_token": admin.csrf_token}
        ),
        422,
    )


# --- anonymous ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/session"),
        ("GET", "/api/tasks"),
        ("GET", "/api/tasks/mine"),
        ("GET", "/api/tasks/{id}"),
        ("GET", "/api/tasks/{id}/comments"),
        ("GET", "/api/chats"),
        ("GET", "/api/statuses"),
        ("POST", "/api/tasks"),
        ("PATCH", "/api/tasks/{id}"),
        ("DELETE", "/api/tasks/{id}"),
        ("POST", "/api/tasks/{id}/comments"),
        ("POST", "/api/tasks/{id}/restore"),
        ("POST", "/api/chats"),
    ],
)
def test_the_api_answers_401_json_to_strangers(app, client, method, path):
    alice = make_user(app, "alice")
    task = make_task(app, alice)
    before = db_state(app)
    # a stranger can get a CSRF token from the login page: the session check must still hold
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.open(
        path.format(id=task.id),
        method=method,
        json={"title": "x", "version": 1, "body": "x", "name": "x"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert db_state(app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/tasks/mine",
        "/tasks",
        "/tasks?from=2024-03-01&to=2024-03-02",
        "/directories",
        "/admin/users",
    ],
)
def test_pages_send_strangers_to_the_login_form_and_back(app, client, path):
    make_user(app, "alice")
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [path]
