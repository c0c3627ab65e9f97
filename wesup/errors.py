"""Errors the service layer raises; views turn them into a JSON error or a form message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refused change: nothing was written."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class Unauthorized(ServiceError):
    """No valid credentials: an unknown, revoked or expired API token."""

    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """Somebody changed the thing first; `current` carries what is there now."""

    status = 409
    code = "conflict"
