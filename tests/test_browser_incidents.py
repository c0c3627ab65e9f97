"""Incidents in a real browser: Debian's Chromium driven by Playwright against run.py.

Three chats report the same mail outage; each chat's address points at a local webhook
(tests/receivers.py on 127.0.0.1). Vera (a lead) picks their three tasks on All tasks and
links them into one incident; Alice's wall board shows it on top at once; Vera announces to
the incident's chats in one click, then resolves it on the incident's page with a message:
every linked task is resolved, the wall drops it, and each chat hears the announcement once
and the resolve once (the server's own outbox sender delivers them). Screenshots go to
test-artifacts/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import (
    Person,
    RunningTeam,
    expect,
    keep_evidence,
    launch_chromium,
    running_team,
)
from tests.receivers import Receiver
from tests.server_process import Browser

pytestmark = pytest.mark.browser

PEOPLE = [
    ("alice", "agent", "Alice Agent"),
    ("bob", "agent", "Bob Builder"),
    ("vera", "lead", "Vera Lead"),
]


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    receiver = Receiver().start()
    env = {"WESUP_NOTIFY_PRIVATE_HOSTS": "127.0.0.1"}
    try:
        with running_team(tmp_path_factory, "incidents", PEOPLE, RunningTeam, env=env) as team:
            admin, sessions = team.api["root"], team.api
            chats = []
            for name in ("Acme", "Globex", "Initech"):
                chat = admin.api("POST", "/api/chats", {"name": name})["chat"]["id"]
                address = {"notify_url": receiver.url(path=f"/{name.lower()}")}
                admin.api("PATCH", f"/api/chats/{chat}", address)
                chats.append(chat)
            reports = [
                ("alice", "Mail is down"),
                ("alice", "Cannot send mail"),
                ("bob", "Outlook errors"),
            ]
            tasks = [
                sessions[login].api("POST", "/api/tasks", {"title": title, "chat_id": chat})[
                    "task"
                ]["id"]
                for (login, title), chat in zip(reports, chats, strict=True)
            ]
            bob = sessions["bob"]
            other = bob.api("POST", "/api/tasks", {"title": "Printer jam"})["task"]["id"]
            yield {
                "server": team.server,
                "api": sessions,
                "tasks": tasks,
                "other": other,
                "receiver": receiver,
            }
    finally:
        receiver.stop()


def test_a_lead_links_three_chats_tasks_and_resolves_them_together(outage):
    server = outage["server"]
    vera_api: Browser = outage["api"]["vera"]
    playwright, chromium = launch_chromium()
    people: list[Person] = []
    try:
        vera = Person(chromium, server.url, "vera", width=1400, height=900)
        alice = Person(chromium, server.url, "alice", width=1600, height=900)
        people += [vera, alice]
        wall = alice.open("/board")
        board = vera.open("/tasks")

        board.click("[data-pick-start]")
        for task_id in outage["tasks"]:
            board.click(f'#board tbody tr[data-task-id="{task_id}"] .c-chat')
        expect(board.locator("[data-picked-count]")).to_have_text("picked: 3")
        expect(board.locator("tr.is-picked")).to_have_count(3)
        expect(board.locator("dialog[open]")).to_have_count(0)  # picking opens no task
        board.fill("[data-pick-title]", "Mail outage")
        vera.screenshot("incident-picking.png")
        board.click("[data-pick-bar] button[type=submit]")
        expect(board.locator(".toast a")).to_have_text("Linked into “Mail outage”.")

        incident = vera_api.api("GET", "/api/incidents")["incidents"][0]
        assert incident["task_ids"] == outage["tasks"]
        banner = wall.locator(f'.wall-incident[data-incident-id="{incident["id"]}"]')
        expect(banner.locator(".incident-title")).to_have_text("Mail outage")
        expect(banner.locator(".incident-chats")).to_have_text("Acme, Globex, Initech")
        expect(banner.locator(".incident-count")).to_have_text("open tasks: 3")
        alice.screenshot("incident-wall.png")

        page = vera.open(f"/incidents/{incident['id']}")
        expect(page.locator(".incident-tasks tbody tr")).to_have_count(3)
        expect(page.locator(".incident-chats .chat-name")).to_have_text(
            ["Acme", "Globex", "Initech"]
        )
        page.fill(".incident-announce textarea", "We know mail is down and are on it")
        with page.expect_navigation():
            page.click(".incident-announce button[type=submit]")
        assert page.url.endswith("/announcements")
        receiver = outage["receiver"]
        assert receiver.wait_for(3), receiver.received
        assert sorted((item["path"], item["message"]) for item in receiver.received) == [
            (path, "We know mail is down and are on it")
            for path in ("/acme", "/globex", "/initech")
        ]

        page = vera.open(f"/incidents/{incident['id']}")
        page.fill(".incident-resolve textarea", "Mail is back, thank you")
        vera.screenshot("incident-page.png", full_page=True)
        with page.expect_navigation():
            page.click(".incident-resolve button[type=submit]")
        expect(page.locator(".badge.incident-resolved")).to_be_visible()
        expect(page.locator(".incident-message")).to_have_text("Mail is back, thank you")
        expect(page.locator("[data-freshness]")).to_have_class("freshness live")
        vera.screenshot("incident-resolved.png", full_page=True)

        expect(banner).to_have_count(0)  # the wall drops it live
        alice.assert_not_reloaded()
        for task_id in outage["tasks"]:
            task = vera_api.api("GET", f"/api/tasks/{task_id}")["task"]
            assert task["status"]["category"] == "done" and task["resolved_at"]
        assert vera_api.api("GET", f"/api/tasks/{outage['other']}")["task"]["resolved_at"] is None
        # each chat told of the resolve once, and no per-task "Resolved: …" besides
        assert receiver.wait_for(6), receiver.received
        page.wait_for_timeout(1500)  # anything more would have arrived by now
        resolved = "The incident “Mail outage” is resolved: Mail is back, thank you"
        assert sorted((item["path"], item["message"]) for item in receiver.received[3:]) == [
            ("/acme", resolved),
            ("/globex", resolved),
            ("/initech", resolved),
        ]
    except BaseException:
        keep_evidence("incidents", people, server.log_path)
        raise
    finally:
        for person in people:
            person.close()
        chromium.close()
        playwright.stop()
