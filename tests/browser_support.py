"""Helpers for the real-browser tests: Debian's Chromium through Playwright, one browser
context per person, and what a page shows read back in the same shape as the JSON API.

The server side (run.py as a real process, people, API sessions) is tests/server_process.py;
the fixtures every browser module repeated (a running team, its people's browsers, evidence
after a failure) are the context managers here.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import IN_CI
from tests.server_process import (
    PASSWORD,
    REPO,
    Browser,
    ServerProcess,
    create_first_admin,
    sign_up,
)

try:
    from playwright.sync_api import Browser as Chromium
    from playwright.sync_api import Page, Playwright, expect, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # pragma: no cover - the test extra installs it
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEAM_ZONE = "Europe/Moscow"  # the server's default TIMEZONE: the team's screens live there too
FRESHNESS = "[data-freshness]"
WAIT_MS = 15_000  # one live change reaching a page
RECONNECT_MS = 40_000  # backoff is capped at 10 s (+50 % jitter); a restart adds its start-up


def chromium_path() -> str:
    """Debian's chromium; a missing one skips the browser tests on a laptop, fails them in CI."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        if IN_CI:
            pytest.fail("chromium is missing: `make test` installs it with apt in CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def launch_chromium() -> tuple[Playwright, Chromium]:
    """Start Playwright and a headless Chromium from the system package (never a download)."""
    path = chromium_path()
    playwright = sync_playwright().start()
    try:
        return playwright, playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise


@contextmanager
def chromium_browser() -> Iterator[Chromium]:
    """One headless Chromium (launch_chromium), closed with its Playwright on the way out."""
    playwright, chromium = launch_chromium()
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@dataclass
class RunningTeam:
    """A running server and the API sessions of its people by login ("root": the first admin);
    a test module subclasses it with what it reads back and what else it sets up."""

    server: ServerProcess
    api: dict[str, Browser] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


TeamT = TypeVar("TeamT", bound=RunningTeam)


@contextmanager
def running_team(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    people: list[tuple[str, str, str]],
    team_class: type[TeamT],
    **server_options: Any,
) -> Iterator[TeamT]:
    """A fresh run.py (eventlet) in its own folder: the first admin from the printed setup
    link, then each (login, role, name) signed up; the server stops on the way out."""
    server = ServerProcess(tmp_path_factory.mktemp(name), async_mode="eventlet", **server_options)
    server.start()
    try:
        admin = create_first_admin(server)
        sessions, ids = sign_up(admin, people)
        yield team_class(server, api={"root": admin, **sessions}, ids=ids)
    finally:
        server.stop()


class Person:
    """Somebody at their own browser (a context of its own), signed in through /login."""

    def __init__(
        self, chromium: Chromium, base_url: str, login: str, *, width: int, height: int
    ) -> None:
        self.login = login
        self.context = chromium.new_context(
            base_url=base_url,
            viewport={"width": width, "height": height},
            locale="en-GB",
            timezone_id=TEAM_ZONE,
        )
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        self.sockets: list[Any] = []  # every WebSocket the page opened, in order
        self.page.on("websocket", self._note_socket)
        self.failed: list[str] = []  # socket.io requests that never reached the server
        self.page.on("requestfailed", self._note_failure)
        self.marker = ""
        self._first_socket = 0
        self._sign_in()

    def _note_socket(self, socket: Any) -> None:
        self.sockets.append(socket)

    def _note_failure(self, request: Any) -> None:
        if "/socket.io/" in request.url:
            self.failed.append(request.url)

    def _sign_in(self) -> None:
        page = self.page
        page.goto("/login")
        page.fill("input[name=login]", self.login)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert "/login" not in page.url, f"{self.login} could not sign in: {page.url}"

    def open(self, path: str) -> Page:
        """Load a live page, wait until it says Live, and mark the document: a reload loses it."""
        self._first_socket = len(self.sockets)
        self.page.goto(path)
        expect(self.page.locator(FRESHNESS)).to_have_class("freshness live")
        self.marker = secrets.token_hex(8)
        self.page.evaluate("marker => { window.__wesupMarker = marker; }", self.marker)
        return self.page

    def assert_not_reloaded(self) -> None:
        """The page was updated in place: same document, never navigated away."""
        assert self.page.evaluate("() => window.__wesupMarker") == self.marker, (
            f"{self.login}'s page was reloaded"
        )

    def open_sockets(self) -> list[Any]:
        """The current page's WebSockets still open (Playwright never reports the close of a
        socket whose page navigated away, so earlier pages' sockets are left out)."""
        return [socket for socket in self.sockets[self._first_socket :] if not socket.is_closed()]

    def screenshot(self, name: str, **options: Any) -> Path:
        """Save what the person sees under test-artifacts/ (git-ignored) for a human to look at."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), animations="disabled", **options)
        return path

    def close(self) -> None:
        self.context.close()


PersonT = TypeVar("PersonT", bound=Person)


@contextmanager
def people_at(
    url: str,
    screens: Iterable[tuple[str, int, int]],
    person: Callable[..., PersonT] = Person,
) -> Iterator[dict[str, PersonT]]:
    """One Chromium and a signed-in context for each (login, width, height), by login; all
    closed on the way out."""
    with chromium_browser() as chromium:
        opened: dict[str, PersonT] = {}
        try:
            for login, width, height in screens:
                opened[login] = person(chromium, url, login, width=width, height=height)
            yield opened
        finally:
            for each in opened.values():
                each.close()


@contextmanager
def evidence_kept(
    request: pytest.FixtureRequest, people: list[Person], server_log: Path
) -> Iterator[None]:
    """Around one test: if it failed, keep_evidence of these people and the server log."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed != failed_before:
        keep_evidence(request.node.name, people, server_log)


def keep_evidence(name: str, people: list[Person], server_log: Path) -> None:
    """After a failed test: every open tab of every person, and the server log, under
    test-artifacts/ (best effort: the failure is already reported)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for person in people:
        for index, page in enumerate(person.context.pages):
            suffix = f"-{index}" if index else ""
            try:
                shot = ARTIFACTS / f"failed-{name}-{person.login}{suffix}.png"
                page.screenshot(path=str(shot), full_page=True, animations="disabled")
            except Exception as exc:
                print(f"no screenshot of {person.login}: {exc}")
    shutil.copyfile(server_log, ARTIFACTS / f"failed-{name}-server.log")


def wait_until(page: Page, predicate: Callable[[], Any], timeout: float, message: str) -> Any:
    """Poll a condition kept on the Python side (Playwright's own records of the page), up to
    `timeout` s; the page's short waits let Playwright take in the browser's news meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for: {message}")
        page.wait_for_timeout(50)


def rgb(color: str) -> str:
    """'#ffb300' as getComputedStyle spells it: 'rgb(255, 179, 0)'."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


# --- what a page shows, and what the database says it should show --------------------------

# All tasks: every row as [id, agent, chat, status, title, last comment], and the summary line.
BOARD_JS = """() => {
  const text = (row, selector) => (row.querySelector(selector)?.textContent || "").trim();
  const rows = [...document.querySelectorAll("#board tbody tr[data-task-id]")].map((row) => [
    Number(row.dataset.taskId), text(row, ".c-agent"), text(row, ".c-chat"),
    text(row, ".c-status .chip"), text(row, ".c-title"), text(row, ".c-comment"),
  ]);
  const summary = ["open", "postponed", "resolved"].map(
    (name) => Number(document.querySelector(`[data-summary="${name}"]`).textContent));
  return [rows, summary];
}"""

# Wall board: per person's lane (by agent id) its open cards, postponed cards [id, title, status
# color] and the resolved-this-shift count; lanes with nothing in them (merely online) and the
# lines' queue lanes are left out.
WALL_JS = """() => {
  const cards = (root, selector) => [...root.querySelectorAll(selector)].map((card) => [
    Number(card.dataset.taskId), card.querySelector(".card-title").textContent,
    card.style.getPropertyValue("--status-color").trim().toLowerCase(),
  ]);
  return [...document.querySelectorAll("#wall-lanes .lane[data-agent-id]")]
    .map((lane) => [
      Number(lane.dataset.agentId),
      cards(lane, ":scope > .cards > .card"),
      cards(lane, ":scope > .postponed .card"),
      Number(lane.querySelector(".lane-counts .count-resolved").textContent.match(/\\d+/)[0]),
    ])
    .filter(([, open, postponed, resolved]) => open.length || postponed.length || resolved)
    .sort((a, b) => a[0] - b[0]);
}"""


def board_expected(listing: dict[str, Any]) -> list[Any]:
    """GET /api/tasks (the board's period) in BOARD_JS's shape."""
    rows = [
        [
            task["id"],
            task["agent"]["name"],
            task["chat"]["name"] if task["chat"] else "—",
            task["status"]["name"],
            task["title"],
            task["last_comment"] or "",
        ]
        for task in listing["tasks"]
    ]
    summary = listing["summary"]
    return [rows, [summary["open"], summary["postponed"], summary["resolved"]]]


def wall_expected(listing: dict[str, Any]) -> list[Any]:
    """GET /api/tasks for today in WALL_JS's shape: a task open now was open today, and one
    resolved in today's period was resolved today (the wall's "resolved today")."""
    lanes: dict[int, list[Any]] = {}
    for task in listing["tasks"]:  # oldest first, as the lanes order their cards
        lane = lanes.setdefault(task["agent"]["id"], [task["agent"]["id"], [], [], 0])
        card = [task["id"], task["title"], task["status"]["color"].lower()]
        if task["resolved_at"]:
            lane[3] += 1
        elif task["status"]["category"] == "postponed":
            lane[2].append(card)
        else:
            lane[1].append(card)
    return [lanes[agent_id] for agent_id in sorted(lanes)]


def board_shown(page: Page) -> list[Any]:
    return page.evaluate(BOARD_JS)


def wait_shows(page: Page, reader: str, expected: Any, timeout: float = WAIT_MS) -> None:
    """Wait until the page shows exactly `expected`; on timeout fail with the difference."""
    try:
        page.wait_for_function(
            f"expected => JSON.stringify(({reader})()) === JSON.stringify(expected)",
            arg=expected,
            timeout=timeout,
        )
    except PlaywrightTimeout:
        actual = json.loads(json.dumps(page.evaluate(reader)))
        assert actual == expected, "the page never showed what the database holds"
        raise
