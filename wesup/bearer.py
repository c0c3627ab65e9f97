"""`Authorization: Bearer <token>` on /api: a bot's request, authenticated as its token only.

A request under /api that carries a Bearer header is a bot's, whatever else it carries:

- its cookies play no part: the session is opened empty and never saved
  (`BearerAwareSessions`), and Flask-Login's user is set from the token before anything asks
  for it, so neither the session nor a remember-me cookie can sign the request in. A page
  that adds a Bearer header to a cookie-authenticated request therefore gets no cookie
  identity to smuggle an unsafe request past CSRF with;
- an unknown, malformed, revoked or expired token is a 401 at once (JSON,
  `WWW-Authenticate: Bearer`; apitokens.token_in_force says why);
- the route must take tokens and the token must hold the scope the route names
  (`takes_token`), else a 403;
- it needs no CSRF token: CSRF protects cookies, and a bearer request has none in play.
  Every other unsafe request is checked as before (`protect_unless_bearer`, in place of
  Flask-WTF's own hook: WTF_CSRF_CHECK_DEFAULT is off, config.py).

Sockets and pages take no tokens: outside /api the header is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask.wrappers import Request, Response
from flask_babel import gettext as _

from wesup import apitokens
from wesup.enums import TokenScope
from wesup.errorpages import json_error
from wesup.errors import Unauthorized
from wesup.extensions import csrf
from wesup.models import ApiToken

F = TypeVar("F", bound=Callable[..., Any])
SCOPE_ATTRIBUTE = "token_scope"
ANY_SCOPE = "any"  # a route any valid token may call (the API's description)


def takes_token(scope: TokenScope | str) -> Callable[[F], F]:
    """Mark an /api view as open to tokens holding `scope` (or ANY_SCOPE). Views without the
    mark are for signed-in people only: a token gets 403 there."""

    def mark(view: F) -> F:
        setattr(view, SCOPE_ATTRIBUTE, str(scope))
        return view

    return mark


def scope_of(view: Callable[..., Any] | None) -> str | None:
    """The scope a view asks of a token; None when it takes no tokens."""
    return getattr(view, SCOPE_ATTRIBUTE, None)


def bearer_secret(req: Request) -> str | None:
    """The token of an /api request's `Authorization: Bearer …` header; None for a request
    without one (or outside /api, where tokens are not taken). An empty token is "" (401)."""
    if not (req.path == "/api" or req.path.startswith("/api/")):
        return None
    scheme, _sep, value = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


class BearerAwareSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a bearer request gets an empty session
    that is never saved: its cookie is not read, and it sets none."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if bearer_secret(request) is not None:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if bearer_secret(request) is not None:
            return
        super().save_session(app, session, response)


def current_token() -> ApiToken | None:
    """The token this request came with, once authenticated; None for a person's request."""
    return g.get("api_token")


def _refused(status: int, message: str) -> Response:
    response = current_app.make_response(json_error(status, message))
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wesup"'
    return response


def authenticate() -> ResponseReturnValue | None:
    """A bearer request signs in as its token's integration, or is refused (401/403)."""
    secret = bearer_secret(request)
    if secret is None:
        return None
    try:
        token = apitokens.active_token(secret)
    except Unauthorized as refused:
        return _refused(401, refused.message)
    g.api_token = token
    g._login_user = token.user  # Flask-Login's current user, so no cookie is ever asked
    if request.url_rule is None:
        return None  # 404 or 405, answered as for anybody
    scope = scope_of(current_app.view_functions.get(request.endpoint or ""))
    if scope is None:
        return _refused(403, _("API tokens cannot use this address; sign in instead."))
    if scope != ANY_SCOPE and scope not in token.scope_list:
        return _refused(403, _("This API token lacks the scope %(scope)s.", scope=scope))
    apitokens.mark_used(token)
    return None


def protect_unless_bearer() -> None:
    """Flask-WTF's CSRF check, for every request but an authenticated bearer one."""
    if not current_app.config["WTF_CSRF_ENABLED"] or current_token() is not None:
        return
    csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """Call before csrf.init_app and limiter.init_app: the token is known before the CSRF
    check and the per-token limit run."""
    app.session_interface = BearerAwareSessions()
    app.before_request(authenticate)
    app.before_request(protect_unless_bearer)
