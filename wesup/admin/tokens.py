"""API tokens for admins: make one for a bot (its secret shown once, its lifetime picked from
a few), see when each was last used and when it expires, revoke it."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from wesup import apitokens
from wesup.admin import bp
from wesup.errors import ServiceError


def _page(
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    made: apitokens.NewToken | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The list and the create form; `made` is the token just made (its secret only here)."""
    return render_template(
        "admin/tokens.html",
        tokens=apitokens.tokens(current_user),
        scopes=apitokens.SCOPES,
        expiry_choices=apitokens.EXPIRY_CHOICES,
        errors=errors or {},
        form=form or {"scopes": []},
        made=made,
        name_max=apitokens.NAME_MAX,
    ), status


@bp.get("/tokens")
def tokens() -> ResponseReturnValue:
    """Every API token and the form that makes one."""
    return _page()


@bp.post("/tokens")
def create_token() -> ResponseReturnValue:
    """Make a token and show its secret in this very answer: never in the session cookie
    (signed, not encrypted), never cached (no-store), never again."""
    data = {
        "name": request.form.get("name", ""),
        "scopes": request.form.getlist("scopes"),
        "expires_in_days": request.form.get("expires_in_days", ""),  # "": never
    }
    try:
        made = apitokens.create_token(current_user, data)
    except ServiceError as exc:
        return _page(errors=exc.fields or {"name": exc.message}, form=data, status=exc.status)
    response = make_response(_page(made=made, status=201))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Stop a token now: the bot's next request is refused."""
    try:
        token = apitokens.revoke_token(current_user, token_id)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash(exc.message)
        return redirect(url_for("admin.tokens"))
    flash(_("API token “%(name)s” revoked.", name=token.name))
    return redirect(url_for("admin.tokens"))
