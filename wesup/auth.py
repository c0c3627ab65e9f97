"""Signing in and out, the first-run setup link, the language choice, and your own account
(/profile: password, language, notifications)."""

from __future__ import annotations

import hmac
import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user, user_logged_in

from wesup import loginlimits, users
from wesup.errorpages import json_error, wants_json
from wesup.errors import Forbidden, ServiceError, ValidationFailed
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


def _login_page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The sign-in form, refilled with the login typed and where to go next."""
    return render_template(
        "auth/login.html",
        error=error,
        next=safe_next(request.values.get("next")),
        login=request.form.get("login", ""),
    ), status


@bp.route("/login", methods=["GET", "POST"])
@loginlimits.per_address
@loginlimits.per_login
def login() -> ResponseReturnValue:
    if not users.has_users():
        return render_template("auth/first_run.html")
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("tasks.mine"))
    if request.method == "GET":
        return _login_page()
    user = users.authenticate(request.form.get("login", ""), request.form.get("password", ""))
    if user is None:
        return _login_page(_("Wrong login or password, or the account is deactivated."), 401)
    loginlimits.forgive_login()
    login_user(user, remember=bool(request.form.get("remember")))
    return redirect(next_url or url_for("tasks.mine"))


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error: RateLimitExceeded) -> ResponseReturnValue:
    """Over a sign-in limit: the form again (the sign-in form, or Your account's password
    form), saying when to retry, with Retry-After."""
    seconds = loginlimits.retry_after()
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "Too many sign-in attempts. Try again in %(num)d minute.",
        "Too many sign-in attempts. Try again in %(num)d minutes.",
        minutes,
    )
    asks_json = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if request.endpoint == "auth.change_password":
        message = ngettext(
            "Too many password attempts. Try again in %(num)d minute.",
            "Too many password attempts. Try again in %(num)d minutes.",
            minutes,
        )
        page = render_template("auth/profile.html", errors={}, message=message)
        response = make_response(page, 429)
    elif asks_json == "application/json":
        response = make_response(json_error(429, message))
    else:
        response = make_response(_login_page(message, 429))
    response.headers["Retry-After"] = str(seconds)
    return response


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
        except Forbidden:  # somebody else's setup got there first
            return render_template("auth/first_run.html", invalid_link=True), 404
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
    if request.form.get("saved"):
        flash(_("Language saved."))
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.mine"))


@bp.get("/profile")
@login_required
def profile() -> ResponseReturnValue:
    """Your account: password, language, and this browser's notifications and sound."""
    return render_template("auth/profile.html", errors={}, message=None)


@bp.post("/profile/password")
@login_required
@loginlimits.per_person
def change_password() -> ResponseReturnValue:
    """A new password given the current one: every other session ends, this one stays."""
    try:
        users.change_own_password(current_user, request.form.to_dict())
    except ValidationFailed as exc:
        return render_template("auth/profile.html", errors=exc.fields, message=exc.message), 422
    # This browser signs in again with the new stamp, keeping "remember me" if it had it.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(current_user._get_current_object(), remember=remembered)
    flash(_("Password changed. Every other session was signed out."))
    return redirect(url_for("auth.profile"), 303)


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("tasks.mine"))
