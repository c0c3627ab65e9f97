"""The wall board on a real 1920×1080 TV: a team of eight fits one screen, fourteen page, the
secondary text reads at 4.5:1 in both themes, and a TV cut off for 20 s says so over its header
(the ages stop, the board dims) until it is back and caught up.

Debian's Chromium through Playwright against run.py (eventlet), as tests/test_browser.py.
Screenshots go to test-artifacts/ (wall-8-lanes-1920.png, wall-offline.png).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser_support import (
    RECONNECT_MS,
    TEAM_ZONE,
    Person,
    RunningTeam,
    chromium_browser,
    evidence_kept,
    expect,
    running_team,
)

pytestmark = pytest.mark.browser

FIRST_NAMES = [
    "Анна Петрова",
    "Борис Смирнов",
    "Вера Константинопольская",
    "Глеб Иванов",
    "Дарья Кузнецова",
    "Егор Соколов",
    "Жанна Попова",
    "Зоя Лебедева",
]
MORE_NAMES = [
    "Игорь Козлов",
    "Кира Новикова",
    "Лев Морозов",
    "Мария Волкова",
    "Никита Зайцев",
    "Ольга Павлова",
]
AGENTS = [(f"agent{n + 1:02}", "agent", name) for n, name in enumerate(FIRST_NAMES + MORE_NAMES)]
CHATS = ["Бухгалтерия", "VIP-клиенты", "Склад Подольск"]
OFFLINE_ALARM_S = 20
PAGE_SECONDS = 5

# Text that is not the main thing on the wall, in the page's own words (wall.css --muted and
# the colored counts): each must read at 4.5:1 (WCAG AA) where it is drawn.
SECONDARY = [
    ".card-chat",
    ".status-name",
    ".lane-counts .count",
    ".postponed-head",
    ".wall-date",
    ".wall-summary .count",
    ".online-label",
    ".online-name",
    ".wall-exit",
    ".wall-fullscreen",
    ".cards-more",
]
MUST_BE_SHOWN = [".card-chat", ".status-name", ".lane-counts .count", ".postponed-head"]

# The contrast of each visible element of a selector: its text color against what is behind
# it, layers of translucent backgrounds blended, the opacity of every ancestor applied.
CONTRAST_JS = """(selectors) => {
  const parse = (value) => {
    const srgb = value.match(/color\\(srgb ([^)]+)\\)/);
    if (srgb) {
      const [r, g, b, a] = srgb[1].split(/[ /]+/).map(Number);
      return [r * 255, g * 255, b * 255, Number.isFinite(a) ? a : 1];
    }
    const [r, g, b, a] = value.match(/[\\d.]+/g).map(Number);
    return [r, g, b, a === undefined ? 1 : a];
  };
  const over = (top, below) => [0, 1, 2].map((i) => top[3] * top[i] + (1 - top[3]) * below[i]);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const result = {};
  for (const selector of selectors) {
    for (const element of document.querySelectorAll(selector)) {
      const style = getComputedStyle(element);
      const box = element.getBoundingClientRect();
      const empty = !element.textContent.trim();
      if (!box.width || !box.height || style.visibility === "hidden" || empty) continue;
      const layers = [];
      let opacity = 1;
      for (let node = element; node; node = node.parentElement) {
        const own = getComputedStyle(node);
        opacity *= Number(own.opacity);
        layers.push(parse(own.backgroundColor));
      }
      let behind = [255, 255, 255];
      for (const layer of layers.reverse()) behind = over(layer, behind);
      const text = parse(style.color);
      const shown = over([text[0], text[1], text[2], text[3] * opacity], behind);
      const [light, dark] = [luminance(shown), luminance(behind)].sort((a, b) => b - a);
      const ratio = (light + 0.05) / (dark + 0.05);
      const worst = result[selector];
      if (!worst || ratio < worst[0]) {
        result[selector] = [ratio, element.textContent.trim(), style.color];
      }
    }
  }
  return result;
}"""

# Each lane's agent id and box, the viewport, and whether the page scrolls.
LAYOUT_JS = """() => ({
  lanes: [...document.querySelectorAll("#wall-lanes .lane")].map((lane) => {
    const box = lane.getBoundingClientRect();
    const card = lane.querySelector(".card:not([hidden])")?.getBoundingClientRect();
    return {
      id: lane.dataset.agentId ? Number(lane.dataset.agentId) : null,
      line: lane.dataset.groupId ? Number(lane.dataset.groupId) : null,
      box: [box.left, box.top, box.right, box.bottom],
      card: card ? [card.left, card.top, card.right, card.bottom] : null,
    };
  }),
  cutAges: [...document.querySelectorAll("#wall-lanes .card:not([hidden])")]
    .filter((card) => card.querySelector(".card-age").getBoundingClientRect().right
      > card.getBoundingClientRect().right + 0.5)
    .map((card) => Number(card.dataset.taskId)),
  width: innerWidth,
  height: innerHeight,
  scrolls: document.documentElement.scrollHeight > innerHeight
    || document.documentElement.scrollWidth > innerWidth,
})"""


@dataclass
class Team(RunningTeam):
    chats: list[int] = field(default_factory=list)
    line: int = 0  # a support line: its queue is a lane too
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create(self, login: str, title: str, **fields: Any) -> dict[str, Any]:
        return self.api[login].api("POST", "/api/tasks", {"title": title, **fields})["task"]

    def give_tasks(self, logins: list[str]) -> None:
        """Two or three open tasks each, a few forgotten (amber, red), one postponed."""
        for index, login in enumerate(logins):
            chat = self.chats[index % len(self.chats)]
            self.create(
                login, "Не проходит оплата по счёту 4471", chat_id=chat, received_at=ago(150)
            )
            self.create(login, f"Новый сотрудник №{index + 1}: доступы", received_at=ago(40))
            if index % 2 == 0:
                self.create(login, "Принтер на 3 этаже печатает пустые листы", urgent=True)
            if index == 0:
                postponed = self.statuses["Postponed"]["id"]
                self.create(login, "Гарнитура для ночной смены", status_id=postponed)


def ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """A fresh run.py, fourteen agents and a TV; chats; pages of 5 s for the paging test."""
    people = [*AGENTS, ("tv", "viewer", "Телевизор")]
    env = {"WESUP_WALL_PAGE_SECONDS": str(PAGE_SECONDS)}
    with running_team(tmp_path_factory, "wall", people, Team, env=env) as team:
        admin = team.api["root"]
        line = {"name": "Первая линия", "color": "#1e88e5", "member_ids": [team.ids["agent01"]]}
        team.line = admin.api("POST", "/api/groups", line)["group"]["id"]
        team.chats = [
            admin.api("POST", "/api/chats", {"name": name})["chat"]["id"] for name in CHATS
        ]
        team.statuses = {
            item["name"]: item for item in admin.api("GET", "/api/statuses")["statuses"]
        }
        yield team


@pytest.fixture(scope="module")
def chromium(team: Team) -> Iterator[Any]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def tv(request: pytest.FixtureRequest, team: Team, chromium: Any) -> Iterator[Person]:
    """The team's TV: a viewer at 1920×1080; its page and the server log kept if a test fails."""
    person = Person(chromium, team.server.url, "tv", width=1920, height=1080)
    try:
        with evidence_kept(request, [person], team.server.log_path):
            yield person
    finally:
        person.close()


def layout(page: Any) -> dict[str, Any]:
    return page.evaluate(LAYOUT_JS)


def assert_inside(shown: dict[str, Any]) -> None:
    """Every lane and its first card wholly on the screen, no card's age cut; nothing scrolls."""
    assert not shown["scrolls"], "the wall board scrolls"
    assert not shown["cutAges"], f"ages cut off on the cards {shown['cutAges']}"
    for lane in shown["lanes"]:
        for name in ("box", "card"):
            left, top, right, bottom = lane[name]
            assert left >= 0 and top >= 0, (lane["id"], name, lane[name])
            assert right <= shown["width"] and bottom <= shown["height"], (lane["id"], name)


def assert_contrast(page: Any, theme: str) -> None:
    worst = page.evaluate(CONTRAST_JS, SECONDARY)
    for selector in MUST_BE_SHOWN:
        assert selector in worst, f"{selector} is not on the {theme} wall to be measured"
    low = {sel: found for sel, found in worst.items() if found[0] < 4.5}
    assert not low, f"secondary text below 4.5:1 on the {theme} wall: {low}"


def test_a_team_of_eight_fits_one_1920_screen_in_both_themes(team: Team, tv: Person) -> None:
    """Eight agents with tasks and a line's queue: nine lanes side by side, no paging, every
    lane and its first card inside the screen, the type still TV-sized, the secondary text
    4.5:1 dark and light."""
    eight = [login for login, _, _ in AGENTS[:8]]
    team.give_tasks(eight)
    team.create("root", "Сайт не открывается из офиса", group_id=team.line, chat_id=team.chats[1])
    wall = tv.open("/board")
    lanes = wall.locator("#wall-lanes .lane[data-agent-id]")
    expect(lanes).to_have_count(8)
    expect(wall.locator("#wall-lanes .queue-lane .card")).to_have_count(1)
    expect(wall.locator("#wall-page")).to_be_hidden()
    shown = layout(wall)
    people = sorted(lane["id"] for lane in shown["lanes"] if lane["id"])
    assert people == sorted(team.ids[x] for x in eight)
    assert [lane["line"] for lane in shown["lanes"] if lane["line"]] == [team.line]
    assert_inside(shown)
    tops = {round(lane["box"][1]) for lane in shown["lanes"]}
    assert len(tops) == 1, "the lanes are not side by side"
    sizes = wall.evaluate(
        """() => Object.fromEntries([".card-title", ".card-age", ".lane-name", ".wall-time"]
          .map((s) => [s, parseFloat(getComputedStyle(document.querySelector(s)).fontSize)]))"""
    )
    assert min(sizes.values()) >= 24, sizes  # readable from across the room
    expect(wall.locator(".card.is-alert")).to_have_count(8)
    assert_contrast(wall, "dark")
    shot = tv.screenshot("wall-8-lanes-1920.png")

    wall = tv.open("/board?theme=light")
    expect(lanes).to_have_count(8)
    assert "theme-light" in (wall.locator("html").get_attribute("class") or "")
    assert_inside(layout(wall))
    assert_contrast(wall, "light")
    light = tv.screenshot("wall-8-lanes-1920-light.png")
    for path in (shot, light):
        assert path.stat().st_size > 10_000, f"{path} looks empty"


CARD_AGES_JS = """() => [
  Object.fromEntries([...document.querySelectorAll("#wall-lanes .card[data-task-id]")]
    .map((card) => [card.dataset.taskId, card.querySelector(".card-age").textContent])),
  document.getElementById("wall-time").textContent,
]"""
BANNER = re.compile(r"^(?:No connection since|Нет связи с) (\d{2}):(\d{2})$")


def header_shape(page: Any) -> list[float]:
    """The header's height and the clock's width: neither may move when the wall goes stale."""
    return page.evaluate(
        """() => [".wall-head", ".wall-clock"].map((s) => {
          const box = document.querySelector(s).getBoundingClientRect();
          return s === ".wall-head" ? box.height : box.width;
        })"""
    )


def test_a_wall_cut_off_for_20_s_says_since_when_stops_its_timers_and_dims(
    team: Team, tv: Person
) -> None:
    """The server dies: within ~25 s a banner across the top says since when, the ages and the
    clock stop (five more minutes change nothing), the board dims; the header keeps its
    height. The server comes back: the page catches up and it all clears."""
    server = team.server
    page = tv.page
    page.clock.install()  # time flows as usual; the test may jump it forward
    wall = tv.open("/board")
    expect(wall.locator("#wall-lanes .lane[data-agent-id]")).to_have_count(8)
    banner = wall.locator("#wall-offline")
    expect(banner).to_be_hidden()
    shape = header_shape(wall)
    live_ages = wall.evaluate(CARD_AGES_JS)

    cut_at = datetime.now(ZoneInfo(TEAM_ZONE))
    cut = time.monotonic()
    server.kill()
    try:
        expect(banner).to_be_visible(timeout=(OFFLINE_ALARM_S + 5) * 1000)
        took = time.monotonic() - cut
        assert OFFLINE_ALARM_S - 2 <= took <= OFFLINE_ALARM_S + 5, took
        said = BANNER.match(banner.text_content() or "")
        assert said, banner.text_content()
        shown = cut_at.replace(hour=int(said[1]), minute=int(said[2]), second=0, microsecond=0)
        assert abs((shown - cut_at.replace(second=0, microsecond=0)).total_seconds()) <= 60
        # Full width, over the header, the header not moved.
        box = banner.bounding_box()
        assert box and box["x"] == 0 and box["y"] == 0 and box["width"] == 1920, box
        assert header_shape(wall) == shape
        expect(wall.locator("body")).to_have_class(re.compile(r"\bis-stale\b"))
        assert float(wall.locator("#wall-lanes").evaluate("e => getComputedStyle(e).opacity")) < 0.5

        frozen = wall.evaluate(CARD_AGES_JS)
        assert frozen[0].keys() == live_ages[0].keys()
        wall.wait_for_timeout(2000)
        assert wall.evaluate(CARD_AGES_JS) == frozen, "the timers kept ticking"
        page.clock.fast_forward("05:00")  # five minutes later, still cut off
        assert wall.evaluate(CARD_AGES_JS) == frozen, "the timers kept ticking"
        expect(banner).to_be_visible()
        tv.screenshot("wall-offline.png")
    finally:
        if server.process is None or server.process.poll() is not None:
            server.start()

    expect(banner).to_be_hidden(timeout=RECONNECT_MS)
    expect(wall.locator("body")).not_to_have_class(re.compile(r"\bis-stale\b"))
    expect(wall.locator(".freshness")).to_have_class("freshness live")
    assert header_shape(wall) == shape
    assert float(wall.locator("#wall-lanes").evaluate("e => getComputedStyle(e).opacity")) == 1
    # The ages run again (five minutes on, by the page's jumped clock).
    expect(wall.locator("#wall-time")).not_to_have_text(frozen[1])
    tv.assert_not_reloaded()


def test_fourteen_lanes_page_and_every_lane_gets_its_turn(team: Team, tv: Person) -> None:
    """Six more agents with tasks: fifteen lanes with the queue, more than fit, so the wall
    pages; each page's lanes fit the screen and between the pages every agent is shown."""
    team.give_tasks([login for login, _, _ in AGENTS[8:]])
    wall = tv.open("/board")
    page_label = wall.locator("#wall-page")
    expect(page_label).to_have_text(re.compile(r"1/2$"))
    seen: set[int] = set()
    for number in (1, 2):
        expect(page_label).to_have_text(re.compile(rf"{number}/2$"), timeout=PAGE_SECONDS * 3000)
        shown = layout(wall)
        assert 0 < len(shown["lanes"]) < 15, len(shown["lanes"])
        if number == 1:
            assert len(shown["lanes"]) >= 9, "a page holds fewer than a team of eight and a queue"
        assert_inside(shown)
        seen |= {lane["id"] for lane in shown["lanes"] if lane["id"]}
    assert seen == {team.ids[login] for login, _, _ in AGENTS}
