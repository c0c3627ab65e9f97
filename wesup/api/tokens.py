"""API tokens over JSON, for admins signed in (a token cannot make or revoke tokens)."""

from __future__ import annotations

from flask import jsonify, make_response
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup import apitokens
from wesup.api import bp, json_body


@bp.get("/tokens")
def list_tokens() -> ResponseReturnValue:
    """Every token (active first): name, scopes, prefix, last use, expiry; never a secret."""
    return jsonify(tokens=[token.to_dict() for token in apitokens.tokens(current_user)])


@bp.post("/tokens")
def create_token() -> ResponseReturnValue:
    """{"name", "scopes": [...], "expires_in_days"?} → 201 with the secret, in this answer
    only (not cached)."""
    made = apitokens.create_token(current_user, json_body())
    response = make_response(jsonify(token=made.to_dict()), 201)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke: the token's next request gets 401. The row stays, with `revoked_at`."""
    token = apitokens.revoke_token(current_user, token_id)
    return jsonify(token=token.to_dict())
