"""Signing in and out, the first-run setup link, and the language choice."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user, user_logged_in

from wesup import users
from wesup.errorpages import json_error, wants_json
from wesup.errors import ServiceError
from wesup.extensions import db, login_manager
from wesup.models import User

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person of "<id>:<stamp>"; None for an unknown or malformed id, or a stamp from
    before a password reset. Never an exception."""
    user_id, _sep, stamp = str(session_id).partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError, OverflowError):
        return None
    if user is None or not hmac.compare_digest(user.session_stamp, stamp):
        return None
    return user


@user_logged_in.connect
def log_sign_in(app: Flask, user: User, **_extra: object) -> None:
    """Who signed in, from which address, over which scheme. Behind a proxy these are the
    client's only when WESUP_TRUSTED_PROXIES says how many proxies to believe."""
    app.logger.info("%s signed in from %s over %s", user.login, request.remote_addr, request.scheme)


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    if wants_json():
        return json_error(401, _("Sign in first."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: '/tasks' yes; 'https://evil', '//evil' and '/\\evil' no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 0x20 or char == "\x7f" for char in target):
        return None  # browsers drop tabs and newlines ("/\t/evil"); a header cannot hold them
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if not users.has_users():
        return render_template("auth/first_run.html")
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("tasks.mine"))
    error = None
    if request.method == "POST":
        user = users.authenticate(request.form.get("login", ""), request.form.get("password", ""))
        if user is None:
            error = _("Wrong login or password, or the account is deactivated.")
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(next_url or url_for("tasks.mine"))
    return render_template(
        "auth/login.html", error=error, next=next_url, login=request.form.get("login", "")
    ), (401 if error else 200)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> ResponseReturnValue:
    """The one-time link printed at start-up: creates the first admin, then stops working."""
    token = request.values.get("token")
    if not users.check_setup_token(token):
        return render_template("auth/first_run.html", invalid_link=True), 404
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            admin = users.create_first_admin(token, request.form.to_dict())
        except ServiceError as exc:
            errors = exc.fields or {"login": exc.message}
        else:
            login_user(admin)
            flash(_("Welcome! Add your team and the chats requests come from."))
            return redirect(url_for("admin.users"))
    return render_template("auth/setup.html", token=token, errors=errors, form=request.form)


@bp.post("/language")
@login_required
def language() -> ResponseReturnValue:
    users.set_locale(current_user, request.form.get("locale") or None)
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.mine"))


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("tasks.mine"))
