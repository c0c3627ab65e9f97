"""Search on All tasks: GET /api/tasks/search and the page's search box (?q=), across all time,
case aside in every alphabet on both databases, deleted tasks for leads only."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.builders import (
    as_user,
    assert_refused,
    make_chat,
    make_task,
    set_task_times,
)
from tests.test_pages import board_titles, page_data, person, team_today
from wesup.enums import Role
from wesup.models import utcnow
from wesup.tasks import service


def found(auth, query: str, **params: str) -> list[str]:
    """The titles a search returns, newest first."""
    response = auth.client.get("/api/tasks/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [task["title"] for task in response.get_json()["tasks"]]


def test_a_word_is_found_in_the_title_description_comment_and_chat(app):
    agent = person(app, "agent")
    chat = make_chat(app, "Бухгалтерия")
    make_task(app, agent.user, "Printer offline")
    make_task(app, agent.user, "VPN", description="The tunnel drops every hour")
    noted = make_task(app, agent.user, "Mail")
    as_user(app, agent.user, service.add_comment, noted.id, {"body": "Mailbox quota raised"})
    make_task(app, agent.user, "Scanner", chat_id=chat.id)
    make_task(app, agent.user, "Unrelated")

    assert found(agent, "printer") == ["Printer offline"]
    assert found(agent, "tunnel") == ["VPN"]
    assert found(agent, "quota") == ["Mail"]
    assert found(agent, "бухгалтерия") == ["Scanner"]


def test_cyrillic_is_found_whatever_its_case(app):
    """SQLite's own lower() folds ASCII only; the search folds every alphabet."""
    agent = person(app, "agent")
    make_task(app, agent.user, "Принтер в ОФИСЕ не печатает", description="Картридж ЗАКОНЧИЛСЯ")

    assert found(agent, "принтер") == ["Принтер в ОФИСЕ не печатает"]
    assert found(agent, "ПРИНТЕР") == ["Принтер в ОФИСЕ не печатает"]
    assert found(agent, "офисе") == ["Принтер в ОФИСЕ не печатает"]
    assert found(agent, "закончился") == ["Принтер в ОФИСЕ не печатает"]
    assert found(agent, "сканер") == []


def test_every_word_must_be_somewhere_and_wildcards_are_plain_text(app):
    agent = person(app, "agent")
    make_task(app, agent.user, "Printer offline", description="Second floor")
    make_task(app, agent.user, "Printer jam")
    make_task(app, agent.user, "Disk 100% full")

    assert found(agent, "printer floor") == ["Printer offline"]
    assert found(agent, "100%") == ["Disk 100% full"]
    assert found(agent, "%%") == []
    assert found(agent, "__") == []


def test_search_covers_all_time_newest_first_with_the_period(app):
    agent = person(app, "agent")
    old = make_task(app, agent.user, "Printer A")
    make_task(app, agent.user, "Printer B")
    set_task_times(app, old.id, received_at=utcnow() - timedelta(days=400))

    response = agent.client.get("/api/tasks/search?q=printer")
    data = response.get_json()
    assert [task["title"] for task in data["tasks"]] == ["Printer B", "Printer A"]
    assert data["more"] is False
    assert data["period"]["from"] < data["period"]["to"]
    assert isinstance(data["seq"], int)
    # each task in the same shape as GET /api/tasks gives it
    listed = agent.client.get("/api/tasks").get_json()["tasks"]
    assert [task for task in listed if task["title"] == "Printer B"] == data["tasks"][:1]


def test_more_says_older_matches_were_left_out(app, monkeypatch):
    agent = person(app, "agent")
    monkeypatch.setattr(service, "SEARCH_LIMIT", 2)
    for number in range(3):
        make_task(app, agent.user, f"Printer {number}")

    data = agent.client.get("/api/tasks/search?q=printer").get_json()
    assert [task["title"] for task in data["tasks"]] == ["Printer 2", "Printer 1"]
    assert data["more"] is True


def test_filters_apply_to_the_search(app):
    agent = person(app, "agent")
    other = person(app, "second")
    make_task(app, agent.user, "Printer mine")
    make_task(app, other.user, "Printer theirs")

    assert found(agent, "printer", agent=str(other.user.id)) == ["Printer theirs"]


@pytest.mark.parametrize("query", ["", " ", "a", "x" * 101, "ab\x00"])
def test_a_bad_query_is_a_400_that_changes_nothing(app, query):
    agent = person(app, "agent")
    response = assert_refused(
        app,
        lambda: agent.client.get("/api/tasks/search", query_string={"q": query}),
        400,
        "bad_request",
    )
    assert response.get_json()["error"]["fields"]["q"]


def test_search_needs_a_session(app, client):
    assert client.get("/api/tasks/search?q=printer").status_code == 401


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_deleted_tasks_are_found_by_leads_only(app, role):
    lead = person(app, "lead", Role.LEAD)
    reader = person(app, "reader", role)
    gone = make_task(app, lead.user, "Printer deleted")
    make_task(app, lead.user, "Printer live")
    as_user(app, lead.user, service.delete_task, gone.id)

    assert found(lead, "printer") == ["Printer live"]
    assert found(lead, "printer", deleted="1") == ["Printer deleted"]
    assert found(reader, "printer", deleted="1") == ["Printer live"]


def test_the_page_shows_the_search_grouped_by_day(app):
    agent = person(app, "agent")
    old = make_task(app, agent.user, "Printer old", description="toner")
    make_task(app, agent.user, "Printer new")
    make_task(app, agent.user, "Scanner")
    set_task_times(app, old.id, received_at=utcnow() - timedelta(days=3))

    page = agent.client.get("/tasks?q=printer").get_data(as_text=True)
    assert 'id="task-search"' in page
    assert "Printer old" in page and "Printer new" in page
    assert "Scanner" not in page
    assert page.count('class="day-group"') == 2
    assert page.index("Printer new") < page.index("Printer old")
    assert re.search(r'class="c-received sortable" aria-sort="descending"', page)  # newest first
    assert 'name="from"' not in page  # a search covers all time: no dates to pick


def test_the_page_says_what_is_wrong_with_a_short_query(app):
    agent = person(app, "agent")
    make_task(app, agent.user, "Printer")
    response = agent.client.get("/tasks?q=p")
    assert response.status_code == 200
    assert "Type 2 to 100 characters to search." in response.get_data(as_text=True)


# --- sorting and the period on All tasks -----------------------------------------------------


def test_a_column_sorts_the_board_and_the_link_remembers_it(app):
    agent = person(app, "agent")
    quick = make_task(app, agent.user, "Quick one")
    slow = make_task(app, agent.user, "Slow one")
    make_task(app, agent.user, "Newest one")
    now = utcnow()
    # minutes, not hours: all three stay on today's board even just after midnight
    set_task_times(app, slow.id, received_at=now - timedelta(seconds=200))
    set_task_times(
        app,
        quick.id,
        received_at=now - timedelta(seconds=300),
        resolved_at=now - timedelta(seconds=280),
    )

    default = agent.client.get("/tasks").get_data(as_text=True)
    assert board_titles(default) == ["Quick one", "Slow one", "Newest one"]  # oldest first
    longest = agent.client.get("/tasks?sort=-duration").get_data(as_text=True)
    assert board_titles(longest) == ["Slow one", "Quick one", "Newest one"]
    newest = agent.client.get("/tasks?sort=-received").get_data(as_text=True)
    assert board_titles(newest) == ["Newest one", "Slow one", "Quick one"]
    assert 'aria-sort="descending"' in newest
    assert page_data(newest)["sort"] == "-received"
    # the column's header turns the order round; the period links keep the sort
    header = re.search(r'<a href="([^"]+)" data-sort="received"', newest).group(1)
    assert parse_qs(urlsplit(unescape(header)).query)["sort"] == ["received"]
    previous = re.search(r'href="([^"]+)"[^>]*data-period="previous"', newest).group(1)
    assert parse_qs(urlsplit(unescape(previous)).query)["sort"] == ["-received"]


def test_an_unknown_sort_is_the_default_order(app):
    agent = person(app, "agent")
    make_task(app, agent.user, "Only one")
    response = agent.client.get("/tasks?sort=-password")
    assert response.status_code == 200
    assert page_data(response.get_data(as_text=True))["sort"] == "received"


def test_filters_apply_on_change_and_still_work_without_javascript(app):
    agent = person(app, "agent")
    html = agent.client.get("/tasks").get_data(as_text=True)
    form = html.split('id="task-filters"', 1)[1].split("</form>", 1)[0]
    for name in ("from", "to", "agent", "group", "status", "chat", "unassigned"):
        control = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', form).group(0)
        assert "data-submit-on-change" in control, name
    assert "<noscript>" in form and 'type="submit"' in form


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Tue, 3 December 2024"), ("ru-RU,ru;q=0.9", "вт, 3 декабря 2024")],
)
def test_the_date_label_has_the_weekday(app, language, label):
    agent = person(app, "agent")
    html = agent.client.get(
        "/tasks?from=2024-12-03&to=2024-12-03", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    shown = re.search(r'<span class="period-label">(.*?)</span>', html, re.S).group(1)
    assert shown.strip() == label


def test_this_years_date_label_leaves_the_year_out(app):
    agent = person(app, "agent")
    day = team_today()
    html = agent.client.get("/tasks", headers={"Accept-Language": "en"}).get_data(as_text=True)
    shown = re.search(r'<span class="period-label">(.*?)</span>', html, re.S).group(1).strip()
    assert shown == f"{day:%a}, {day.day} {day:%B}"
