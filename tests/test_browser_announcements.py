"""Chats in a real browser against run.py: a lead gives a chat its address in Directories and
sends a test; on the Announcements page one message goes to three chats, each chat's status
changes live (a dead one shows "failed, retrying", then "sent" once it is back), and a
follow-up goes to the same chats in one click; the admins' delivery log lists each message and
takes new ones live. The chats are webhooks on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import (
    Person,
    RunningTeam,
    evidence_kept,
    expect,
    keep_evidence,
    launch_chromium,
    people_at,
    running_team,
)
from tests.receivers import FAIL, OK, Receiver
from tests.server_process import ServerProcess, create_first_admin, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_an_announcement_reaches_every_chat_and_its_statuses_change_live(tmp_path: Path):
    targets = [Receiver().start(), Receiver().start(), Receiver(FAIL).start()]
    server = ServerProcess(
        tmp_path, env={"WESUP_NOTIFY_PRIVATE_HOSTS": "127.0.0.1", "WESUP_NOTIFY_TIMEOUT": "2"}
    )
    server.start()
    playwright, chromium = launch_chromium()
    lead: Person | None = None
    try:
        admin = create_first_admin(server)
        sign_up(admin, [("lena", "lead", "Lena Lead")])
        chats = [
            admin.api("POST", "/api/chats", {"name": name})["chat"]["id"]
            for name in ("Shop floor", "Accounting", "Warehouse")
        ]
        for chat_id, target in zip(chats[1:], targets[1:], strict=True):
            admin.api("PATCH", f"/api/chats/{chat_id}", {"notify_url": target.url()})
        lead = Person(chromium, server.url, "lena", width=1300, height=900)

        # Directories: the first chat gets its address from the page, and a test message.
        page = lead.open("/directories")
        row = page.locator(f'#chats tr[data-id="{chats[0]}"]')
        row.get_by_role("button", name="Edit").click()
        row.locator("input[name=notify_url]").fill(targets[0].url(path="/hooks/secret-path"))
        row.get_by_role("button", name="Save").click()
        expect(row.locator(".chat-address code")).to_have_text(
            f"json://127.0.0.1:{targets[0].port}/h...s/s...h"
        )
        row.get_by_role("button", name="Send test").click()
        expect(page.locator(".toast").last).to_contain_text("Test message sent to Shop floor")
        assert targets[0].wait_for(1) and "WeSup test message" in targets[0].messages[0]

        # Announcements: one form, three chats, each status live.
        page = lead.open("/announcements")
        page.fill("textarea[name=text]", "Mail is down, we are on it")
        page.get_by_role("button", name="Send", exact=True).click()
        item = page.locator("li.announcement").first
        expect(item.locator("tr")).to_have_count(3)
        statuses = item.locator("[data-status]")
        expect(statuses.nth(0)).to_have_text("sent")
        expect(statuses.nth(1)).to_have_text("sent")
        expect(statuses.nth(2)).to_have_text("failed, retrying")
        expect(item.locator(f'tr[data-chat-id="{chats[2]}"]')).to_contain_text("500")
        lead.screenshot("announcement-retrying.png", full_page=True)
        targets[2].mode = OK  # the warehouse chat is back: its retry (after 5 s) goes through
        expect(statuses.nth(2)).to_have_text("sent", timeout=30_000)
        lead.assert_not_reloaded()

        # A follow-up to the same chats: one click.
        item.get_by_role("button", name="Follow up").click()
        follow_up = page.locator("li.announcement").first
        expect(follow_up).to_contain_text("follow-up of #1")
        expect(follow_up.locator('[data-status="sent"]')).to_have_count(3)
        lead.screenshot("announcement-follow-up.png", full_page=True)
        assert [target.messages[-2:] for target in targets] == [
            ["Mail is down, we are on it", "Fixed, thank you."]
        ] * 3
    except Exception:
        if lead is not None:
            keep_evidence("announcements", [lead], server.log_path)
        raise
    finally:
        if lead is not None:
            lead.close()
        chromium.close()
        playwright.stop()
        server.stop()
        for target in targets:
            target.stop()


def test_the_delivery_log_lists_each_message_and_takes_new_ones_live(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    target = Receiver().start()
    env = {"WESUP_NOTIFY_PRIVATE_HOSTS": "127.0.0.1"}
    try:
        with running_team(tmp_path_factory, "delivery-log", [], RunningTeam, env=env) as team:
            admin = team.api["root"]
            chat = admin.api("POST", "/api/chats", {"name": "Shop floor"})["chat"]["id"]
            admin.api("PATCH", f"/api/chats/{chat}", {"notify_url": target.url()})
            admin.api("POST", "/api/announcements", {"text": "Mail is down", "chat_ids": "all"})
            assert target.wait_for(1)
            with people_at(team.server.url, [("root", 1400, 900)]) as opened:
                root = opened["root"]
                with evidence_kept(request, [root], team.server.log_path):
                    page = root.open("/admin/deliveries")
                    rows = page.locator("#deliveries tbody tr")
                    expect(rows).to_have_count(1)
                    expect(rows.first).to_contain_text("Mail is down")
                    expect(page.locator('[data-empty="deliveries"]')).to_be_hidden()
                    body = {"text": "Mail is back", "chat_ids": "all"}
                    admin.api("POST", "/api/announcements", body)
                    expect(rows).to_have_count(2)  # newest first, without a reload
                    expect(rows.first).to_contain_text("Mail is back")
                    expect(rows.first.locator("[data-status]")).to_have_text("sent")
                    root.assert_not_reloaded()
    finally:
        target.stop()
