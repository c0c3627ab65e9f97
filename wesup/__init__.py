"""WeSup: a real-time task board for a technical-support team."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from wesup import (  # noqa: F401 - they register
    auth,
    cli,
    errorpages,
    i18n,
    models,
    security,
    socketguard,
    sockets,
    vendor,
)
from wesup.admin import bp as admin_bp
from wesup.api import bp as api_bp
from wesup.config import configure, serving_async_mode
from wesup.directories import bp as directories_bp
from wesup.enums import js_enums
from wesup.extensions import csrf, db, live_state, login_manager, migrate, socketio
from wesup.tasks import bp as tasks_bp
from wesup.validate import RowIdConverter
from wesup.wall import bp as wall_bp


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, instance/config.py, WESUP_* variables, then `config`."""
    # WESUP_INSTANCE_PATH moves runtime files (SQLite, secret, setup token) out of the checkout.
    instance_path = os.environ.get("WESUP_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = RowIdConverter  # before any route: ids beyond a row's are 404

    configure(app, config)
    security.init_app(app)  # first: its size check runs before CSRF reads a body
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    socketio.init_app(
        app,
        async_mode=serving_async_mode(app.config["ASYNC_MODE"]),
        message_queue=app.config["MESSAGE_QUEUE"],
        ping_interval=app.config["PING_INTERVAL"],
        ping_timeout=app.config["PING_TIMEOUT"],
        cors_allowed_origins=None,  # same origin only
        manage_session=False,  # the socket shares the Flask-Login cookie session
    )
    socketguard.init_app(app, socketio.server)
    live_state.init_app(app)
    _enable_sqlite_wal(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(directories_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(wall_bp)
    errorpages.init_app(app)
    cli.init_app(app)
    app.jinja_env.globals["js_enums"] = js_enums()  # templates/_enums.html hands them to the JS
    return app


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def _enable_sqlite_wal(app: Flask) -> None:
    """WAL lets the board read while an agent writes; a busy timeout rides out short locks."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():

        @sa.event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL still never corrupts the database; it skips an fsync per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
