"""A report as a file: CSV (UTF-8 with a BOM, so Excel reads Cyrillic; text cells that a
spreadsheet would run as a formula are escaped), XLSX (one sheet per breakdown and one with
the tasks; every piece of user text written as a string) and plain text for the terminal.

Each is the JSON of build_report laid out as a table: the same numbers, seconds as whole
numbers, one column per status for the time in it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import xlsxwriter
from flask_babel import gettext as _

from wesup.enums import ReportBreakdown
from wesup.extensions import db
from wesup.models import Status, User
from wesup.reports import service
from wesup.timeutil import format_duration, to_team_time

FORMATS = ("json", "csv", "xlsx")
# What a spreadsheet may take for a formula at the start of a cell (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CATEGORIES = ("new", "active", "postponed")


def file_format(raw: str | None) -> str:
    chosen = raw or "json"
    if chosen not in FORMATS:
        raise service.BadReportRequest(
            _("Choose a file format."),
            {"format": _("One of: %(choices)s.", choices="json, csv, xlsx")},
        )
    return chosen


def escape_formula(text: str) -> str:
    """A cell that would start a formula gets a leading apostrophe, so it stays text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _counter_labels() -> dict[str, str]:
    return {
        "received": _("Received"),
        "resolved": _("Resolved"),
        "open_at_end": _("Open at the end"),
        "postponed": _("Postponed"),
        "handed_over": _("Handed over"),
        "received_by_handover": _("Received by handover"),
        "transferred": _("Transferred"),
        "escalated": _("Escalated"),
        "reopened": _("Reopened"),
        "first_action_p50": _("First action, median (s)"),
        "first_action_p90": _("First action, p90 (s)"),
        "resolve_p50": _("Time to resolve, median (s)"),
        "resolve_p90": _("Time to resolve, p90 (s)"),
        "time_credited": _("Working time (s)"),
    }


def _category_labels() -> dict[str, str]:
    return {
        "new": _("In new (s)"),
        "active": _("In active (s)"),
        "postponed": _("In postponed (s)"),
    }


def breakdown_label(kind: str) -> str:
    return {
        ReportBreakdown.AGENT: _("Person"),
        ReportBreakdown.GROUP: _("Line"),
        ReportBreakdown.CHAT: _("Chat"),
        ReportBreakdown.STATUS: _("Status"),
    }[ReportBreakdown(kind)]


def sheet_label(kind: str) -> str:
    return {
        ReportBreakdown.AGENT: _("People"),
        ReportBreakdown.GROUP: _("Lines"),
        ReportBreakdown.CHAT: _("Chats"),
        ReportBreakdown.STATUS: _("Statuses"),
    }[ReportBreakdown(kind)]


def table(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report's header and rows (the total last): the first cell is the row's name, then
    the counters, the medians and p90s, the working time, the time in each category and in
    each status (one column per status that has time)."""
    counters = _counter_labels()
    categories = _category_labels()
    every = [*report["rows"], report["total"]]
    status_ids = sorted({int(key) for row in every for key in row["time_in_status"]})
    statuses = _status_names(status_ids)
    header = [
        breakdown_label(report["by"]),
        *counters.values(),
        *categories.values(),
        *(_("In «%(status)s» (s)", status=statuses[status_id]) for status_id in status_ids),
    ]
    lines = []
    for row in every:
        name = row["key"]["name"] if "key" in row else _("Total")
        lines.append(
            [
                name,
                *(row[field] for field in counters),
                *(row["time_in_category"].get(category, 0) for category in categories),
                *(row["time_in_status"].get(str(status_id), 0) for status_id in status_ids),
            ]
        )
    return header, lines


def _status_names(ids: Sequence[int]) -> dict[int, str]:
    query = sa.select(Status.id, Status.name).where(Status.id.in_(ids))
    found = {row.id: row.name for row in db.session.execute(query)}
    return {status_id: found.get(status_id, f"#{status_id}") for status_id in ids}


def to_csv(report: dict[str, Any]) -> bytes:
    """UTF-8 with a BOM (Excel reads it as UTF-8), comma-separated, CRLF lines."""
    header, lines = table(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([escape_formula(cell) for cell in header])
    for line in lines:
        writer.writerow([_csv_cell(cell) for cell in line])
    return ("\ufeff" + out.getvalue()).encode()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return escape_formula(value) if isinstance(value, str) else value


def task_table(tasks: Iterable[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The tasks sheet: one task a line."""
    header = [
        _("Task"),
        _("Title"),
        _("Chat"),
        _("Status"),
        _("Owner"),
        _("Line"),
        _("Received"),
        _("Resolved"),
        _("Last comment"),
    ]
    lines = [
        [
            task["id"],
            task["title"],
            (task["chat"] or {}).get("name"),
            task["status"]["name"],
            (task["agent"] or {}).get("name"),
            (task["group"] or {}).get("name"),
            _local(task["received_at"]),
            _local(task["resolved_at"]),
            task["last_comment"],
        ]
        for task in tasks
    ]
    return header, lines


def _local(moment: str | None) -> str | None:
    """A moment on the team's clock, as a spreadsheet shows it."""
    if moment is None:
        return None
    local = to_team_time(datetime.fromisoformat(moment))
    return local.strftime("%Y-%m-%d %H:%M") if local else None


def to_xlsx(reports: Sequence[dict[str, Any]], tasks: Sequence[dict[str, Any]]) -> bytes:
    """One sheet per breakdown, then the tasks; text through write_string (never a formula),
    numbers through write_number. Row by row (constant_memory, each row flushed to a temporary
    file as the next begins): a year's task list is 100,000 rows, which XlsxWriter would
    otherwise hold as cell objects (about 190 MiB at once; docs/PERFORMANCE.md)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    bold = book.add_format({"bold": True})
    for report in reports:
        _sheet(book, sheet_label(report["by"]), *table(report), bold)
    _sheet(book, _("Tasks"), *task_table(tasks), bold)
    book.close()
    return out.getvalue()


def _sheet(book: Any, name: str, header: list[str], lines: list[list[Any]], bold: Any) -> None:
    sheet = book.add_worksheet(name[:31])
    for column, label in enumerate(header):
        sheet.write_string(0, column, label, bold)
    for row, line in enumerate(lines, start=1):
        for column, value in enumerate(line):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                sheet.write_string(row, column, str(value))
            else:
                sheet.write_number(row, column, value)
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 28)


def to_text(report: dict[str, Any]) -> str:
    """A plain table for a terminal: counts as numbers, times as durations."""
    header, lines = table(report)
    first = len(_counter_labels()) - 5  # the counters before the medians
    cells = [header] + [
        [str(line[0])]
        + [str(value) for value in line[1 : first + 1]]
        + [_duration(value) for value in line[first + 1 :]]
        for line in lines
    ]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    period = report["period"]
    title = f"{_('Report')} {period['start']} — {period['end']}"
    rendered = [title, ""]
    for row in cells:
        rendered.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return "\n".join(rendered) + "\n"


def _duration(value: Any) -> str:
    if value is None:
        return "—"
    return format_duration(value, days=_("d"), hours=_("h"), minutes=_("min"))


def download(
    actor: User, start: datetime, end: datetime, by: str, chosen: str
) -> tuple[bytes, str, str]:
    """(body, mimetype, file name) of the report as CSV (the `by` breakdown) or XLSX (every
    breakdown and the tasks)."""
    stamp = f"{to_team_time(start):%Y-%m-%d}"
    if chosen == "csv":
        body = to_csv(service.build_report(actor, start, end, by))
        return body, "text/csv; charset=utf-8", f"wesup-report-{stamp}-{by}.csv"
    reports = [service.build_report(actor, start, end, kind.value) for kind in ReportBreakdown]
    body = to_xlsx(reports, service.period_tasks(actor, start, end))
    return (
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"wesup-report-{stamp}.xlsx",
    )
