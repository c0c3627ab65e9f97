"""WeSup in a real browser: Debian's Chromium driven by Playwright against run.py (eventlet).

Each person is a browser context of their own, signed in through the /login form: Alice (an
agent) on My tasks, Vera (a lead) on All tasks, and the team TV on the wall board. One
server serves the whole module; the restart test restarts it on the same port and database.
Screenshots for people to look at go to test-artifacts/ (git-ignored).
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
    BOARD_JS,
    FRESHNESS,
    RECONNECT_MS,
    TEAM_ZONE,
    WALL_JS,
    Person,
    RunningTeam,
    board_expected,
    board_shown,
    evidence_kept,
    expect,
    people_at,
    rgb,
    running_team,
    wait_shows,
    wait_until,
    wall_expected,
)

pytestmark = pytest.mark.browser

PEOPLE = [  # login, role, name
    ("alice", "agent", "Alice Agent"),
    ("bob", "agent", "Bob Builder"),
    ("carol", "agent", "Carol Support"),
    ("vera", "lead", "Vera Lead"),
    ("tv", "viewer", "Team TV"),
]
CHATS = ["Backend API", "Billing", "Printers", "VIP customers"]
OUTAGE_SECONDS = 10
OFFLINE = re.compile(r"\bfreshness offline\b")
DATA_AS_OF = re.compile(r"data as of (\d{2}):(\d{2}):(\d{2})")


@dataclass
class Team(RunningTeam):
    """The running server, its people's API sessions, and the chats and statuses by name."""

    chats: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)

    def today(self) -> dict[str, Any]:
        """What the database holds for today's board, as Alice's session reads it."""
        return self.api["alice"].api("GET", "/api/tasks")

    def create(self, login: str, title: str, **fields: Any) -> dict[str, Any]:
        return self.api[login].api("POST", "/api/tasks", {"title": title, **fields})["task"]

    def change(self, login: str, task: dict[str, Any], **fields: Any) -> dict[str, Any]:
        url = f"/api/tasks/{task['id']}"
        current = self.api[login].api("GET", url)["task"]
        return self.api[login].api("PATCH", url, {**fields, "version": current["version"]})["task"]


@dataclass
class People:
    alice: Person  # agent, on My tasks
    vera: Person  # lead, on All tasks
    tv: Person  # the wall board, 1920x1080

    def all(self) -> list[Person]:
        return [self.alice, self.vera, self.tv]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """A fresh run.py: the first admin from the printed setup link, then people and chats."""
    with running_team(tmp_path_factory, "browser", PEOPLE, Team) as team:
        admin = team.api["root"]
        for name in CHATS:
            team.chats[name] = admin.api("POST", "/api/chats", {"name": name})["chat"]["id"]
        statuses = admin.api("GET", "/api/statuses")["statuses"]
        team.statuses = {status["name"]: status for status in statuses}
        yield team


@pytest.fixture(scope="module")
def people(team: Team) -> Iterator[People]:
    """One Chromium, one context per person, each signed in once through the real form."""
    screens = [("alice", 1366, 860), ("vera", 1600, 1000), ("tv", 1920, 1080)]
    with people_at(team.server.url, screens) as opened:
        yield People(**opened)


@pytest.fixture(autouse=True)
def evidence(request: pytest.FixtureRequest, people: People, team: Team) -> Iterator[None]:
    """After a failed test, keep every page and the server log in test-artifacts/."""
    with evidence_kept(request, people.all(), team.server.log_path):
        yield


def card(wall: Any, task_id: int) -> Any:
    return wall.locator(f'#wall-lanes .card[data-task-id="{task_id}"]')


def board_row(board: Any, task_id: int) -> Any:
    return board.locator(f'#board tr[data-task-id="{task_id}"]')


def test_a_task_logged_with_the_keyboard_appears_on_both_boards_without_reload(
    team: Team, people: People
) -> None:
    """n, title, Tab, type-ahead to the chat, Enter, Enter: All tasks and the TV show it live."""
    mine = people.alice.open("/tasks/mine")
    board = people.vera.open("/tasks")
    wall = people.tv.open("/board")
    title = "Printer on the 3rd floor <b>jams</b> & beeps"

    mine.keyboard.press("n")
    expect(mine.locator("#qa-title")).to_be_focused()
    mine.keyboard.type(title)
    mine.keyboard.press("Tab")
    chat_box = mine.locator("#qa-chat")
    expect(chat_box).to_be_focused()
    mine.keyboard.type("b")  # "Backend API" and "Billing" both start with b
    options = mine.locator(".combo-list [role=option]")
    expect(options).to_have_text(["Backend API", "Billing"])
    mine.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    mine.keyboard.press("Enter")  # picks the chat
    expect(chat_box).to_have_value("Billing")
    mine.keyboard.press("Enter")  # saves

    mine_row = mine.locator("#open-tasks tr[data-task-id]", has_text=title)
    expect(mine_row).to_have_count(1)
    task_id = int(mine_row.get_attribute("data-task-id"))
    expect(mine.locator("#qa-title")).to_have_value("")  # ready for the next request
    expect(mine.locator("#qa-title")).to_be_focused()

    saved = team.api["alice"].api("GET", f"/api/tasks/{task_id}")["task"]
    assert saved["title"] == title
    assert saved["chat"] == {"id": team.chats["Billing"], "name": "Billing"}
    assert saved["agent"]["id"] == team.ids["alice"]
    assert saved["status"]["category"] == "new"

    row = board_row(board, task_id)
    expect(row.locator(".c-title")).to_have_text(title)  # as text: no <b> element made
    expect(row.locator(".c-agent")).to_have_text("Alice Agent")
    expect(row.locator(".c-chat")).to_have_text("Billing")
    expect(row.locator(".c-status .chip")).to_have_text(saved["status"]["name"])
    assert row.locator("b").count() == 0

    lane = wall.locator(f'#wall-lanes .lane[data-agent-id="{team.ids["alice"]}"]')
    expect(lane.locator(".card", has_text=title)).to_have_count(1)
    expect(card(wall, task_id).locator(".card-title")).to_have_text(title)
    expect(card(wall, task_id).locator(".card-chat")).to_have_text("Billing")

    for person in people.all():
        person.assert_not_reloaded()
    wait_shows(board, BOARD_JS, board_expected(team.today()))
    wait_shows(wall, WALL_JS, wall_expected(team.today()))


def test_a_status_change_recolors_the_row_and_the_card(team: Team, people: People) -> None:
    """A status picked from a row's status menu on My tasks recolors All tasks and the wall
    card live."""
    task = team.create(
        "alice", "Outlook keeps asking for the password", chat_id=team.chats["VIP customers"]
    )
    mine = people.alice.open("/tasks/mine")
    board = people.vera.open("/tasks")
    wall = people.tv.open("/board")
    accepted = task["status"]
    expect(board_row(board, task["id"]).locator(".c-status .chip")).to_have_css(
        "border-top-color", rgb(accepted["color"])
    )
    expect(card(wall, task["id"])).to_have_css("border-left-color", rgb(accepted["color"]))

    for name in ("In progress", "Postponed"):
        status = team.statuses[name]
        color = rgb(status["color"])
        row = mine.locator(f'#open-tasks tr[data-task-id="{task["id"]}"]')
        row.locator("button.status-button").click()  # the row's one chip opens the menu
        mine.locator(".status-menu [role=menuitemradio]", has_text=name).click()

        chip = board_row(board, task["id"]).locator(".c-status .chip")
        expect(chip).to_have_attribute("data-status-id", str(status["id"]))
        expect(chip).to_have_text(name)
        expect(chip).to_have_css("border-top-color", color)
        dot = chip.evaluate("chip => getComputedStyle(chip, '::before').backgroundColor")
        assert dot == color

        on_wall = card(wall, task["id"])
        expect(on_wall).to_have_css("border-left-color", color)
        assert (
            team.api["alice"].api("GET", f"/api/tasks/{task['id']}")["task"]["status"]["id"]
            == (status["id"])
        )
        if status["category"] == "postponed":  # parked apart, compact, without the status line
            expect(on_wall).to_have_class(re.compile(r"\bcard-compact\b"))
            expect(board_row(board, task["id"])).to_have_class(re.compile(r"\bpostponed\b"))
        else:
            expect(on_wall.locator(".status-name")).to_have_text(name)
            expect(on_wall.locator(".status-dot")).to_have_css("background-color", color)

    for person in people.all():
        person.assert_not_reloaded()
    wait_shows(board, BOARD_JS, board_expected(team.today()))
    wait_shows(wall, WALL_JS, wall_expected(team.today()))


def shown_clock(text: str, earliest: float, latest: float) -> datetime:
    """The "data as of HH:MM:SS" time, placed on the team's calendar near `latest`."""
    found = DATA_AS_OF.search(text)
    assert found, f"the indicator does not say when its data is from: {text!r}"
    zone = ZoneInfo(TEAM_ZONE)
    end = datetime.fromtimestamp(latest, zone)
    hour, minute, second = map(int, found.groups())
    shown = end.replace(hour=hour, minute=minute, second=second, microsecond=0)
    if shown > end + timedelta(hours=12):  # the outage began just before midnight
        shown -= timedelta(days=1)
    assert (
        datetime.fromtimestamp(earliest, zone) - timedelta(seconds=1)
        <= shown
        <= end + timedelta(seconds=1)
    ), f"{text!r} is not the time of the last data the page had"
    return shown


def test_a_board_offline_for_10_s_catches_up_and_says_so(team: Team, people: People) -> None:
    """Three changes happen while All tasks is cut off; it says so, reconnects, ends equal."""
    board_person = people.vera
    first = team.create("alice", "Reset the password of a new hire")
    board = board_person.open("/tasks")
    wall = people.tv.open("/board")
    data_from = time.time()
    second = team.create("alice", "Mailbox full", chat_id=team.chats["Backend API"])
    wait_shows(board, BOARD_JS, board_expected(team.today()))
    online = wall.locator("#wall-online")
    expect(online).to_contain_text("Vera Lead")
    before = board_shown(board)
    sockets_before = len(board_person.sockets)
    failed_before = len(board_person.failed)

    outage_started = time.monotonic()
    board_person.context.set_offline(True)
    try:
        indicator = board.locator(FRESHNESS)
        expect(indicator).to_have_class(OFFLINE)
        expect(indicator).to_contain_text("data as of")
        said = indicator.text_content()
        shown_clock(said, data_from, time.time())
        # The connection is really gone. Chromium's offline mode does not cut an open
        # WebSocket by itself, but it fires "offline", on which the Socket.IO client drops its
        # transport; from then on every reconnect attempt fails (the handshake is HTTP). The
        # server counts Vera out (the TV, still online, sees her leave) within the ping
        # timeout at worst, at once in practice.
        wait_until(board, lambda: not board_person.open_sockets(), 5, "the board's socket to close")
        expect(online).not_to_contain_text("Vera Lead", timeout=20_000)

        third = team.create("alice", "VPN certificate expired", chat_id=team.chats["Billing"])
        team.change("alice", second, status_id=team.statuses["Done"]["id"])
        team.api["alice"].api("DELETE", f"/api/tasks/{first['id']}")
        # They went out live: the TV shows them at once.
        wait_shows(wall, WALL_JS, wall_expected(team.today()))

        left = OUTAGE_SECONDS - (time.monotonic() - outage_started)
        board.wait_for_timeout(max(0, left) * 1000)  # the outage lasts 10 s, as specified
        assert board_shown(board) == before, "the offline board changed: it was not offline"
        expect(indicator).to_have_class(OFFLINE)
        assert indicator.text_content() == said, "data as of moved on while nothing arrived"
        assert len(board_person.failed) > failed_before, "the page never tried to reconnect"
        assert board_row(board, third["id"]).count() == 0
    finally:
        board_person.context.set_offline(False)

    expect(board.locator(FRESHNESS)).to_have_class("freshness live", timeout=RECONNECT_MS)
    expect(board.locator(FRESHNESS)).to_have_text("Live")
    expected = board_expected(team.today())
    wait_shows(board, BOARD_JS, expected)
    ids = [row[0] for row in expected[0]]
    assert third["id"] in ids and first["id"] not in ids
    assert len(board_person.sockets) > sockets_before, "no new connection was opened"
    expect(online).to_contain_text("Vera Lead")
    board_person.assert_not_reloaded()
    people.tv.assert_not_reloaded()


def test_boards_catch_up_after_the_server_restarts(team: Team, people: People) -> None:
    """run.py is killed and restarted; changes made meanwhile reach All tasks and the TV."""
    server = team.server
    screens = [people.vera, people.tv]
    board = people.vera.open("/tasks")
    wall = people.tv.open("/board")
    task = team.create("alice", "New laptop for the designer", chat_id=team.chats["Printers"])
    wait_shows(board, BOARD_JS, board_expected(team.today()))
    wait_shows(wall, WALL_JS, wall_expected(team.today()))

    # Hold the pages' reconnect attempts until the changes are made, so that they surely
    # happen while the pages are disconnected and must come back by catching up.
    def is_socket(url: str) -> bool:
        return "/socket.io/" in url

    for person in screens:
        person.context.route(is_socket, lambda route: route.abort())
    try:
        server.kill()
        for page in (board, wall):
            expect(page.locator(FRESHNESS)).to_have_class(OFFLINE)
        server.start()
        created = team.create("alice", "Scanner sends empty PDFs", chat_id=team.chats["Printers"])
        team.change("alice", task, status_id=team.statuses["In progress"]["id"])
        team.api["alice"].api("POST", f"/api/tasks/{task['id']}/comments", {"body": "Ordered"})
        for page in (board, wall):
            expect(page.locator(FRESHNESS)).to_have_class(OFFLINE)
    finally:
        for person in screens:
            person.context.unroute(is_socket)
        if server.process is None or server.process.poll() is not None:
            server.start()  # the rest of the module needs its server

    for page in (board, wall):
        expect(page.locator(FRESHNESS)).to_have_class("freshness live", timeout=RECONNECT_MS)
    listing = team.today()
    wait_shows(board, BOARD_JS, board_expected(listing))
    wait_shows(wall, WALL_JS, wall_expected(listing))
    expect(board_row(board, task["id"]).locator(".c-comment")).to_have_text("Ordered")
    expect(card(wall, created["id"])).to_have_count(1)
    for person in screens:
        person.assert_not_reloaded()


def received(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")


def test_wall_board_screenshots_show_aging_cards_of_several_agents(
    team: Team, people: People
) -> None:
    """Several agents' tasks, some forgotten; the TV fits them in large type; screenshots saved."""
    progress = team.statuses["In progress"]["id"]
    chats = team.chats
    ages: dict[int, str] = {}  # task id -> expected alarm class ("" for none)
    for login, title, minutes, chat, status, alarm in [
        ("bob", "VPN drops every hour in the Berlin office", 185, "Backend API", progress, "alert"),
        ("bob", "Add the new hire to the Jira group", 42, "Billing", None, "warn"),
        ("bob", "Printer in room 204 prints blank pages", 6, "Printers", None, ""),
        ("carol", "Payroll export fails with error 500", 150, "Billing", progress, "alert"),
        ("carol", "Reset two-factor login for the sales lead", 55, "VIP customers", None, "warn"),
        ("carol", "Guest Wi-Fi password for visitors", 12, None, progress, ""),
    ]:
        fields: dict[str, Any] = {"received_at": received(minutes)}
        if chat:
            fields["chat_id"] = chats[chat]
        if status:
            fields["status_id"] = status
        ages[team.create(login, title, **fields)["id"]] = alarm
    team.create(
        "bob",
        "Headset for the night shift",
        received_at=received(26 * 60),
        status_id=team.statuses["Postponed"]["id"],
    )
    done = team.create("carol", "Unlock the account of j.doe", received_at=received(20))
    team.change("carol", done, status_id=team.statuses["Done"]["id"])

    wall = people.tv.open("/board")
    wait_shows(wall, WALL_JS, wall_expected(team.today()))
    for task_id, alarm in ages.items():
        item = card(wall, task_id)
        for kind in ("alert", "warn"):
            pattern = re.compile(rf"\bis-{kind}\b")
            if alarm == kind:
                expect(item).to_have_class(pattern)
            else:
                expect(item).not_to_have_class(pattern)

    # Made for a TV: dark, no scrolling, type big enough to read from across the room.
    assert "theme-dark" in wall.locator("html").get_attribute("class").split()
    expect(wall.locator("body")).to_have_css("background-color", "rgb(13, 16, 21)")
    fits = wall.evaluate(
        "() => { const d = document.documentElement;"
        " return d.scrollHeight <= innerHeight && d.scrollWidth <= innerWidth; }"
    )
    assert fits, "the wall board scrolls"
    sizes = wall.evaluate(
        """() => Object.fromEntries([".card-title", ".card-age", ".lane-name", ".wall-time"]
          .map((s) => [s, parseFloat(getComputedStyle(document.querySelector(s)).fontSize)]))"""
    )
    assert min(sizes.values()) >= 24, sizes
    # bob and carol hold tasks; alice (an agent) and vera (a lead) have WeSup open: everyone
    # who works tasks and is online is on shift
    expect(wall.locator("#wall-lanes .lane")).to_have_count(4)
    expect(wall.locator(".wall-page")).to_be_hidden()  # four lanes fit on one page

    shots = [people.tv.screenshot("wall-board.png")]
    people.tv.open("/board?theme=light")
    wait_shows(wall, WALL_JS, wall_expected(team.today()))
    shots.append(people.tv.screenshot("wall-board-light.png"))
    board = people.vera.open("/tasks")
    wait_shows(board, BOARD_JS, board_expected(team.today()))
    shots.append(people.vera.screenshot("all-tasks.png", full_page=True))
    for shot in shots:
        assert shot.stat().st_size > 10_000, f"{shot} looks empty"
    print("screenshots:", *shots, sep="\n  ")


# One lane of the wall as the TV shows it: each open card's id and whether it is in sight
# (not hidden and not clipped by the lane), the "+ N more" marker, the density, the title size.
LANE_JS = """(agentId) => {
  const lane = document.querySelector(`#wall-lanes .lane[data-agent-id="${agentId}"]`);
  const list = lane.querySelector(":scope > .cards");
  const box = list.getBoundingClientRect();
  const cards = [...list.querySelectorAll(":scope > .card")].map((card) => {
    const r = card.getBoundingClientRect();
    const seen = !card.hidden && r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    return [Number(card.dataset.taskId), seen];
  });
  const title = list.querySelector(".card:not([hidden]) .card-title");
  return {
    cards,
    more: list.querySelector(":scope > .cards-more")?.textContent || "",
    density: [...list.classList].filter((name) => name.startsWith("is-")),
    titlePx: parseFloat(getComputedStyle(title).fontSize),
    fits: document.documentElement.scrollHeight <= innerHeight,
  };
}"""


def test_a_rush_of_requests_stays_on_the_wall(team: Team, people: People) -> None:
    """Bob gets 8, then 15, then 40 open tasks: his lane gets denser before it hides any, and
    when it must hide some, the oldest and the newest stay in sight with "+ N more" between."""
    wall = people.tv.open("/board")
    bob = team.ids["bob"]

    def open_count() -> int:
        return sum(
            1
            for task in team.today()["tasks"]
            if task["agent"]["id"] == bob
            and not task["resolved_at"]
            and task["status"]["category"] != "postponed"
        )

    def rush_to(count: int) -> None:
        for number in range(open_count(), count):
            team.create("bob", f"Rush request {number + 1}: the sales floor printer is down again")
        wait_shows(wall, WALL_JS, wall_expected(team.today()))

    rush_to(8)
    lane = wall.evaluate(LANE_JS, bob)
    assert len(lane["cards"]) == 8 and all(seen for _, seen in lane["cards"]), lane
    assert lane["density"] and not lane["more"], "8 cards fit densely, none hidden"
    assert lane["titlePx"] >= 22 and lane["fits"], lane

    for count in (15, 40):
        rush_to(count)
        lane = wall.evaluate(LANE_JS, bob)
        hidden = [task_id for task_id, seen in lane["cards"] if not seen]
        assert len(lane["cards"]) == count
        assert lane["cards"][0][1] and lane["cards"][1][1], "the oldest cards left the TV"
        assert lane["cards"][-1][1], "the newest request is not on the TV"
        assert lane["more"] == (f"+ {len(hidden)} more" if hidden else ""), lane
        assert lane["titlePx"] >= 22 and lane["fits"], lane
    assert hidden, "40 cards cannot all fit on one lane"
    assert lane["density"] == ["is-denser"]
    people.tv.assert_not_reloaded()
    print("screenshot:", people.tv.screenshot("wall-rush.png"))


def test_a_conflicting_edit_keeps_what_was_typed_and_saves_knowingly(
    team: Team, people: People
) -> None:
    """Vera changes the status while Alice edits the title: Alice's Save gets the conflict,
    her title stays in the form, the dialog says what changed; Save again keeps both edits."""
    task = team.create("alice", "Laptop fan is loud")
    mine = people.alice.open("/tasks/mine")
    mine.locator(f'#open-tasks tr[data-task-id="{task["id"]}"] .title-link').click()
    dialog = mine.locator("dialog.task-dialog")
    dialog.locator("input[name=title]").fill("Laptop fan is loud: replace it")
    progress = team.statuses["In progress"]
    team.change("vera", task, status_id=progress["id"])

    dialog.locator(".edit-task button[type=submit]").click()
    error = dialog.locator(".edit-task .form-error")
    expect(error).to_contain_text("Somebody changed this task first")
    expect(error.locator(".conflict-changes li")).to_have_text(["status: Accepted → In progress"])
    expect(dialog.locator("input[name=title]")).to_have_value("Laptop fan is loud: replace it")
    expect(dialog.locator("select[name=status_id]")).to_have_value(str(progress["id"]))

    dialog.locator(".edit-task button[type=submit]").click()
    expect(dialog).to_be_hidden()
    saved = team.api["alice"].api("GET", f"/api/tasks/{task['id']}")["task"]
    assert saved["title"] == "Laptop fan is loud: replace it"
    assert saved["status"]["id"] == progress["id"]
    people.alice.assert_not_reloaded()
