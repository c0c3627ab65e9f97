"""The report page (/reports): who sees what, the numbers it shows equal the API's, every
number opens the tasks behind it, the shift and period controls, the downloads, the charts'
data, and the live part the page fetches again."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.builders import make_user, signed_in, status_named
from wesup.enums import Role
from wesup.i18n import duration
from wesup.models import utcnow
from wesup.reports import service
from wesup.reports.service import COUNTERS
from wesup.timeutil import current_shift, parse_shifts

BREAKDOWNS = ("agent", "group", "chat", "status")


class ReportTable(HTMLParser):
    """The report table as a reader sees it: {row key: {cell: text}}, and the number buttons
    (key, metric) with their text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.names: dict[str, str] = {}
        self.buttons: list[tuple[str, str, str]] = []
        self._row: str | None = None
        self._cell: str | None = None
        self._button: tuple[str, str] | None = None
        self._name = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "tr" and "data-key" in names:
            self._row = names["data-key"] or ""
            self.rows[self._row] = {}
        elif tag == "th" and self._row is not None:
            self._name, self._text = True, []
        elif tag == "td" and self._row is not None and names.get("data-cell"):
            self._cell, self._text = names["data-cell"], []
        elif tag == "button" and "data-metric" in names:
            self._button = (names["data-key"] or "", names["data-metric"] or "")
            self._text = []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = " ".join("".join(self._text).split())
        if tag == "button" and self._button:
            self.buttons.append((*self._button, text))
            self._button = None
        elif tag == "td" and self._cell and self._row is not None:
            self.rows[self._row][self._cell] = text
            self._cell = None
        elif tag == "th" and self._name and self._row is not None:
            self.names[self._row] = text
            self._name = False
        elif tag == "tr":
            self._row = None


def table(html: str) -> ReportTable:
    parser = ReportTable()
    parser.feed(html.split('id="report-table"', 1)[1].split("</table>", 1)[0])
    return parser


def page_data(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S
    )
    return json.loads(unescape(found.group(1)))


def post_task(auth, title: str, **data) -> dict:
    response = auth.api("POST", "/api/tasks", {"title": title, **data})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["task"]


@pytest.fixture
def day(app):
    """A small day of a team: Alice resolves one of two, Bob hands one on to Alice and keeps
    one, a lead logs one in a line's queue; two chats and two statuses in play."""
    alice = signed_in(app, "alice")
    bob = signed_in(app, "bob")
    lead = signed_in(app, "lena", role=Role.LEAD)
    line = lead.api(
        "POST", "/api/groups", {"name": "Second line", "color": "#8e24aa", "member_ids": []}
    )
    assert line.status_code == 201, line.get_data(as_text=True)
    chat = lead.api("POST", "/api/chats", {"name": "Acme support"}).get_json()["chat"]
    done = status_named(app, "Done")
    first = post_task(alice, "Printer offline", chat_id=chat["id"])
    alice.api("PATCH", f"/api/tasks/{first['id']}", {"status_id": done.id, "version": 1})
    post_task(alice, "VPN drops")
    handed = post_task(bob, "Invoice wrong", chat_id=chat["id"])
    bob.api(
        "POST",
        f"/api/tasks/{handed['id']}/transfer",
        {"agent_id": alice.user.id, "note": "Yours", "version": 1},
    )
    post_task(bob, "Mail bounces")
    post_task(lead, "Queue task", group_id=line.get_json()["group"]["id"])
    return {"alice": alice, "bob": bob, "lead": lead}


def api_report(auth, **query) -> dict[str, Any]:
    response = auth.client.get(f"/api/reports?{urlencode(query)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def shown(value: Any, metric: str) -> str:
    """A number of the API as the page shows it (English, the test client's language): no
    time spent is a plain 0 like a count of none; a median of 0 s is a measurement."""
    if value is None:
        return "—"
    if metric in COUNTERS:
        return f"{value:,}"
    if value == 0 and metric.startswith("time_"):
        return "0"
    return duration(value)


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/reports", "/reports/part"])
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.AGENT, 200), (Role.LEAD, 200), (Role.ADMIN, 200), (Role.VIEWER, 200), (None, 302)],
)
def test_who_opens_the_report(app, path, role, status):
    client = signed_in(app, "someone", role=role).client if role else app.test_client()
    response = client.get(path)
    assert response.status_code == status
    if role is None:
        assert urlsplit(response.headers["Location"]).path == "/login"


def test_leads_and_viewers_see_everyone_an_agent_their_own_row(app, day):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    for auth in (day["lead"], viewer):
        names = table(auth.client.get("/reports").get_data(as_text=True)).names
        assert {"Alice", "Bob"} <= set(names.values())
    names = table(day["alice"].client.get("/reports").get_data(as_text=True)).names
    assert names == {str(day["alice"].user.id): "Alice", "all": names["all"]}


def test_the_nav_links_to_the_report_for_everybody(app):
    for role in (Role.AGENT, Role.VIEWER):
        html = signed_in(app, f"p-{role}", role=role).client.get("/tasks").get_data(as_text=True)
        assert 'href="/reports"' in html


# --- the numbers are the API's -----------------------------------------------------------------


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_the_page_shows_the_numbers_of_the_api(app, day, by, monkeypatch):
    lead = day["lead"]
    # open tasks gather time as the clock runs: the page and the API read the same moment
    moment = utcnow() + timedelta(minutes=90)
    monkeypatch.setattr(service, "utcnow", lambda: moment)
    html = lead.client.get(f"/reports?by={by}", headers={"Accept-Language": "en"})
    rows = table(html.get_data(as_text=True)).rows
    report = api_report(lead, by=by)
    expected = {
        ("none" if row["key"]["id"] is None else str(row["key"]["id"])): row
        for row in report["rows"]
    } | {"all": report["total"]}
    assert set(rows) == set(expected)
    for key, cells in rows.items():
        for cell, text in cells.items():
            if cell.startswith("time_in_category."):
                value = expected[key]["time_in_category"].get(cell.split(".", 1)[1])
            else:
                value = expected[key][cell]
            assert text == shown(value, cell), (key, cell)
    assert report["total"]["received"] == 5  # the day above, so the test reads something


def test_every_number_opens_the_tasks_behind_it(app, day):
    lead = day["lead"]
    html = lead.client.get("/reports").get_data(as_text=True)
    data = page_data(html)
    buttons = table(html).buttons
    assert buttons
    counted = 0
    for key, metric, text in buttons:
        query = {**data["query"], "by": data["by"], "key": key, "metric": metric}
        response = lead.client.get(f"{data['tasks_url']}?{urlencode(query)}")
        assert response.status_code == 200, (key, metric, response.get_data(as_text=True))
        tasks = response.get_json()["tasks"]
        assert tasks, (key, metric)
        if text.isdigit():  # a count: exactly that many tasks
            assert len(tasks) == int(text), (key, metric)
            counted += 1
    assert counted >= 4


def test_the_live_part_is_the_same_table(app, day, monkeypatch):
    """Same clock for both reads: an open task's credited time grows between two requests."""
    now = utcnow()
    monkeypatch.setattr(service, "utcnow", lambda: now)
    lead = day["lead"]
    page = table(lead.client.get("/reports?by=chat").get_data(as_text=True)).rows
    part = lead.client.get("/reports/part?by=chat").get_data(as_text=True)
    assert "<html" not in part
    assert table(part).rows == page


# --- the controls ----------------------------------------------------------------------------


def link(html: str, name: str) -> dict[str, list[str]]:
    href = re.search(rf'href="([^"]+)"[^>]*data-period="{name}"', html).group(1)
    parts = urlsplit(unescape(href))
    assert parts.path == "/reports"
    return parse_qs(parts.query)


def test_the_period_controls_move_by_the_period_and_keep_the_breakdown(app):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    html = viewer.client.get(
        "/reports?from=2024-01-10&to=2024-01-12&by=chat", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert link(html, "previous") == {"from": ["2024-01-07"], "to": ["2024-01-09"], "by": ["chat"]}
    assert link(html, "next") == {"from": ["2024-01-13"], "to": ["2024-01-15"], "by": ["chat"]}
    assert link(html, "shift") == {"shift": ["now"], "by": ["chat"]}
    label = re.search(r'<span class="period-label">(.*?)</span>', html, re.S).group(1)
    assert label.strip() == "Wed, 10 January 2024 – Fri, 12 January 2024"  # as on All tasks
    data = page_data(html)
    assert data["query"] == {"from": "2024-01-10", "to": "2024-01-12"}
    assert data["live"] is False  # a past period does not change
    assert re.search(r'data-by="chat" aria-current="page"', html)


def test_a_shift_report_names_the_shift_and_steps_shift_by_shift(app, day):
    app.config["SHIFT_WINDOWS"] = parse_shifts("08:00-20:00,20:00-08:00")
    lead = day["lead"]
    html = lead.client.get("/reports?shift=now").get_data(as_text=True)
    with app.app_context():
        shift = current_shift()
    data = page_data(html)
    assert data["live"] is True
    assert data["query"] == {"shift": shift.start.strftime("%Y-%m-%dT%H:%MZ")}
    assert 'data-period="next" title=' in html  # the next shift is the future: disabled
    previous = link(html, "previous")["shift"][0]
    assert previous != data["query"]["shift"]
    # the previous shift's Next comes back to this one
    before = lead.client.get(f"/reports?shift={previous}").get_data(as_text=True)
    assert link(before, "next")["shift"] == [data["query"]["shift"]]
    assert page_data(before)["live"] is False
    # the shift's numbers are the API's for the same shift
    rows = table(html).rows
    assert rows["all"]["received"] == str(api_report(lead, **data["query"])["total"]["received"])


def test_a_bad_period_is_a_message_and_today_instead(app):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    for query in ("from=yesterday", "shift=someday"):
        response = viewer.client.get(f"/reports?{query}")
        assert response.status_code == 200
        assert 'class="form-error"' in response.get_data(as_text=True)


def test_the_download_buttons_give_csv_and_xlsx_of_the_same_report(app, day):
    lead = day["lead"]
    html = lead.client.get("/reports?by=group").get_data(as_text=True)
    for kind, mimetype in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        href = unescape(re.search(rf'href="([^"]+)"[^>]*data-download="{kind}"', html).group(1))
        assert parse_qs(urlsplit(href).query)["by"] == ["group"]
        response = lead.client.get(href)
        assert response.status_code == 200
        assert mimetype in response.headers["Content-Type"]
        assert "attachment" in response.headers["Content-Disposition"]


def test_the_charts_add_up_to_the_table(app, day):
    lead = day["lead"]
    charts = page_data(lead.client.get("/reports?by=chat").get_data(as_text=True))["charts"]
    total = api_report(lead, by="chat")["total"]
    people = api_report(lead, by="agent")["rows"]
    assert sum(charts["flow"]["received"]) == total["received"]
    assert sum(charts["flow"]["resolved"]) == total["resolved"]
    assert len(charts["flow"]["labels"]) == 24 and charts["flow"]["hourly"] is True
    assert sum(charts["resolve"]["counts"]) == total["resolved"]
    assert charts["load"]["labels"] == [row["key"]["name"] for row in people]
    assert charts["load"]["open_at_end"] == [row["open_at_end"] for row in people]


def test_a_long_period_is_drawn_day_by_day(app, day):
    lead = day["lead"]
    html = lead.client.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    flow = page_data(html)["charts"]["flow"]
    assert flow["hourly"] is False
    assert flow["labels"][0] == "01.11" and flow["labels"][-1] == "30.11"


def test_numbers_and_words_follow_the_readers_language(app, day):
    viewer = signed_in(app, "vera", role=Role.VIEWER)
    make_user(app, "extra")
    html = viewer.client.get("/reports", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Итого по команде" in html and "По сотрудникам" in html
    html = viewer.client.get("/reports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Team total" in html and "By person" in html
