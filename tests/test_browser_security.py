"""The Content-Security-Policy in a real browser: every page works under it without a single
violation (so the policy never silently breaks a page), and framing follows
WESUP_FRAME_ANCESTORS: the wall board shows in the listed dashboard, the People page in no
frame at all. Debian's Chromium through Playwright against run.py (eventlet)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser_support import (
    FRESHNESS,
    WAIT_MS,
    Chromium,
    Page,
    Person,
    expect,
    launch_chromium,
    rgb,
    wait_until,
)
from tests.server_process import ServerProcess, create_first_admin

pytestmark = pytest.mark.browser

SECRET_IN_PAGE = re.compile(r"/board\?kiosk=([A-Za-z0-9_-]+)")
# Every violation the page itself hears of, kept on the window for the test to read.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
      `at ${event.sourceFile}:${event.lineNumber}`,
  );
});
"""
LIVE_PAGES = ["/tasks/mine", "/tasks", "/tasks?q=colored", "/directories", "/board"]
STILL_PAGES = ["/admin/users", "/admin/kiosks", "/profile"]


@dataclass
class Site:
    server: ServerProcess
    framer: str  # the dashboard's origin, listed in WESUP_FRAME_ANCESTORS
    chromium: Chromium
    contexts: list[Any] = field(default_factory=list)


class Dashboard(BaseHTTPRequestHandler):
    """Another origin of the same host (the Lax session cookie goes along into its frames):
    a dashboard that frames the wall board and the People page. A real server, because
    Chromium refuses local frames in a page that did not come from the local network."""

    wesup = ""  # the WeSup server's URL, set by the fixture

    def do_GET(self) -> None:
        body = (
            f'<iframe id="board" src="{self.wesup}/board" width="800" height="400"></iframe>'
            f'<iframe id="people" src="{self.wesup}/admin/users" width="800" height="400">'
            "</iframe>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    dashboard = ThreadingHTTPServer(("127.0.0.1", 0), Dashboard)
    framer = f"http://127.0.0.1:{dashboard.server_address[1]}"
    server = ServerProcess(
        tmp_path_factory.mktemp("csp"), env={"WESUP_FRAME_ANCESTORS": framer}
    ).start()
    Dashboard.wesup = server.url
    serving = threading.Thread(target=dashboard.serve_forever, daemon=True)
    serving.start()
    playwright, chromium = launch_chromium()
    site = Site(server, framer, chromium)
    try:
        admin = create_first_admin(server)
        admin.api("POST", "/api/tasks", {"title": "A task with a colored status chip"})
        yield site
    finally:
        for context in site.contexts:
            context.close()
        chromium.close()
        playwright.stop()
        server.stop()
        dashboard.shutdown()
        dashboard.server_close()
        serving.join(timeout=5)


class Watched:
    """A page whose CSP violations are collected from both the DOM event and the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(WATCH_CSP)
        page.on("console", self._note)

    def _note(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self) -> list[str]:
        return self.page.evaluate("() => window.__cspViolations || []") + self.console


def admin_person(site: Site) -> Person:
    person = Person(site.chromium, site.server.url, "root", width=1366, height=900)
    site.contexts.append(person.context)
    return person


def test_the_sign_in_page_has_no_violation(site: Site) -> None:
    context = site.chromium.new_context(base_url=site.server.url)
    site.contexts.append(context)
    watched = Watched(context.new_page())
    watched.page.goto("/login")
    expect(watched.page.locator("input[name=login]")).to_be_visible()
    watched.page.wait_for_load_state("networkidle")
    assert watched.violations() == []


def test_every_page_works_under_the_policy_without_a_violation(site: Site) -> None:
    person = admin_person(site)
    watched = Watched(person.page)
    page = person.page
    for path in LIVE_PAGES:
        person.open(path)  # waits until the page's script connected: "Live"
        page.wait_for_load_state("networkidle")
        assert watched.violations() == [], path
    for path in STILL_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert watched.violations() == [], path

    # The kiosk page's copy button is its script's work.
    page.goto("/admin/kiosks")
    page.fill("form.stack input[name=name]", "Support room TV")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    expect(page.locator("button[data-copy]")).to_be_visible()  # kiosks.js unhid it
    assert watched.violations() == [], "/admin/kiosks with a new link"

    # Server-rendered chips take their color from page.js, not from a style attribute: with
    # the page's own module withheld (it redraws the table), the first paint's chips stay.
    page.route("**/static/js/directories.js", lambda route: route.abort())
    page.goto("/directories")
    chip = page.locator("#statuses td .chip.current").first
    color = chip.get_attribute("data-color")
    assert color, "the server-rendered chip carries its color as data"
    expect(chip).to_have_css("border-top-color", rgb(color))
    page.unroute("**/static/js/directories.js")
    page.goto("/directories")

    # The language menu submits itself (page.js): the page comes back in Russian.
    page.click("[data-account-menu] summary")  # the language sits in the account menu
    with page.expect_navigation():
        page.select_option("select[name=locale]", "ru")
    expect(page.locator("nav.topnav")).to_contain_text("Мои задачи")
    assert watched.violations() == [], "after choosing a language"


def test_a_kiosk_screen_has_no_violation(site: Site) -> None:
    person = admin_person(site)
    page = person.page
    page.goto("/admin/kiosks")
    page.fill("form.stack input[name=name]", "Corridor TV")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    link = page.locator("#kiosk-new-link").input_value()
    assert SECRET_IN_PAGE.search(link)

    context = site.chromium.new_context(base_url=site.server.url)
    site.contexts.append(context)
    watched = Watched(context.new_page())
    watched.page.goto(link)
    expect(watched.page.locator(FRESHNESS)).to_have_class("freshness live", timeout=WAIT_MS)
    assert watched.violations() == []


def test_the_wall_board_frames_in_the_listed_dashboard_and_the_people_page_nowhere(
    site: Site,
) -> None:
    """Today the admin's People page rendered inside another site's iframe."""
    person = admin_person(site)
    page = person.page
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{site.framer}/")

    board = page.frame_locator("#board")
    expect(board.locator(FRESHNESS)).to_have_class("freshness live", timeout=WAIT_MS)
    wait_until(
        page,
        lambda: any("frame-ancestors 'none'" in text for text in refused),
        WAIT_MS / 1000,
        "Chromium refusing to frame the People page",
    )
    expect(page.frame_locator("#people").locator("nav.topnav")).to_have_count(0)
