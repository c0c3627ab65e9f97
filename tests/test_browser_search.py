"""Find and sort on All tasks, phones, and the header, in Debian's Chromium against run.py:
a task found by a word of its description (Cyrillic, another case), a column sort remembered
in the URL, All tasks as readable cards on a 390×844 phone, and a header that stays on one
line at 1366 px in both languages. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser_support import ARTIFACTS, Chromium, Person, chromium_browser, expect
from tests.server_process import Browser, ServerProcess, add_person, create_first_admin

pytestmark = pytest.mark.browser

TITLES = [
    "Принтер в бухгалтерии не печатает",
    "VPN drops every hour",
    "Нет доступа к почте",
    "Сбой 1С при закрытии месяца",
    "Монитор мерцает у Петровой",
    "New laptop for the sales team",
    "Пароль от Wi-Fi для гостей",
    "Телефония: не проходят входящие",
    "Shared drive is read-only",
    "Обновить антивирус на кассах",
]
FOUND_TITLE = "Монитор мерцает у Петровой"
FOUND_DESCRIPTION = "После обновления драйвера КАБЕЛЬ HDMI отходит"
ONE_LINE_PX = 64  # the header at one line of controls; a wrapped one is about twice that


@dataclass
class Site:
    server: ServerProcess
    chromium: Chromium
    admin: Browser
    anna: Browser
    ids: dict[str, int]
    contexts: list[Any] = field(default_factory=list)

    def person(self, login: str, width: int, height: int) -> Person:
        person = Person(self.chromium, self.server.url, login, width=width, height=height)
        self.contexts.append(person.context)
        return person


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = ServerProcess(tmp_path_factory.mktemp("search")).start()
    try:
        with chromium_browser() as chromium:
            admin = create_first_admin(server)
            add_person(admin, "anna", "agent", "Анна Сергеевна Кузнецова")
            anna = Browser(server.url).login("anna")
            ids = {}
            for title in TITLES:
                description = FOUND_DESCRIPTION if title == FOUND_TITLE else ""
                task = anna.api("POST", "/api/tasks", {"title": title, "description": description})
                ids[title] = task["task"]["id"]
            site = Site(server, chromium, admin, anna, ids)
            yield site
            for context in site.contexts:
                context.close()
    finally:
        server.stop()


def row_titles(page: Any) -> list[str]:
    return page.locator("#board tbody tr[data-task-id] .c-title").all_inner_texts()


def test_a_task_is_found_by_a_word_from_its_description(site: Site) -> None:
    anna = site.person("anna", 1366, 768)
    page = anna.open("/tasks")
    search = page.locator("#task-search")
    search.fill("кабель")  # lower case; the description says КАБЕЛЬ
    with page.expect_navigation():
        search.press("Enter")
    expect(page.locator("[data-freshness]")).to_have_class("freshness live")
    assert "q=" in page.url
    assert row_titles(page) == [FOUND_TITLE]
    expect(page.locator("#board tr.day-group")).to_have_count(1)  # under the day it arrived
    expect(page.locator(".search-summary")).to_contain_text("1 task found")
    expect(page.locator("#task-search")).to_have_value("кабель")
    anna.screenshot("search-found-1366.png")

    # the found task changes live, under its day; a new task that matches does not barge in
    task_id = site.ids[FOUND_TITLE]
    site.anna.api("POST", f"/api/tasks/{task_id}/comments", {"body": "Заменили кабель"})
    row = page.locator(f"#board tr[data-task-id='{task_id}']")
    expect(row.locator(".c-comment")).to_have_text("Заменили кабель")
    expect(page.locator("#board tr.day-group")).to_have_count(1)
    extra = site.anna.api("POST", "/api/tasks", {"title": "Ещё один кабель"})["task"]
    site.anna.api("POST", f"/api/tasks/{task_id}/comments", {"body": "Проверили"})
    expect(row.locator(".c-comment")).to_have_text("Проверили")  # so the new task came before
    assert row_titles(page) == [FOUND_TITLE]
    expect(page.locator(".summary [data-summary=open]")).to_have_text("1")
    site.anna.api("DELETE", f"/api/tasks/{extra['id']}")  # the other tests count on the ten

    page.click("[data-search-clear]")
    expect(page.locator("#board tbody tr[data-task-id]")).to_have_count(len(TITLES))


def test_a_column_sorts_the_rows_and_the_url_remembers_it(site: Site) -> None:
    anna = site.person("anna", 1366, 768)
    page = anna.open("/tasks")
    assert row_titles(page) == TITLES  # received, oldest first

    with page.expect_navigation():
        page.click("th a[data-sort=received]")  # the column sorted by: turned round
    expect(page.locator("[data-freshness]")).to_have_class("freshness live")
    assert "sort=-received" in page.url
    assert row_titles(page) == TITLES[::-1]
    expect(page.locator("th.c-received")).to_have_attribute("aria-sort", "descending")
    anna.screenshot("sorted-newest-first-1366.png")

    page.reload()  # the order stays with the address
    expect(page.locator("[data-freshness]")).to_have_class("freshness live")
    assert row_titles(page) == TITLES[::-1]

    with page.expect_navigation():
        page.click("th a[data-sort=status]")
    assert "sort=status" in page.url
    expect(page.locator("th.c-status")).to_have_attribute("aria-sort", "ascending")


def test_on_a_phone_all_tasks_are_cards_with_the_title_first(site: Site) -> None:
    signed_in = site.person("anna", 390, 844)  # signs in; the phone takes its cookies
    phone = site.chromium.new_context(
        base_url=site.server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        storage_state=signed_in.context.storage_state(),
    )
    site.contexts.append(phone)
    page = phone.new_page()
    page.goto("/tasks")
    expect(page.locator("[data-freshness]")).to_have_class("freshness live")

    # the filters fold behind a button; the nav stays compact
    filters = page.locator("#task-filters")
    expect(filters).to_be_hidden()
    page.click(".filters-toggle")
    expect(filters).to_be_visible()
    page.click(".filters-toggle")
    expect(filters).to_be_hidden()
    nav = page.locator("nav.topnav").bounding_box()
    assert nav and nav["height"] < 844 / 6, f"the nav fills the screen: {nav}"
    # no keyboard hints on a touch screen
    expect(page.locator(".key-hint")).to_be_hidden()

    rows = page.locator("#board tbody tr[data-task-id]")
    expect(rows).to_have_count(len(TITLES))
    for index in range(rows.count()):
        row = rows.nth(index)
        title = row.locator(".c-title")
        expect(title).to_be_visible()
        box = title.bounding_box()
        assert box and box["width"] > 300, f"a squeezed title: {box}"
        # the title comes first in its card
        for other in ("c-agent", "c-status", "c-received"):
            other_box = row.locator(f".{other}").bounding_box()
            assert other_box and other_box["y"] >= box["y"] + box["height"] - 1, other
    first = rows.first.locator(".c-title")
    assert first.inner_text() == TITLES[0]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "phone-all-tasks-390x844.png"
    page.screenshot(path=str(shot), animations="disabled")  # the first screen a person sees


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_header_stays_on_one_line_at_1366(site: Site, language: str) -> None:
    admin = site.person("root", 1366, 768)  # an admin sees every link of the nav
    page = admin.page
    page.goto("/profile")
    page.select_option("#profile-locale", language)
    with page.expect_navigation():
        page.click("#profile-locale >> xpath=ancestor::form//button[@type='submit']")
    for path in ("/tasks/mine", "/tasks", "/directories", "/admin/users", "/profile"):
        page.goto(path)
        nav = page.locator("nav.topnav")
        expect(nav).to_be_visible()
        box = nav.bounding_box()
        assert box and box["height"] <= ONE_LINE_PX, f"{path} ({language}): header {box}"
    page.goto("/tasks")
    page.click("[data-account-menu] summary")
    expect(page.locator(".menu-panel")).to_be_visible()
    admin.screenshot(f"header-1366-{language}.png")
    page.keyboard.press("Escape")
    expect(page.locator(".menu-panel")).to_be_hidden()
