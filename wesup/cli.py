"""Command line for scripts: flask --app wesup user create|list, backup, report,
report-rebuild, and first-run set-up."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from wesup import users
from wesup.backup import BackupRefused, backup_sqlite, pg_dump_advice, sqlite_file
from wesup.directories.service import seed_defaults
from wesup.enums import ReportBreakdown, Role
from wesup.errors import ServiceError
from wesup.extensions import db
from wesup.models import User
from wesup.reports import exports, history
from wesup.reports import service as reports
from wesup.timeutil import parse_period

user_cli = AppGroup("user", help="Manage people.")


@user_cli.command("create")
@click.argument("login")
@click.option("--name", required=True, help="Full name shown on the board.")
@click.option("--role", type=click.Choice(users.ROLES), default="agent", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(login: str, name: str, role: str, password_stdin: bool) -> None:
    """Create a person; the password comes from stdin (never from the command line)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create_user(
            None, {"login": login, "name": name, "role": role, "password": password}
        )
    except ServiceError as exc:
        details = "; ".join(f"{field}: {text}" for field, text in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc
    click.echo(f"created {user.login} ({user.role}), id {user.id}")


@user_cli.command("list")
def list_users() -> None:
    """One line a person: id, login, role, active, name."""
    for user in users.all_users():
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id}\t{user.login}\t{user.role}\t{state}\t{user.name}")


@click.command("seed")
def seed() -> None:
    """Create the default statuses when none exist (run.py does this on start)."""
    created = seed_defaults(current_app.config["DEFAULT_LOCALE"])
    click.echo("default statuses created" if created else "statuses already present")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE when it exists.")
@with_appcontext
def backup(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE, safely while the server runs (on PostgreSQL: says
    which pg_dump line to run instead)."""
    source = sqlite_file(db.engine.url)
    if source is None:
        raise click.ClickException(pg_dump_advice(db.engine.url, file))
    try:
        pages = backup_sqlite(source, file, force=force)
    except BackupRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {source} to {file} ({pages} pages, integrity ok)")


@click.command("report")
@click.option("--from", "first", required=True, help="First team day, YYYY-MM-DD.")
@click.option("--to", "last", help="Last team day, YYYY-MM-DD (default: the first).")
@click.option(
    "--by",
    type=click.Choice([kind.value for kind in ReportBreakdown]),
    default=ReportBreakdown.AGENT.value,
    show_default=True,
    help="Rows of the text and CSV report (XLSX has a sheet for each).",
)
@click.option(
    "--format",
    "chosen",
    type=click.Choice(["text", "csv", "xlsx"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output (required for xlsx).",
)
@with_appcontext
def report(first: str, last: str | None, by: str, chosen: str, output: Path | None) -> None:
    """The team's report of a period of team days (the numbers of GET /api/reports)."""
    if chosen == "xlsx" and output is None:
        raise click.UsageError("XLSX is a binary file: give --output FILE.")
    try:
        period = parse_period(first, last)
    except ServiceError as exc:
        details = "; ".join(f"{field}: {text}" for field, text in exc.fields.items())
        raise click.UsageError(f"{exc.message} {details}".strip()) from exc
    reader = User(login="cli", name="cli", role=Role.ADMIN)  # the operator reads everyone's
    if chosen == "xlsx":
        body, _mimetype, _name = exports.download(reader, period.start, period.end, by, "xlsx")
    else:
        numbers = reports.build_report(reader, period.start, period.end, by)
        body = exports.to_csv(numbers) if chosen == "csv" else exports.to_text(numbers).encode()
    db.session.rollback()  # the reader is nobody: never let it be flushed
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    output.write_bytes(body)
    click.echo(f"wrote {output} ({len(body)} bytes)", err=True)


@click.command("report-rebuild")
@with_appcontext
def report_rebuild() -> None:
    """Re-derive the reports' spans and moments of every task from the event log."""
    count = history.rebuild()
    click.echo(f"rebuilt the report history of {count} tasks")


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(seed)
    app.cli.add_command(backup)
    app.cli.add_command(report)
    app.cli.add_command(report_rebuild)
