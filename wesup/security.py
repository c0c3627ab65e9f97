"""What every answer tells the browser about itself, and how big a request may be.

One after_request hook sets the headers of every Flask response (pages, the API, errors,
static files): a Content-Security-Policy without inline scripts or styles, no framing except
the wall board by the origins of FRAME_ANCESTORS, nosniff, Referrer-Policy, and HSTS when
HTTPS is on. A request body over MAX_CONTENT_LENGTH is refused (413) before anything parses
it. The CSRF token's secret is renewed at every sign-in and sign-out, so a token taken from a
page dies with the sign-in it was issued under (its age limit is set in wesup/config.py).

Engine.IO's own answers under /socket.io/ never reach Flask and carry none of these headers;
they are not pages.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, current_app, g, request, session
from flask.typing import ResponseReturnValue
from flask_login import user_logged_in, user_logged_out
from werkzeug.wrappers import Response

FRAMED_ENDPOINTS = frozenset({"wall.board"})  # the wall board may be shown in a dashboard
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours
CSRF_FIELD = "csrf_token"  # Flask-WTF keeps the token's secret under this name
# An origin as frame-ancestors takes it: scheme://host[:port], the host maybe "*.example.com".
ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")
# A Host header fit to be repeated in the policy (anything else is left out).
HOST = re.compile(r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")


def frame_ancestors(setting: str) -> list[str]:
    """The origins of FRAME_ANCESTORS; a malformed one stops the start with a clear error
    (it would otherwise be pasted into the policy)."""
    origins = setting.split()
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise ValueError(
                f"WESUP_FRAME_ANCESTORS: {origin!r} is not an origin like https://tv.example.com"
            )
    return origins


def content_security_policy(framers: list[str], socket_origin: str | None) -> str:
    """The policy: this origin's own files only, no inline script or style, no plugins, no
    foreign form targets; `framers` may frame the page ('none' when empty)."""
    # 'self' covers same-origin WebSockets in CSP level 3; older Safari wants ws(s):// spelled.
    connect = "'self'" + (f" {socket_origin}" if socket_origin else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",  # the tab icon is a data: SVG
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors " + (" ".join(framers) if framers else "'none'"),
        ]
    )


def _socket_origin() -> str | None:
    """ws://host or wss://host of this request, for browsers whose 'self' is http(s) only."""
    if not HOST.fullmatch(request.host):
        return None
    secure = request.is_secure or current_app.config["HTTPS"]
    return f"{'wss' if secure else 'ws'}://{request.host}"


def _set_headers(response: Response) -> Response:
    """The same headers on every response; a view's own stricter choice is kept."""
    framers: list[str] = []
    if request.endpoint in FRAMED_ENDPOINTS:
        framers = current_app.extensions["wesup.frame_ancestors"]
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(framers, _socket_origin())
    if not framers:  # old browsers know no frame-ancestors; DENY cannot name origins
        headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")  # the kiosk redirect keeps no-referrer
    if current_app.config["HTTPS"]:
        headers["Strict-Transport-Security"] = HSTS
    return response


def _refuse_large_bodies() -> ResponseReturnValue | None:
    """A body over MAX_CONTENT_LENGTH is refused (413) before CSRF or a view parses it.

    A declared length is checked before a byte is read. A chunked body declares none: it is
    read here up to the limit (Werkzeug reads no further), and one byte more means too large.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is None:
        return None
    if request.content_length is not None:
        if request.content_length > limit:
            abort(413)
    elif request.environ.get("wsgi.input_terminated"):
        request.get_data(cache=True)
        if request.environ["wsgi.input"].read(1):
            abort(413)
    return None


def _renew_csrf_secret(_app: Any, **_extra: Any) -> None:
    """A new sign-in (or sign-out) gets a new CSRF secret: tokens of the old one stop working."""
    session.pop(CSRF_FIELD, None)
    g.pop(CSRF_FIELD, None)


def init_app(app: Flask) -> None:
    """Call before csrf.init_app: the size check must run before CSRF reads the form."""
    app.extensions["wesup.frame_ancestors"] = frame_ancestors(app.config["FRAME_ANCESTORS"])
    app.before_request(_refuse_large_bodies)
    app.after_request(_set_headers)
    user_logged_in.connect(_renew_csrf_secret, app)
    user_logged_out.connect(_renew_csrf_secret, app)
