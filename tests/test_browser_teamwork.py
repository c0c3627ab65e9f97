"""Teamwork in real browsers: Debian's Chromium driven by Playwright against run.py (eventlet).

Three people, each in a browser context of their own, signed in through /login: Vera (a lead)
on All tasks and, in a second tab, the wall board; Alice and Bob (agents of the first line) on
My tasks, Bob in Russian. A lead assigns with the `a` key, Take is pressed in two browsers at
once, Alice escalates to the second line and hands over her shift to Bob, who accepts it while
the wall shows it pending. Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser_support import (
    ARTIFACTS,
    WAIT_MS,
    Person,
    RunningTeam,
    evidence_kept,
    expect,
    people_at,
    running_team,
)

pytestmark = pytest.mark.browser

PEOPLE = [  # login, role, name
    ("alice", "agent", "Alice Agent"),
    ("bob", "agent", "Bob Builder"),
    ("carol", "agent", "Carol Second"),
    ("vera", "lead", "Vera Lead"),
]

# Browser notifications, recorded instead of shown (headless Chromium shows none).
RECORD_NOTIFICATIONS = """
window.__notes = [];
class RecordedNotification {
  constructor(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
  close() {}
}
RecordedNotification.permission = "granted";
RecordedNotification.requestPermission = async () => "granted";
window.Notification = RecordedNotification;
"""


@dataclass
class Team(RunningTeam):
    lines: dict[str, int] = field(default_factory=dict)

    def task(self, task_id: int) -> dict[str, Any]:
        return self.api["vera"].api("GET", f"/api/tasks/{task_id}")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    with running_team(tmp_path_factory, "teamwork", PEOPLE, Team) as team:
        for name, color, members in [
            ("First line", "#1e88e5", ["alice", "bob"]),
            ("Second line", "#e53935", ["carol"]),
        ]:
            body = {"name": name, "color": color, "member_ids": [team.ids[m] for m in members]}
            team.lines[name] = team.api["root"].api("POST", "/api/groups", body)["group"]["id"]
        yield team


class Screen(Person):
    """A person whose pages record the browser notifications they would show."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context.add_init_script(RECORD_NOTIFICATIONS)  # from the next page on

    def notes(self) -> list[dict[str, str]]:
        return self.page.evaluate("() => window.__notes")


@pytest.fixture(scope="module")
def screens(team: Team) -> Iterator[dict[str, Screen]]:
    sizes = [(login, 1400, 950) for login in ("vera", "alice", "bob")]
    with people_at(team.server.url, sizes, Screen) as opened:
        # Bob reads WeSup in Russian: his language from his own choice, as a person sets it
        bob = opened["bob"].page
        bob.goto("/tasks")
        bob.click("[data-account-menu] summary")  # the language sits in the account menu
        bob.select_option("select[name=locale]", "ru")
        yield opened


@pytest.fixture(autouse=True)
def evidence(request: pytest.FixtureRequest, screens: dict[str, Screen], team: Team):
    """After a failed test, keep every tab (the wall, the sheet) and the server log."""
    with evidence_kept(request, list(screens.values()), team.server.log_path):
        yield


def row(page: Any, table: str, task_id: int) -> Any:
    return page.locator(f'{table} tr[data-task-id="{task_id}"]')


def test_a_lead_assigns_a_task_and_it_arrives_live_with_a_notification(team, screens):
    vera, alice = screens["vera"], screens["alice"]
    task = team.api["vera"].api("POST", "/api/tasks", {"title": "Reset the CFO's token"})["task"]
    mine = alice.open("/tasks/mine")
    board = vera.open("/tasks")
    board_row = row(board, "#board", task["id"])
    board_row.focus()
    board.keyboard.press("a")  # assign: the dialog opens on the Owner field
    dialog = board.locator("dialog.task-dialog")
    owner = dialog.locator("select[name=agent_id]")
    expect(owner).to_be_focused()
    owner.select_option(str(team.ids["alice"]))
    dialog.locator(".edit-task button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(board_row.locator(".c-agent")).to_have_text("Alice Agent")

    arrived = row(mine, "#open-tasks", task["id"])
    expect(arrived).to_have_count(1)  # live, without a reload
    expect(mine.locator(".toast")).to_contain_text("Vera Lead handed you a task")
    assert {"title": "Vera Lead handed you a task", "body": task["title"]} in alice.notes()
    alice.assert_not_reloaded()
    saved = team.task(task["id"])
    assert saved["task"]["agent"]["id"] == team.ids["alice"]
    assert saved["timeline"][-1]["kind"] == "task.assigned"
    print("screenshot:", alice.screenshot("teamwork-assigned.png"))


def test_two_agents_press_take_at_once_and_exactly_one_gets_it(team, screens):
    alice, bob = screens["alice"], screens["bob"]
    body = {"title": "VPN drops in Berlin", "group_id": team.lines["First line"]}
    task = team.api["vera"].api("POST", "/api/tasks", body)["task"]
    pages = {"alice": alice.open("/tasks/mine"), "bob": bob.open("/tasks/mine")}
    for page in pages.values():
        expect(row(page, "#queue-tasks", task["id"]).locator("button.take")).to_be_visible()
    # Both presses are scheduled for one instant of the shared machine clock.
    at = pages["alice"].evaluate("() => Date.now() + 400")
    for page in pages.values():
        page.evaluate(
            """([taskId, at]) => setTimeout(() => document.querySelector(
                 `#queue-tasks tr[data-task-id="${taskId}"] button.take`).click(),
               at - Date.now())""",
            [task["id"], at],
        )
    owner = None
    for _ in range(100):
        owner = team.task(task["id"])["task"]["agent"]
        if owner:
            break
        pages["alice"].wait_for_timeout(100)
    assert owner is not None, "nobody got the task"
    winner = "alice" if owner["id"] == team.ids["alice"] else "bob"
    loser = "bob" if winner == "alice" else "alice"
    expect(row(pages[winner], "#open-tasks", task["id"])).to_have_count(1)
    expect(row(pages[loser], "#queue-tasks", task["id"])).to_have_count(0)
    expect(row(pages[loser], "#open-tasks", task["id"])).to_have_count(0)
    taken_first = {"alice": "took it first", "bob": "уже взял(а) эту задачу"}[loser]
    expect(pages[loser].locator(".toast.error")).to_contain_text(owner["name"])
    expect(pages[loser].locator(".toast.error")).to_contain_text(taken_first)
    kinds = [event["kind"] for event in team.task(task["id"])["timeline"]]
    assert kinds == ["task.created", "task.taken"]


def test_an_agent_escalates_to_the_second_line_with_a_note(team, screens):
    alice = screens["alice"]
    task = team.api["alice"].api("POST", "/api/tasks", {"title": "Payroll export fails"})["task"]
    mine = alice.open("/tasks/mine")
    my_row = row(mine, "#open-tasks", task["id"])
    my_row.focus()
    mine.keyboard.press("a")  # an agent's `a` opens hand on
    form = mine.locator("dialog.task-dialog .transfer-form")
    target = form.locator("select[name=to]")
    expect(target).to_be_focused()
    target.select_option(f"group:{team.lines['Second line']}")
    form.locator("textarea[name=note]").fill("Error 500 from the export service: needs DB access")
    form.locator("button[type=submit]").click()
    expect(mine.locator("dialog.task-dialog")).to_be_hidden()
    expect(my_row).to_have_count(0)  # no longer mine, and not in my lines' queue
    saved = team.task(task["id"])
    assert saved["task"]["agent"] is None
    assert saved["task"]["group"]["id"] == team.lines["Second line"]
    moved = saved["timeline"][-1]
    assert moved["kind"] == "task.transferred"
    assert moved["note"] == "Error 500 from the export service: needs DB access"
    assert moved["from"]["agent"]["id"] == team.ids["alice"]
    queue = team.api["carol"].api("GET", "/api/tasks/mine")["queue"]
    assert task["id"] in [item["id"] for item in queue]


def test_a_shift_handover_is_accepted_and_leaves_the_wall(team, screens):
    alice, bob, vera = screens["alice"], screens["bob"], screens["vera"]
    postponed = next(
        status["id"]
        for status in team.api["alice"].api("GET", "/api/statuses")["statuses"]
        if status["category"] == "postponed"
    )
    team.api["alice"].api("POST", "/api/tasks", {"title": "Scanner sends empty PDFs"})
    team.api["alice"].api(
        "POST", "/api/tasks", {"title": "New laptop for the designer", "status_id": postponed}
    )
    before = team.api["alice"].api("GET", "/api/tasks/mine")
    handed = sorted(task["id"] for task in before["open"])
    assert len(handed) >= 3

    wall = vera.context.new_page()
    wall.clock.install()  # so that the wall can be moved past WESUP_HANDOVER_ALERT_MINUTES
    wall.goto("/board")
    expect(wall.locator("[data-freshness]")).to_have_class("freshness live")
    expect(wall.locator("#wall-handovers")).to_be_hidden()
    expect(wall.locator("#wall-lanes .queue-lane")).to_have_count(2)  # the lines come first
    expect(wall.locator("#wall-lanes .lane").first).to_have_class(re.compile(r"\bqueue-lane\b"))

    mine = alice.open("/tasks/mine")
    theirs = bob.open("/tasks/mine")
    mine.locator("#hand-over").click()
    dialog = mine.locator("dialog.handover-dialog")
    expect(dialog.locator(".hint")).to_contain_text(f"({len(handed)}, postponed ones too)")
    dialog.locator("#handover-to").select_option(f"agent:{team.ids['bob']}")
    dialog.locator("#handover-note").fill("Call the bank at 9 about the VPN <token>")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(mine.locator("#open-tasks tbody tr")).to_have_count(0)

    banner = theirs.locator("#handover-banner .handover")
    expect(banner).to_have_count(1)
    expect(banner.locator("header")).to_contain_text("Alice Agent передал(а) вам смену")
    expect(banner.locator(".handover-note")).to_have_text(
        "Call the bank at 9 about the VPN <token>"
    )
    expect(banner.locator(".handover-tasks li")).to_have_count(len(handed))
    for task_id in handed:
        expect(row(theirs, "#open-tasks", task_id)).to_have_count(1)
    assert any("передал(а) смену" in note["title"] for note in bob.notes())

    pending = wall.locator("#wall-handovers .wall-handover")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Alice Agent → Bob Builder")
    expect(pending).not_to_have_class(re.compile(r"\bis-alert\b"))
    print("screenshots:", bob.screenshot("teamwork-handover-banner.png"))
    wall.screenshot(path=str(ARTIFACTS / "teamwork-wall-pending.png"))
    # The wall's clock moves past WESUP_HANDOVER_ALERT_MINUTES (15): the handover turns red.
    # (Its socket, on the same clock, reconnects and catches up: the next step needs that.)
    wall.clock.fast_forward(16 * 60 * 1000)
    expect(pending).to_have_class(re.compile(r"\bis-alert\b"))

    banner.locator("button.accept-handover").click()
    expect(theirs.locator("#handover-banner")).to_be_hidden()
    expect(wall.locator("#wall-handovers")).to_be_hidden(timeout=WAIT_MS)
    accepted = team.api["vera"].api("GET", "/api/handovers")["handovers"][0]
    assert accepted["accepted_by"]["id"] == team.ids["bob"]
    assert sorted(accepted["task_ids"]) == handed
    assert team.api["bob"].api("GET", "/api/handovers?pending=1")["handovers"] == []
    sheet = alice.page.context.new_page()
    sheet.goto(f"/tasks/handovers/{accepted['id']}")
    expect(sheet.locator(".sheet-note")).to_have_text("Call the bank at 9 about the VPN <token>")
    expect(sheet.locator(".sheet-tasks tbody tr")).to_have_count(len(handed))
    sheet.screenshot(path=str(ARTIFACTS / "teamwork-handover-sheet.png"), full_page=True)
    sheet.close()
    wall.close()
