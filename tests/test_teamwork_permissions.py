"""The permission matrix of teamwork: every role (admin, lead, agent, viewer, kiosk) × every new
action through the API, the pages and the socket: allowed, or 403 with nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import (
    as_user,
    db_state,
    make_group,
    make_task,
    make_user,
    signed_in,
)
from tests.test_kiosk import create_link, kiosk_csrf, open_kiosk
from wesup import handovers
from wesup.directories import service as directories
from wesup.enums import Role

ROLES = ["admin", "lead", "agent", "viewer", "kiosk"]
ALL = dict.fromkeys(ROLES, 200)
WORKERS = {"admin": 200, "lead": 200, "agent": 200, "viewer": 403, "kiosk": 403}
LEADS = {"admin": 200, "lead": 200, "agent": 403, "viewer": 403, "kiosk": 403}
READERS = {**ALL, "kiosk": 403}

# action: (method, path, body, {role: status}); {placeholders} are filled from the world.
# One world serves every action of a role, so each allowed action has targets of its own and
# the order matters where one would undo another: Take before the line's members change,
# handing over the shift after the other moves of "my" tasks (it moves all that are left).
ACTIONS: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "create a task for somebody else": (
        "POST",
        "/api/tasks",
        {"title": "For Alice", "agent_id": "{alice}"},
        LEADS,
    ),
    "create a task in a line's queue": (
        "POST",
        "/api/tasks",
        {"title": "For the line", "group_id": "{line}"},
        LEADS,
    ),
    "assign somebody else's task": (
        "PATCH",
        "/api/tasks/{other}",
        {"version": 1, "agent_id": "{bob}"},
        LEADS,
    ),
    "reassign my own task to somebody else": (
        "PATCH",
        "/api/tasks/{own}",
        {"version": 1, "agent_id": "{alice}"},
        LEADS,
    ),
    "transfer my own task": (
        "POST",
        "/api/tasks/{own2}/transfer",
        {"agent_id": "{bob}", "note": "yours"},
        WORKERS,
    ),
    "escalate somebody else's task": (
        "POST",
        "/api/tasks/{other2}/transfer",
        {"group_id": "{line}", "note": "why"},
        LEADS,
    ),
    "take a task from my line's queue": ("POST", "/api/tasks/{queued}/take", None, WORKERS),
    "comment on somebody else's task": (
        "POST",
        "/api/tasks/{other2}/comments",
        {"body": "I know this one"},
        WORKERS,
    ),
    "hand over my shift": (
        "POST",
        "/api/handovers",
        {"to_agent_id": "{bob}", "note": "over to you"},
        WORKERS,
    ),
    "accept a handover made to me": ("POST", "/api/handovers/{handover}/accept", None, WORKERS),
    "list pending handovers": ("GET", "/api/handovers?pending=1", None, READERS),
    "list lines": ("GET", "/api/groups", None, READERS),
    "create a line": ("POST", "/api/groups", {"name": "Third", "color": "#123456"}, LEADS),
    "rename a line": ("PATCH", "/api/groups/{line}", {"name": "Renamed"}, LEADS),
    "set a line's members": ("PATCH", "/api/groups/{line}", {"member_ids": ["{bob}"]}, LEADS),
    "delete a line": ("DELETE", "/api/groups/{spare}", None, LEADS),
    "restore a line": ("POST", "/api/groups/{archived}/restore", None, LEADS),
    "open a handover sheet": ("GET", "/tasks/handovers/{handover}", None, READERS),
    "open the directories with the lines": ("GET", "/directories", None, LEADS),
    "open a person's lines": (
        "GET",
        "/admin/users/{alice}",
        None,
        {**dict.fromkeys(ROLES, 403), "admin": 200},
    ),
    "set a person's lines": (
        "FORM",
        "/admin/users/{alice}",
        {
            "login": "alice",
            "name": "Alice",
            "role": "agent",
            "active": "on",
            "lines_shown": "1",
            "group_ids": ["{line}"],
        },
        {**dict.fromkeys(ROLES, 403), "admin": 302},
    ),
}


@dataclass
class World:
    """The person (or kiosk screen) trying, and what their request may touch."""

    client: FlaskClient
    csrf: str
    ids: dict[str, int]

    def fill(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return self.ids[value[1:-1]]
        if isinstance(value, str):
            return value.format(**self.ids)
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        return value

    def send(self, method: str, path: str, body: Any) -> Any:
        url = self.fill(path)
        if method == "FORM":
            return self.client.post(url, data={**self.fill(body), "csrf_token": self.csrf})
        headers = {"X-CSRFToken": self.csrf}
        return self.client.open(url, method=method, json=self.fill(body), headers=headers)


def world(app: Flask, role: str) -> World:
    """Alice and Bob (agents), Mia who hands her shift to the one trying (or to the line),
    a line they share with Alice, its queue, a task of theirs and one of Alice's."""
    alice, bob, mia = make_user(app, "alice"), make_user(app, "bob"), make_user(app, "mia")
    lead = make_user(app, "lena", role=Role.LEAD)
    if role == "kiosk":
        admin = signed_in(app, "root", role=Role.ADMIN)
        _, secret = create_link(admin)
        client = open_kiosk(app, secret)
        csrf, me = kiosk_csrf(client), None
    else:
        auth = signed_in(app, "me", role=Role(role))
        client, csrf, me = auth.client, auth.csrf_token or "", auth.user
    works = me is not None and me.works_tasks
    line = make_group(app, "First line", (alice, *([me] if works else [])))
    spare = make_group(app, "Spare line")
    archived = make_group(app, "Old line")
    make_task(app, lead, "Archived line's", agent_id=alice.id, group_id=archived.id)
    as_user(app, lead, directories.delete_group, archived.id)  # used: archived, not removed
    mine = me if works else alice
    ids = {
        "alice": alice.id,
        "bob": bob.id,
        "line": line.id,
        "spare": spare.id,
        "archived": archived.id,
        "queued": make_task(app, lead, "Queued", group_id=line.id).id,
        "other": make_task(app, alice, "Alice's").id,
        "other2": make_task(app, alice, "Alice's second").id,
        "own": make_task(app, mine, "Mine").id,
        "own2": make_task(app, mine, "Mine too").id,
    }
    make_task(app, mia, "Mia's")
    to = {"to_agent_id": me.id} if works else {"to_group_id": line.id}
    ids["handover"] = as_user(app, mia, handovers.create_handover, {**to, "note": "n"}).id
    return World(client, csrf, ids)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_and_every_new_action(app, role):
    """Each action in turn: the status the matrix says; a refusal leaves every table as it
    was (as tests/builders.py assert_refused checks). Every mismatch is reported, not only
    the first."""
    trying = world(app, role)
    wrong = []
    for action, (method, path, body, expected) in ACTIONS.items():
        status = expected[role]
        before = db_state(app) if status >= 400 else None
        response = trying.send(method, path, body)
        allowed = {status, 201} if status == 200 else {status}
        if response.status_code not in allowed:
            text = response.get_data(as_text=True)[:300]
            wrong.append(f"{action}: {response.status_code}, expected {status}: {text}")
        elif before is not None and db_state(app) != before:
            wrong.append(f"{action}: refused with {status} but changed the database")
    assert wrong == []


SOCKET_MESSAGES = [
    ("take", {"task_id": "{queued}"}),
    ("transfer", {"task_id": "{own}", "agent_id": "{bob}", "note": "x"}),
    ("handover", {"to_agent_id": "{bob}", "note": "x"}),
    ("accept", {"handover_id": "{handover}"}),
    ("group.update", {"id": "{line}", "member_ids": []}),
]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_changes_anything_through_the_socket(app, role, socket_client):
    """Every change goes through the API; a socket message names no action that writes."""
    trying = world(app, role)
    sio = socket_client(trying.client, view="wall" if role == "kiosk" else "board")
    assert sio.is_connected()
    before = db_state(app)
    for name, payload in SOCKET_MESSAGES:
        sio.emit(name, trying.fill(payload))
    assert db_state(app) == before
