"""Incidents in a real browser: Debian's Chromium driven by Playwright against run.py.

Three chats report the same mail outage. Vera (a lead) picks their three tasks on All tasks
and links them into one incident; Alice's wall board shows it on top at once; Vera resolves
it on the incident's page with a message, every linked task is resolved, and the wall drops
it. Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import Person, expect, keep_evidence, launch_chromium
from tests.server_process import Browser, ServerProcess, create_first_admin, sign_up

pytestmark = pytest.mark.browser

PEOPLE = [
    ("alice", "agent", "Alice Agent"),
    ("bob", "agent", "Bob Builder"),
    ("vera", "lead", "Vera Lead"),
]


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = ServerProcess(tmp_path_factory.mktemp("incidents"), async_mode="eventlet")
    server.start()
    try:
        admin = create_first_admin(server)
        sessions, _ids = sign_up(admin, PEOPLE)
        chats = [
            admin.api("POST", "/api/chats", {"name": name})["chat"]["id"]
            for name in ("Acme", "Globex", "Initech")
        ]
        reports = [
            ("alice", "Mail is down"),
            ("alice", "Cannot send mail"),
            ("bob", "Outlook errors"),
        ]
        tasks = [
            sessions[login].api("POST", "/api/tasks", {"title": title, "chat_id": chat})["task"][
                "id"
            ]
            for (login, title), chat in zip(reports, chats, strict=True)
        ]
        other = sessions["bob"].api("POST", "/api/tasks", {"title": "Printer jam"})["task"]["id"]
        yield {"server": server, "api": sessions, "tasks": tasks, "other": other}
    finally:
        server.stop()


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
        page.fill(".incident-resolve textarea", "Mail is back, thank you")
        vera.screenshot("incident-page.png", full_page=True)
        with page.expect_navigation():
            page.click(".incident-resolve button[type=submit]")
        expect(page.locator(".badge.incident-resolved")).to_be_visible()
        expect(page.locator(".incident-message")).to_have_text("Mail is back, thank you")
        vera.screenshot("incident-resolved.png", full_page=True)

        expect(banner).to_have_count(0)  # the wall drops it live
        alice.assert_not_reloaded()
        for task_id in outage["tasks"]:
            task = vera_api.api("GET", f"/api/tasks/{task_id}")["task"]
            assert task["status"]["category"] == "done" and task["resolved_at"]
        assert vera_api.api("GET", f"/api/tasks/{outage['other']}")["task"]["resolved_at"] is None
    except BaseException:
        keep_evidence("incidents", people, server.log_path)
        raise
    finally:
        for person in people:
            person.close()
        chromium.close()
        playwright.stop()
