"""Accessibility in a real browser: axe-core (the npm package, from node_modules) finds no
critical or serious violation on any page, in RU and EN, in the light and the dark theme.
Debian's Chromium through Playwright against run.py (eventlet).

The pages are every GET rule without arguments that renders HTML for an admin (from the
url_map, so a new page is checked the day it lands), a person's edit page, a handover sheet,
the sign-in page and the 404 page. The wall has two themes of its own (?theme=); the other
pages follow the browser's color scheme, so each language is run once with a light and once
a dark preferred scheme: two runs, light+RU and dark+EN (every page in both languages and both
themes, not every pairing, to keep the run near a minute).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser_support import (
    ARTIFACTS,
    FRESHNESS,
    TEAM_ZONE,
    Chromium,
    expect,
    launch_chromium,
)
from tests.page_list import page_paths
from tests.server_process import PASSWORD, REPO, ServerProcess, create_first_admin, sign_up
from wesup import create_app

pytestmark = pytest.mark.browser

AXE = (REPO / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
PEOPLE = [("anna", "agent", "Anna Agent"), ("boris", "agent", "Boris Agent")]
BLOCKING = {"critical", "serious"}
# axe runs inside the page through the DevTools protocol (page.evaluate), which the page's
# Content-Security-Policy does not govern: a script tag would be refused as inline script.
RUN_AXE = """async () => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => [n.target.join(" "), n.failureSummary]),
  }));
}"""
# A live page (it loaded live.js) draws some of its rows once its socket is up.
USES_LIVE = """() => performance.getEntriesByType("resource")
  .some((entry) => entry.name.includes("/js/live.js"))"""
# (language, preferred color scheme, wall theme)
CROSSES = [("ru", "light", "light"), ("en", "dark", "dark")]
# Pages whose colors or headings this check changed: a picture for a human to look at.
SHOTS = {"/login (signed out)", "/tasks/mine", "/admin/kiosks", "/board?theme=light"}
SHOTS |= {"/board?theme=dark"}


@dataclass
class Site:
    server: ServerProcess
    chromium: Chromium
    paths: list[str] = field(default_factory=list)  # what the admin opens


def url_map_pages() -> list[str]:
    """The candidate pages, from an app that is never served."""
    app = create_app(
        {"SECRET_KEY": "url-map-only", "DATABASE_URL": "sqlite://", "MESSAGE_QUEUE": None}
        | {"ASYNC_MODE": "threading"}
    )
    return page_paths(app)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = ServerProcess(tmp_path_factory.mktemp("a11y"), async_mode="eventlet")
    server.start()
    playwright, chromium = launch_chromium()
    try:
        admin = create_first_admin(server)
        sessions, ids = sign_up(admin, PEOPLE)
        anna = sessions["anna"]
        chat = admin.api("POST", "/api/chats", {"name": "Sales"})["chat"]["id"]
        for title in ("VPN drops every hour", "New laptop for Olga", "Printer on floor 3"):
            anna.api("POST", "/api/tasks", {"title": title, "chat_id": chat})
        task = anna.api("POST", "/api/tasks", {"title": "Reset the CFO's token"})["task"]
        anna.api("POST", f"/api/tasks/{task['id']}/comments", {"body": "Called, no answer"})
        admin.api("POST", "/api/tasks", {"title": "Rows on the admin's own My tasks"})
        urgent = {"title": "Mail is down", "urgent": True}
        sessions["boris"].api("POST", "/api/tasks", urgent)
        handover = anna.api("POST", "/api/handovers", {"to_agent_id": ids["boris"], "note": "Bye"})
        paths = [
            *url_map_pages(),
            f"/admin/users/{ids['anna']}",
            f"/tasks/handovers/{handover['handover']['id']}",
            "/no-such-page",
        ]
        yield Site(server, chromium, paths)
    finally:
        chromium.close()
        playwright.stop()
        server.stop()


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's critical and serious findings on the page as it stands."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE)
    return [found for found in page.evaluate(RUN_AXE) if found["impact"] in BLOCKING]


def audit(site: Site, language: str, scheme: str, wall_theme: str) -> dict[str, Any]:
    """Every page in one language and color scheme: {page: its blocking violations}."""
    context = site.chromium.new_context(
        base_url=site.server.url,
        viewport={"width": 1366, "height": 768},
        locale=language,
        timezone_id=TEAM_ZONE,
        color_scheme=scheme,  # type: ignore[arg-type]
        extra_http_headers={"Accept-Language": language},
    )
    found: dict[str, Any] = {}
    audited: list[str] = []
    try:
        page = context.new_page()

        def check(path: str, name: str) -> None:
            response = page.goto(path)
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                return
            if page.evaluate(USES_LIVE):  # a live page: its rows come with the socket
                expect(page.locator(FRESHNESS)).to_have_class(re.compile(r"\blive\b"))
            audited.append(name)
            blocking = violations(page)
            if blocking:
                found[name] = blocking
            if blocking or name in SHOTS:
                ARTIFACTS.mkdir(exist_ok=True)
                slug = "".join(char if char.isalnum() else "-" for char in name.strip("/"))
                shot = ARTIFACTS / f"a11y-{language}-{scheme}-{slug}.png"
                page.screenshot(path=str(shot), animations="disabled")

        check("/login", "/login (signed out)")
        check("/no-such-page", "/no-such-page (signed out)")
        page.goto("/login")
        page.fill("input[name=login]", "root")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        for path in site.paths:
            if path == "/board":
                check(f"/board?theme={wall_theme}", f"/board?theme={wall_theme}")
            else:
                check(path, path)
    finally:
        context.close()
    assert len(audited) >= 10, f"too few pages were checked: {audited}"
    return found


@pytest.mark.parametrize(("language", "scheme", "wall_theme"), CROSSES)
def test_axe_finds_nothing_serious_on_any_page(site, language, scheme, wall_theme):
    found = audit(site, language, scheme, wall_theme)
    assert not found, "\n".join(
        f"{path}: {item['impact']} {item['id']} ({item['help']}): {item['nodes']}"
        for path, items in found.items()
        for item in items
    )
