"""Command line for scripts: flask --app wesup user create|list, backup, and first-run set-up."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from wesup import users
from wesup.backup import BackupRefused, backup_sqlite, pg_dump_advice, sqlite_file
from wesup.directories.service import seed_defaults
from wesup.errors import ServiceError
from wesup.extensions import db

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


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(seed)
    app.cli.add_command(backup)
