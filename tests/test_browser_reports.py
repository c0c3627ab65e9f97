"""Reports in a real browser: Debian's Chromium driven by Playwright against run.py (eventlet).

After a few tasks, Vera (a lead) opens today's report: the numbers are the API's, a number
opens its tasks, the charts are drawn, a new task moves the numbers live, the CSV downloads
with Cyrillic intact, and the printed page fits A4 across. Alice (an agent) copies her shift's
text with the Copy button and reads it back from the clipboard. Screenshots go to
test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser_support import (
    ARTIFACTS,
    Person,
    RunningTeam,
    evidence_kept,
    expect,
    people_at,
    running_team,
)

pytestmark = pytest.mark.browser

PEOPLE = [("alice", "agent", "Алиса Агент"), ("vera", "lead", "Vera Lead")]
TOTAL = "#report-table tr.total"


@dataclass
class Team(RunningTeam):
    def report(self, query: str = "") -> dict[str, Any]:
        return self.api["vera"].api("GET", f"/api/reports?{query}")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    # Two tasks a page behind a number, so that three tasks need "Show more".
    env = {"WESUP_REPORT_PAGE_SIZE": "2"}
    with running_team(tmp_path_factory, "reports", PEOPLE, Team, env=env) as team:
        admin, alice = team.api["root"], team.api["alice"]
        statuses = alice.api("GET", "/api/statuses")["statuses"]
        done = next(status for status in statuses if status["category"] == "done")
        chat = admin.api("POST", "/api/chats", {"name": "Поддержка Acme"})["chat"]
        for title in ("Принтер не печатает", "VPN drops", "Invoice wrong"):
            alice.api("POST", "/api/tasks", {"title": title, "chat_id": chat["id"]})
        first = alice.api("GET", "/api/tasks/mine")["open"][0]
        alice.api("PATCH", f"/api/tasks/{first['id']}", {"status_id": done["id"], "version": 1})
        waiting = alice.api("GET", "/api/tasks/mine")["open"][0]
        alice.api("POST", f"/api/tasks/{waiting['id']}/comments", {"body": "Ждём ответа клиента"})
        yield team


@pytest.fixture(scope="module")
def people(team: Team) -> Iterator[dict[str, Person]]:
    with people_at(team.server.url, [("vera", 1400, 950), ("alice", 1400, 950)]) as opened:
        yield opened


@pytest.fixture(autouse=True)
def evidence(request: pytest.FixtureRequest, people: dict[str, Person], team: Team):
    with evidence_kept(request, list(people.values()), team.server.log_path):
        yield


def total(page: Any, metric: str) -> str:
    return page.locator(f'{TOTAL} td[data-cell="{metric}"]').inner_text().strip()


def test_the_lead_reads_the_report_opens_a_number_and_sees_the_charts(team, people):
    vera = people["vera"]
    page = vera.open("/reports")
    expected = team.report()["total"]
    assert total(page, "received") == str(expected["received"]) == "3"
    assert total(page, "resolved") == "1"
    assert total(page, "open_at_end") == "2"
    # a number opens the tasks behind it, a page at a time: "Show more" appends the next
    page.locator(f'{TOTAL} td[data-cell="received"] button').click()
    dialog = page.locator("dialog#drill")
    expect(dialog).to_be_visible()
    rows = dialog.locator(".drill-tasks tbody tr")
    expect(rows).to_have_count(2)
    expect(dialog.locator("[data-drill-count]")).to_have_text("2 of 3")
    first_page = rows.evaluate_all("rows => rows.map(row => row.dataset.taskId)")
    dialog.locator("[data-drill-next]").click()
    expect(rows).to_have_count(3)
    expect(dialog.locator("[data-drill-count]")).to_have_text("3 of 3")
    expect(dialog.locator("[data-drill-next]")).to_be_hidden()
    listed = team.api["vera"].api("GET", "/api/reports/tasks?key=all&metric=received&limit=1000")[
        "tasks"
    ]
    shown = rows.evaluate_all("rows => rows.map(row => row.dataset.taskId)")
    assert shown[:2] == first_page and shown == [str(task["id"]) for task in listed]
    expect(dialog.locator(".drill-tasks")).to_contain_text("Принтер не печатает")
    vera.screenshot("reports-drill-down.png")
    dialog.locator("[data-close]").click()
    expect(dialog).to_be_hidden()
    # the three charts are drawn: their canvases hold pixels
    for name in ("flow", "resolve", "load"):
        canvas = page.locator(f'canvas[data-chart="{name}"]')
        expect(canvas).to_have_attribute("data-drawn", "yes")
        painted = canvas.evaluate(
            """canvas => {
              const context = canvas.getContext("2d");
              const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
              let count = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
              return count;
            }"""
        )
        assert painted > 500, f"the {name} chart is blank"
    vera.screenshot("reports-lead.png", full_page=True)


def test_a_new_task_moves_the_numbers_live(team, people):
    vera = people["vera"]
    page = vera.page
    team.api["alice"].api("POST", "/api/tasks", {"title": "Почта не уходит"})
    expect(page.locator(f'{TOTAL} td[data-cell="received"]')).to_have_text("4")
    vera.assert_not_reloaded()
    assert total(page, "open_at_end") == str(team.report()["total"]["open_at_end"]) == "3"
    # the charts follow the new numbers too
    received = page.evaluate(
        """() => Chart.getChart(document.querySelector('canvas[data-chart="flow"]'))
                 .data.datasets[0].data.reduce((a, b) => a + b, 0)"""
    )
    assert received == 4


def test_the_csv_downloads_with_cyrillic_intact(team, people):
    page = people["vera"].open("/reports")
    with page.expect_download() as download:
        page.locator('[data-download="csv"]').click()
    body = download.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any("Алиса Агент" in row for row in rows), text[:500]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reports-download.csv").write_bytes(body)


def test_the_printed_report_fits_an_a4_page_across(team, people):
    page = people["vera"].open("/reports")
    page.emulate_media(media="print")
    try:
        page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape less 10 mm margins
        widths = page.evaluate(
            """() => ({ table: document.querySelector("#report-table").scrollWidth,
                        page: document.documentElement.clientWidth })"""
        )
        assert widths["table"] <= widths["page"], widths
        expect(page.locator(".topnav")).to_be_hidden()
        people["vera"].screenshot("reports-print.png", full_page=True)
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1400, "height": 950})


def test_the_agent_copies_the_text_of_her_shift(team, people):
    alice = people["alice"]
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=team.server.url)
    page = alice.page
    page.goto("/tasks/mine")
    page.locator("[data-my-shift-link]").click()
    page.wait_for_url("**/reports/my-shift")
    shown = page.locator("#my-shift-text").input_value()
    assert "Received: 4" in shown and "Resolved: 1" in shown
    assert "Ждём ответа клиента" in shown
    page.locator("[data-copy]").click()
    expect(page.locator("[data-copy]")).to_have_attribute("data-copied-text", "yes")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == shown
    assert copied.count("\n") >= 5  # line breaks kept: ready for a chat
    alice.screenshot("reports-my-shift.png", full_page=True)


def test_the_dark_theme_darkens_the_page_and_its_charts(team, people):
    vera = people["vera"]
    page = vera.open("/reports?theme=dark")
    expect(page.locator('canvas[data-chart="flow"]')).to_have_attribute("data-drawn", "yes")
    colors = page.evaluate(
        """() => ({
          page: getComputedStyle(document.body).backgroundColor,
          ink: getComputedStyle(document.documentElement).getPropertyValue("--chart-ink").trim(),
          ticks: Chart.getChart(document.querySelector('canvas[data-chart="flow"]'))
                   .options.scales.x.ticks.color,
        })"""
    )
    assert colors["page"] == "rgb(13, 16, 21)"  # the wall board's dark
    assert colors["ticks"] == colors["ink"] == "#a3acba"  # light text on the dark page
    # the period links keep the theme
    href = page.locator('[data-period="previous"]').get_attribute("href")
    assert "theme=dark" in href
    vera.screenshot("reports-dark.png", full_page=True)
