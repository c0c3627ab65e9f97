"""The JSON API under /api: used by the pages themselves and by bots with an API token.

A signed-in person may call every route their role allows (with the X-CSRFToken header on
unsafe ones); a token only the routes marked `@takes_token(scope)` for a scope it holds
(wesup/bearer.py). Every route is described in wesup/api/openapi.py, served at
/api/openapi.json; tests/test_openapi.py fails for a route left undescribed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import login_required

from wesup import apilimits, validate
from wesup.errors import ServiceError

bp = Blueprint("api", __name__, url_prefix="/api")
apilimits.init_blueprint(bp)  # TOKEN_LIMIT for every token request; 429 as JSON


@bp.before_request
@login_required
def require_login() -> None:
    """Every API call needs a signed-in session or an API token (401 JSON otherwise)."""


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


def json_body() -> dict[str, Any]:
    """The request's JSON object; anything else is a 400 that changes nothing."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the decoder goes: not silenced by `silent`
        data = None
    if not isinstance(data, dict):
        raise BadRequest(_("Send a JSON object with Content-Type: application/json."))
    return data


def id_arg(name: str) -> int | None:
    """An optional numeric filter from the query string; a bad one is a 400."""
    errors: dict[str, str] = {}
    value = validate.integer(request.args, name, errors)
    if errors:
        raise BadRequest(_("A filter in the query is not valid."), errors)
    return value


from wesup.api import (  # noqa: E402, F401 - routes register on bp
    announcements,
    directories,
    handovers,
    incidents,
    openapi,
    reports,
    tasks,
    tokens,
)
