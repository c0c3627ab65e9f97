"""Teamwork across two run.py processes on one PostgreSQL database and Redis: a task escalated
on A reaches the line's members connected to B and nobody else there; a person added to the
line on A has their socket on B moved into the line's room, with no reconnect. Skipped only
when PostgreSQL or Redis is missing and CI is not set."""

from __future__ import annotations

import time

import pytest

from tests.server_process import LiveSocket, create_first_admin, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

QUIET_SECONDS = 1.5  # after the events that did arrive: long enough for a wrong one to show


def kinds(socket: LiveSocket) -> list[str]:
    return [event["kind"] for event in socket.events]


def test_line_events_and_line_membership_reach_the_other_process(start_two_servers) -> None:
    a, b = start_two_servers()
    admin = create_first_admin(a)
    people = [("carol", "agent", "Carol Second"), ("dan", "agent", "Dan Outside")]
    sessions, ids = sign_up(admin, people)
    line = admin.api(
        "POST",
        "/api/groups",
        {"name": "Second line", "color": "#e53935", "member_ids": [ids["carol"]]},
    )["group"]
    task = admin.api("POST", "/api/tasks", {"title": "Payroll export fails"})["task"]

    on_b = {}
    for login, session in sessions.items():  # "mine" pages: their own and their lines' rooms
        on_b[login] = LiveSocket(b, session, view="mine").connect()  # signed in on A
    try:
        body = {"group_id": line["id"], "note": "needs the database"}
        admin.api("POST", f"/api/tasks/{task['id']}/transfer", body)  # on A
        escalated = on_b["carol"].wait_for("event", 1)[0]
        assert escalated["kind"] == "task.transferred" and escalated["note"] == body["note"]
        time.sleep(QUIET_SECONDS)
        assert kinds(on_b["dan"]) == []

        members = {"member_ids": [ids["carol"], ids["dan"]]}
        admin.api("PATCH", f"/api/groups/{line['id']}", members)  # on A
        queued = {"title": "VPN for the night", "group_id": line["id"]}
        admin.api("POST", "/api/tasks", queued)  # on A
        arrived = on_b["dan"].wait_for("event", 2)  # no reconnect in between
        assert [event["kind"] for event in arrived] == ["group.updated", "task.created"]
        assert arrived[0]["joined"] == [ids["dan"]]
        assert arrived[1]["task"]["title"] == "VPN for the night"
        assert on_b["dan"].client.connected
    finally:
        for socket in on_b.values():
            socket.close()
