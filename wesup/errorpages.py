"""Turn errors into answers: JSON under /api, a page elsewhere, never a traceback."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

from wesup.errors import ServiceError
from wesup.extensions import db

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def json_error(
    status: int, message: str, code: str | None = None, fields: dict | None = None
) -> ResponseReturnValue:
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }
    return jsonify(body), status


def service_error_response(error: ServiceError) -> ResponseReturnValue:
    """JSON for the API; the conflict carries the current task so the client can show it."""
    body = error.to_dict()
    if "current" in error.extra:
        body["current"] = error.extra["current"]
    return jsonify(body), error.status


def refuse_undecodable_query() -> None:
    """A query string that is not UTF-8 (`/login?next=/\\xff`) is a 400, before anything reads
    it: Werkzeug decodes it strictly when request.args or request.full_path is first used, and
    the UnicodeDecodeError would be a 500, even on the error page (its language form carries
    full_path). Registered first, ahead of the CSRF check and every blueprint's hooks."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError:
        request.query_string = b""  # so that the error page can still be drawn
        raise BadRequest(_("The address is not valid UTF-8. Check the link.")) from None


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def on_service_error(error: ServiceError) -> ResponseReturnValue:
        if wants_json():
            return service_error_response(error)
        return render_template("error.html", status=error.status, message=error.message), (
            error.status
        )

    @app.errorhandler(CSRFError)
    def on_csrf_error(error: CSRFError) -> ResponseReturnValue:
        message = _("The form has expired or the CSRF token is missing. Reload and try again.")
        if wants_json():
            return json_error(400, message, "csrf_failed")
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if wants_json():
            return json_error(status, error.description or error.name)
        return render_template("error.html", status=status, message=error.description), status

    @app.errorhandler(sa.exc.IntegrityError)
    def on_conflicting_write(error: sa.exc.IntegrityError) -> ResponseReturnValue:
        """A write the database refused because another request changed the same rows at the
        same moment (wesup/locks.py makes it rare): nothing was saved, so a 409, not a 500."""
        db.session.rollback()
        app.logger.warning("write refused by the database: %s", error.orig)
        message = _(
            "Somebody changed the same data at the same moment. Nothing was saved: try again."
        )
        if wants_json():
            return json_error(409, message)
        return render_template("error.html", status=409, message=message), 409

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        message = _("Something went wrong on our side. The change was not saved.")
        if wants_json():
            return json_error(500, message, "internal_error")
        return render_template("error.html", status=500, message=message), 500
