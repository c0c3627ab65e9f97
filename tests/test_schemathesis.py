"""Schemathesis against the app in-process (WSGI): every operation of /api/openapi.json is
called with data generated from the description as a signed-in admin, and every operation
that takes a token as a bot with a token of every scope; no answer may be a 5xx, and every
answer must match its documented status codes, content type and schema.

Schemathesis also picks the other security scheme now and then and fills it with a random
value (a made-up bearer token beside the admin's cookie): those must be refused (401), never
fall back to the cookie. Bounded: a few examples per operation, derandomized, well under a
minute for both databases."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.builders import bearer, make_chat, make_group, make_task, make_token, signed_in
from wesup.enums import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 2  # per operation and caller, besides the explicit example (id 1)


def _operations(app: Flask, document: dict[str, Any]) -> list[Any]:
    """The operations of the description as the caller got it, called on `app` over WSGI."""
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    return [result.ok() for result in schema.get_all_operations()]


def _exercise(operation: Any, headers: dict[str, str], cookies: dict[str, str]) -> None:
    """Call one operation with generated data; any failed check raises."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

    run()


def _some_data(app: Flask, admin: Any) -> None:
    """A chat, a line and a task, so that generated ids sometimes hit a real row."""
    make_chat(app, "Acme support")
    make_group(app, "First line", members=(admin.user,))
    make_task(app, admin.user, "VPN down")


@pytest.mark.parametrize("caller", ["admin", "bot"])
def test_every_operation_answers_as_described(app, caller):
    admin = signed_in(app, "root", role=Role.ADMIN)
    _some_data(app, admin)
    document = admin.client.get("/api/openapi.json").get_json()
    if caller == "admin":
        headers = {"X-CSRFToken": admin.csrf_token or ""}
        cookies = {"session": admin.client.get_cookie("session").value}
    else:
        secret = make_token(app, admin.user, scopes=("tasks:read", "tasks:write", "announce"))
        headers, cookies = bearer(secret), {}
    operations = _operations(app, document)
    if caller == "bot":
        operations = [op for op in operations if "x-token-scope" in op.definition.raw]
        assert len(operations) >= 8
    else:
        assert len(operations) >= 35
    for operation in operations:
        _exercise(operation, headers, cookies)
