"""Wall-board pages: /board, its data, the kiosk link that opens it, and the kiosk's fence.

A kiosk link (/board?kiosk=<secret>) turns this browser into a read-only wall screen: it
keeps only the kiosk's id in the session and redirects to /board, so the secret does not stay
in the address bar, the history or a screenshot. A browser signed in as a person is asked
first, and only the POST of that question signs the person out: a GET (a link or an image on
another site) never does. A kiosk session reaches /board, /board/data, static files and
/board/leave; everything else answers 403.
"""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from wesup import kiosk as kiosks
from wesup.errorpages import json_error, wants_json
from wesup.extensions import login_manager
from wesup.models import KioskToken
from wesup.wall import bp, service

THEMES = ("dark", "light")
KIOSK_ENDPOINTS = frozenset({"wall.board", "wall.data", "wall.leave", "static", "vendor.asset"})


@bp.before_app_request
def confine_kiosk() -> ResponseReturnValue | None:
    """A kiosk session sees the wall board and nothing else; a revoked one is nobody."""
    if session.get("kiosk_id") is None or request.endpoint in KIOSK_ENDPOINTS:
        return None
    if kiosks.current_kiosk() is None:
        session.pop("kiosk_id", None)  # revoked: from now on a plain anonymous visitor
        return None
    message = _("This screen was opened with a kiosk link: it shows the wall board only.")
    if wants_json():
        return json_error(403, message)
    return render_template("wall/refused.html", reason="kiosk_only", message=message), 403


def _theme() -> str:
    theme = request.args.get("theme")
    return theme if theme in THEMES else "dark"


def _refused(reason: str, status: int) -> ResponseReturnValue:
    messages = {
        "invalid": _("This kiosk link is not valid. Ask an admin for a new one."),
        "revoked": _("This kiosk link has been revoked. Ask an admin for a new one."),
    }
    return render_template("wall/refused.html", reason=reason, message=messages[reason]), status


def _viewer(*, forget_revoked: bool) -> KioskToken | str | None:
    """The kiosk or person looking, "revoked" for a dead kiosk session, None for nobody.

    The page forgets a revoked kiosk once it has said so; the data endpoint leaves that to
    the page, so a TV that finds out through its data shows why it stopped.
    """
    if session.get("kiosk_id") is not None:
        kiosk = kiosks.current_kiosk()
        if kiosk is not None:
            if current_user.is_authenticated:
                logout_user()  # a kiosk screen is never also somebody's session
            return kiosk
        if forget_revoked:
            session.pop("kiosk_id", None)
        return "revoked"
    if current_user.is_authenticated:
        return "person"
    return None


def _kept_secret(response: ResponseReturnValue) -> Response:
    """An answer about a secret in the address: not stored, not passed on as a referrer."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_kiosk(secret: str | None) -> KioskToken | ResponseReturnValue:
    """The active kiosk a secret opens, or the page that says why not."""
    kiosk = kiosks.find_by_secret(secret)
    if kiosk is None:
        return _refused("invalid", 404)
    if not kiosk.is_active:
        return _refused("revoked", 403)
    return kiosk


def _become_kiosk(kiosk: KioskToken, theme: str | None) -> Response:
    """Sign out whoever is signed in, remember the kiosk, go to the board."""
    if current_user.is_authenticated:
        logout_user()
    session["kiosk_id"] = kiosk.id
    session.permanent = True  # the TV keeps its board across browser restarts
    return _kept_secret(redirect(url_for("wall.board", theme=theme if theme in THEMES else None)))


def _open_kiosk_link(secret: str) -> ResponseReturnValue:
    kiosk = _link_kiosk(secret)
    if not isinstance(kiosk, KioskToken):
        return kiosk
    if current_user.is_authenticated:  # ask before signing anybody out
        return _kept_secret(
            render_template(
                "wall/switch.html", kiosk=kiosk, secret=secret, theme=request.args.get("theme")
            )
        )
    return _become_kiosk(kiosk, request.args.get("theme"))


@bp.post("/kiosk")
def switch_to_kiosk() -> ResponseReturnValue:
    """The signed-in person said yes: this browser becomes the kiosk's wall screen."""
    kiosk = _link_kiosk(request.form.get("kiosk"))
    if not isinstance(kiosk, KioskToken):
        return kiosk
    return _become_kiosk(kiosk, request.form.get("theme"))


@bp.get("")
def board() -> ResponseReturnValue:
    """The TV page; its live data comes from /board/data and the socket."""
    secret = request.args.get("kiosk")
    if secret is not None:
        return _open_kiosk_link(secret)
    viewer = _viewer(forget_revoked=True)
    if viewer is None:
        return login_manager.unauthorized()
    if viewer == "revoked":
        return _refused("revoked", 403)
    return render_template(
        "wall/board.html",
        snapshot=service.snapshot(),
        theme=_theme(),
        kiosk=isinstance(viewer, KioskToken),
        warn_minutes=current_app.config["AGE_WARN_MINUTES"],
        alert_minutes=current_app.config["AGE_ALERT_MINUTES"],
        handover_alert_minutes=current_app.config["HANDOVER_ALERT_MINUTES"],
        page_seconds=current_app.config["WALL_PAGE_SECONDS"],
        offline_alarm_seconds=current_app.config["WALL_OFFLINE_ALARM_SECONDS"],
    )


@bp.get("/data")
def data() -> ResponseReturnValue:
    """The wall board's snapshot as JSON: lanes, who is online, and its seq."""
    viewer = _viewer(forget_revoked=False)
    if viewer is None:
        return json_error(401, _("Sign in first."))
    if viewer == "revoked":
        return json_error(403, _("This kiosk link has been revoked. Ask an admin for a new one."))
    response = jsonify(service.snapshot())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/leave")
def leave() -> ResponseReturnValue:
    """Turn a kiosk screen back into an ordinary browser (it may then sign in)."""
    session.pop("kiosk_id", None)
    return redirect(url_for("auth.login"))
