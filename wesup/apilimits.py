"""Limits of the JSON API: how often one token may call it, how often one person may announce.

- TOKEN_LIMIT (e.g. "120 per minute"): every request a token makes under /api counts
  against that token, whatever its address; people's own requests (the pages) are never
  counted. Applied to the whole API blueprint in `init_blueprint`.
- ANNOUNCE_LIMIT (e.g. "10 per hour"): announcements per person (or per token's integration),
  so a loop in a bot or a nervous hand cannot flood every chat. `per_announcer` decorates the
  route that sends one:

      @bp.post("/announcements")
      @takes_token(TokenScope.ANNOUNCE)
      @apilimits.per_announcer
      def create_announcement(): ...

  It keeps the per-token limit in force on that route too (override_defaults=False:
  Flask-Limiter otherwise drops a blueprint's limits on a route with limits of its own).

Over a limit the answer is 429 JSON, `{"error": {"code": "too_many_requests", …}}`, with
Retry-After in seconds. Counts live where the sign-in counts do (config.configure_limiter).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded, RouteLimit
from flask_login import current_user

from wesup.bearer import current_token
from wesup.errorpages import json_error, wants_json
from wesup.extensions import limiter
from wesup.loginlimits import retry_after


def token_key() -> str:
    token = current_token()
    return f"token:{token.id}" if token is not None else ""


def announcer_key() -> str:
    """The person (or the token's integration) sending the announcement."""
    return f"announcer:{current_user.id}" if current_user.is_authenticated else ""


per_token: RouteLimit = limiter.limit(
    lambda: current_app.config["TOKEN_LIMIT"],
    key_func=token_key,
    exempt_when=lambda: current_token() is None,
    scope="per-token",
)
per_announcer: RouteLimit = limiter.limit(
    lambda: current_app.config["ANNOUNCE_LIMIT"],
    key_func=announcer_key,
    methods=["POST"],
    scope="per-announcer",
    override_defaults=False,
)


def too_many_requests(_error: RateLimitExceeded) -> ResponseReturnValue:
    """429 saying when to try again (JSON under /api), with Retry-After. The sign-in form
    answers its own (auth.too_many_attempts)."""
    seconds = retry_after()
    message = ngettext(
        "Too many requests. Try again in %(num)d second.",
        "Too many requests. Try again in %(num)d seconds.",
        seconds,
    )
    if wants_json():
        response = make_response(json_error(429, message))
    else:
        response = make_response(render_template("error.html", status=429, message=message), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def init_blueprint(bp: Blueprint) -> None:
    """Count every token request to `bp`."""
    per_token(bp)


def init_app(app: Flask) -> None:
    """Every limit outside the sign-in form answers with `too_many_requests`."""
    app.register_error_handler(RateLimitExceeded, too_many_requests)
