"""/api/openapi.json: every /api route is described, nothing is described that does not exist,
and what it says about tokens is what bearer.py does."""

from __future__ import annotations

import pytest

from tests.builders import bearer, make_token, signed_in
from wesup.api.openapi import PATHS, openapi_paths
from wesup.bearer import ANY_SCOPE, scope_of
from wesup.enums import Role

METHODS = {"get", "post", "put", "patch", "delete"}


def routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every /api route in the url_map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.update((method.lower(), path) for path in openapi_paths(rule.rule))
    return found


def described() -> set[tuple[str, str]]:
    return {(method, path) for path, item in PATHS.items() for method in item if method in METHODS}


def test_every_api_route_is_described_and_nothing_else(app):
    """Fails when somebody adds an /api route without describing it in wesup/api/openapi.py
    (or leaves a description behind a removed route)."""
    undescribed = routes(app) - described()
    assert not undescribed, f"describe these in wesup/api/openapi.py: {sorted(undescribed)}"
    gone = described() - routes(app)
    assert not gone, f"described in wesup/api/openapi.py but not routes: {sorted(gone)}"


def test_werkzeug_rules_become_openapi_paths():
    assert openapi_paths("/api/tasks/<int:task_id>/take") == ["/api/tasks/{task_id}/take"]
    assert openapi_paths("/api/<any(chats, statuses):kind>/<int:entry_id>") == [
        "/api/chats/{entry_id}",
        "/api/statuses/{entry_id}",
    ]


def test_the_description_is_served_to_people_and_tokens_and_says_which_scope(app):
    assert app.test_client().get("/api/openapi.json").status_code == 401
    admin = signed_in(app, "root", role=Role.ADMIN)
    document = admin.client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    secret = make_token(app, admin.user, scopes=("announce",))
    assert app.test_client().get("/api/openapi.json", headers=bearer(secret)).get_json() == document

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        scope = scope_of(app.view_functions[rule.endpoint])
        for path in openapi_paths(rule.rule):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                operation = document["paths"][path][method.lower()]
                assert operation.get("x-token-scope") == scope, (method, path)
                schemes = [next(iter(entry)) for entry in operation["security"]]
                assert schemes == (["session", "bearer"] if scope else ["session"])
                if scope not in (None, ANY_SCOPE):
                    assert operation["security"][1]["bearer"] == [scope]


@pytest.mark.parametrize("path", ["/api/tasks", "/api/chats", "/api/tasks/{task_id}"])
def test_the_scopes_bots_need_are_described(app, path):
    document = signed_in(app, "root", role=Role.ADMIN).client.get("/api/openapi.json").get_json()
    assert document["paths"][path]["get"]["x-token-scope"] == "tasks:read"
