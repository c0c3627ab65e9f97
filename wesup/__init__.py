"""WeSup: a real-time task board for a technical-support team."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from wesup import (  # noqa: F401 - they register
    apilimits,
    auth,
    bearer,
    cli,
    errorpages,
    i18n,
    models,
    notify,
    security,
    socketguard,
    sockets,
    vendor,
)
from wesup.admin import bp as admin_bp
from wesup.announcements import bp as announcements_bp
from wesup.api import bp as api_bp
from wesup.bell import redis_channel
from wesup.config import configure, serving_async_mode
from wesup.directories import bp as directories_bp
from wesup.enums import js_enums
from wesup.extensions import csrf, db, limiter, live_state, login_manager, migrate, socketio
from wesup.incidents import bp as incidents_bp
from wesup.names import holds_folded
from wesup.reports.views import bp as reports_bp
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
    app.before_request(errorpages.refuse_undecodable_query)  # first: other hooks read the query
    security.init_app(app)  # before csrf: its size check runs before CSRF reads a body
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    bearer.init_app(app)  # before csrf and limiter: a bot's token is known before either runs
    csrf.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    queue = app.config["MESSAGE_QUEUE"]
    socketio.init_app(
        app,
        async_mode=serving_async_mode(app.config["ASYNC_MODE"]),
        message_queue=queue,
        # Pub/sub channels ignore Redis database numbers: one per number keeps installations
        # (and test runs) that share a Redis apart.
        channel=redis_channel(queue, "flask-socketio"),
        ping_interval=app.config["PING_INTERVAL"],
        ping_timeout=app.config["PING_TIMEOUT"],
        cors_allowed_origins=None,  # same origin only
        manage_session=False,  # the socket shares the Flask-Login cookie session
    )
    _trust_proxies(app)
    socketguard.init_app(app, socketio.server)
    live_state.init_app(app)
    notify.init_app(app)
    _enable_sqlite_wal(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(directories_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(announcements_bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(wall_bp)
    app.register_blueprint(incidents_bp)
    app.register_blueprint(reports_bp)
    errorpages.init_app(app)
    apilimits.init_app(app)
    cli.init_app(app)
    app.jinja_env.globals["js_enums"] = js_enums()  # templates/_enums.html hands them to the JS
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies (nginx: 1), take the client's address, scheme, host and
    path prefix from their X-Forwarded-* headers; with 0, nobody's headers are believed.
    Wraps the Socket.IO middleware too, so that sockets see the same."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def _enable_sqlite_wal(app: Flask) -> None:
    """WAL lets the board read while an agent writes; a busy timeout rides out short locks."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    # Checked against config.SQLITE_SYNCHRONOUS_LEVELS at start-up. With WAL, NORMAL never
    # corrupts the database but may lose the last commits on a power cut (it skips an fsync
    # per commit); FULL loses none.
    synchronous = app.config["SQLITE_SYNCHRONOUS"]
    with app.app_context():

        @sa.event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            # Search folds case in every alphabet (SQLite's lower() and LIKE know ASCII only).
            dbapi_connection.create_function("wesup_holds", 2, holds_folded, deterministic=True)
