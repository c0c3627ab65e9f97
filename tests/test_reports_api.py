"""GET /api/reports and /api/reports/tasks as a client uses them: JSON, CSV and XLSX that say
the same, text that stays text, who sees what, refused parameters; and the report command."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from tests import reports_oracle as oracle
from tests.builders import make_chat, make_task, signed_in
from wesup.enums import Role
from wesup.extensions import db
from wesup.models import User

FORMULA = '=HYPERLINK("http://x","y")'
COLUMNS = (
    *oracle.COUNTS,
    "first_action_p50",
    "first_action_p90",
    "resolve_p50",
    "resolve_p90",
    "time_credited",
)


@pytest.fixture
def team(app, clock):
    """On 2 November (the clock's day), a lead who reads English; Anna and Boris, each with a
    task from a chat named like a formula, Anna's resolved after 30 minutes; an agent's and
    a viewer's browser; the clock an hour on."""
    lead = signed_in(app, "lead", role=Role.LEAD)
    with app.app_context():
        db.session.get(User, lead.user.id).locale = "en"
        db.session.commit()
    anna = signed_in(app, "anna")
    boris = signed_in(app, "boris")
    chat = make_chat(app, FORMULA)
    first = make_task(app, anna.user, FORMULA, chat_id=chat.id)
    make_task(app, boris.user, "-1 printers", chat_id=chat.id)
    clock.advance(30)
    task = anna.api("GET", f"/api/tasks/{first.id}").get_json()["task"]
    done = anna.api("PATCH", f"/api/tasks/{first.id}", {"version": task["version"], "status_id": 4})
    assert done.status_code == 200, done.get_json()
    clock.advance(30)
    viewer = signed_in(app, "watcher", role=Role.VIEWER)
    return {"lead": lead, "anna": anna, "boris": boris, "viewer": viewer, "chat": chat}


def day() -> str:
    """The clock fixture's day in the team zone (conftest: Europe/Moscow)."""
    return "2026-11-02"


def expected_line(row: dict[str, Any], status_ids: list[int]) -> list[Any]:
    """A JSON row laid out as the files lay it out: name, counters, medians, working time,
    time in each category, in each status."""
    return [
        row["key"]["name"] if "key" in row else "Total",
        *(row[column] for column in COLUMNS),
        *(row["time_in_category"][category] for category in ("new", "active", "postponed")),
        *(row["time_in_status"].get(str(status_id), 0) for status_id in status_ids),
    ]


def statuses_of(report: dict[str, Any]) -> list[int]:
    every = [*report["rows"], report["total"]]
    return sorted({int(key) for row in every for key in row["time_in_status"]})


def test_the_json_report_has_every_number_of_every_row_and_the_total(app, team):
    response = team["lead"].client.get(f"/api/reports?from={day()}&to={day()}&by=agent")
    assert response.status_code == 200
    report = response.get_json()
    assert report["by"] == "agent" and set(report["period"]) == {"start", "end"}
    rows = {row["key"]["name"]: row for row in report["rows"]}
    assert set(rows) == {"Anna", "Boris"}
    assert rows["Anna"]["received"] == 1 and rows["Anna"]["resolved"] == 1
    assert rows["Anna"]["resolve_p50"] is not None and rows["Boris"]["resolve_p50"] is None
    assert rows["Boris"]["open_at_end"] == 1 and rows["Anna"]["open_at_end"] == 0
    assert set(rows["Boris"]["time_in_category"]) == {"new", "active", "postponed"}
    assert report["total"]["received"] == 2 and "key" not in report["total"]
    by_chat = team["lead"].client.get(f"/api/reports?from={day()}&by=chat").get_json()
    assert [row["key"]["name"] for row in by_chat["rows"]] == [FORMULA]


def test_every_number_opens_its_tasks(app, team):
    lead = team["lead"]
    anna_id = team["anna"].user.id
    url = f"/api/reports/tasks?from={day()}&to={day()}&by=agent&key={anna_id}&metric=resolved"
    tasks = lead.client.get(url).get_json()["tasks"]
    assert [task["title"] for task in tasks] == [FORMULA]
    assert tasks[0]["seconds"] is not None
    everyone = lead.client.get(f"/api/reports/tasks?from={day()}&metric=received").get_json()
    assert len(everyone["tasks"]) == 2
    timed = lead.client.get(f"/api/reports/tasks?from={day()}&metric=time").get_json()["tasks"]
    assert len(timed) == 2
    assert all(type(task["seconds"]) is int and task["seconds"] > 0 for task in timed)


def test_the_tasks_behind_a_number_come_a_page_at_a_time(app, team):
    for n in range(3):
        make_task(app, team["boris"].user, f"Wi-Fi {n}")
    lead = team["lead"].client
    shown = lead.get(f"/api/reports?from={day()}&to={day()}").get_json()["total"]["received"]
    base = f"/api/reports/tasks?from={day()}&to={day()}&by=agent&key=all&metric=received"
    whole = lead.get(base).get_json()
    assert whole["total"] == len(whole["tasks"]) == shown == 5
    assert whole["next_offset"] is None and whole["limit"] == 200
    pages, offset = [], 0
    while offset is not None:
        page = lead.get(f"{base}&limit=2&offset={offset}").get_json()
        assert page["total"] == 5
        pages.append(page)
        offset = page["next_offset"]
    assert [len(page["tasks"]) for page in pages] == [2, 2, 1]
    assert [page["next_offset"] for page in pages] == [2, 4, None]
    assert [task for page in pages for task in page["tasks"]] == whole["tasks"]  # same order
    beyond = lead.get(f"{base}&offset=5").get_json()
    assert beyond["tasks"] == [] and beyond["total"] == 5 and beyond["next_offset"] is None
    # without ?limit=, the page is WESUP_REPORT_PAGE_SIZE tasks
    app.config["REPORT_PAGE_SIZE"] = 3
    first = lead.get(base).get_json()
    assert first["tasks"] == whole["tasks"][:3] and first["next_offset"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("offset=9999999999", "offset"),
        ("offset=first", "offset"),
    ],
)
def test_a_page_that_is_no_page_is_a_422(app, team, query, field):
    url = f"/api/reports/tasks?from={day()}&metric=received&{query}"
    response = team["lead"].client.get(url)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and set(error["fields"]) == {field}


def test_an_agent_reads_their_own_row_and_is_refused_anothers_tasks(app, team):
    anna = team["anna"]
    report = anna.client.get(f"/api/reports?from={day()}").get_json()
    assert [row["key"]["name"] for row in report["rows"]] == ["Anna"]
    assert report["total"]["received"] == 1
    boris_id = team["boris"].user.id
    refused = anna.client.get(f"/api/reports/tasks?from={day()}&key={boris_id}&metric=received")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    viewer = team["viewer"].client.get(f"/api/reports?from={day()}").get_json()
    assert {row["key"]["name"] for row in viewer["rows"]} == {"Anna", "Boris"}


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01",
        "from=yesterday",
        "from=2026-11-02&to=2026-11-01",
        "from=2024-01-01&to=2026-01-01",
        "by=person",
        "format=pdf",
        "shift=teatime",
        "start=2026-11-01T10:00",
        "start=2026-11-01T10:00&end=2026-11-01T09:00",
    ],
)
def test_parameters_that_make_no_report_are_a_400(app, team, query):
    response = team["lead"].client.get(f"/api/reports?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("query", ["metric=everything", "metric=received&key=abc", "key=1"])
def test_a_drill_down_that_names_no_number_is_a_400(app, team, query):
    response = team["lead"].client.get(f"/api/reports/tasks?{query}")
    assert response.status_code == 400


def test_nobody_signed_in_gets_no_report(client):
    assert client.get("/api/reports").status_code == 401


def test_a_shift_and_iso_moments_name_periods_too(app, team):
    lead = team["lead"].client
    by_shift = lead.get("/api/reports?shift=now").get_json()
    assert by_shift["total"]["received"] == 2
    by_day = lead.get(f"/api/reports?from={day()}").get_json()
    moments = lead.get(
        f"/api/reports?start={by_day['period']['start']}&end={by_day['period']['end']}".replace(
            "+", "%2B"
        )
    ).get_json()
    assert moments == by_day


def test_the_csv_reads_back_as_the_json_with_formulas_kept_as_text(app, team):
    lead = team["lead"].client
    report = lead.get(f"/api/reports?from={day()}&by=chat").get_json()
    response = lead.get(f"/api/reports?from={day()}&by=chat&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    status_ids = statuses_of(report)
    assert len(lines[0]) == 1 + len(COLUMNS) + 3 + len(status_ids)
    expected = [expected_line(row, status_ids) for row in [*report["rows"], report["total"]]]
    expected[0][0] = "'" + FORMULA  # a spreadsheet would run it: the apostrophe keeps it text
    assert lines[1:] == [["" if cell is None else str(cell) for cell in line] for line in expected]


def test_the_xlsx_reads_back_as_the_json_one_sheet_per_breakdown_and_the_tasks(app, team):
    lead = team["lead"].client
    response = lead.get(f"/api/reports?from={day()}&format=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["People", "Lines", "Chats", "Statuses", "Tasks"]
    for sheet, by in zip(book.worksheets[:4], ("agent", "group", "chat", "status"), strict=True):
        report = lead.get(f"/api/reports?from={day()}&by={by}").get_json()
        rows = [list(line) for line in sheet.iter_rows(min_row=2, values_only=True)]
        status_ids = statuses_of(report)
        assert rows == [
            expected_line(row, status_ids) for row in [*report["rows"], report["total"]]
        ]
    chats = book["Chats"]
    assert chats.cell(row=2, column=1).value == FORMULA
    assert chats.cell(row=2, column=1).data_type == "s"  # a string, never a formula
    tasks = book["Tasks"]
    titles = {row[1]: row for row in tasks.iter_rows(min_row=2, values_only=True)}
    assert set(titles) == {FORMULA, "-1 printers"}
    assert titles[FORMULA][2] == FORMULA
    for row in tasks.iter_rows(min_row=2):
        assert row[1].data_type == "s"


def test_the_report_command_prints_text_csv_and_writes_xlsx(app, team, tmp_path):
    runner = app.test_cli_runner()
    text = runner.invoke(args=["report", "--from", day(), "--to", day()])
    assert text.exit_code == 0, text.output
    assert "Anna" in text.output and "Boris" in text.output
    as_csv = runner.invoke(args=["report", "--from", day(), "--format", "csv", "--by", "chat"])
    assert as_csv.exit_code == 0
    lines = list(csv.reader(io.StringIO(as_csv.stdout_bytes.decode("utf-8-sig"))))
    assert lines[1][0] == "'" + FORMULA
    refused = runner.invoke(args=["report", "--from", day(), "--format", "xlsx"])
    assert refused.exit_code != 0 and "--output" in refused.output
    target = tmp_path / "report.xlsx"
    written = runner.invoke(
        args=["report", "--from", day(), "--format", "xlsx", "--output", str(target)]
    )
    assert written.exit_code == 0
    assert len(openpyxl.load_workbook(target).sheetnames) == 5
    bad = runner.invoke(args=["report", "--from", "someday"])
    assert bad.exit_code == 2 and "from:" in bad.output
    rebuilt = runner.invoke(args=["report-rebuild"])
    assert rebuilt.exit_code == 0 and "2 tasks" in rebuilt.output
