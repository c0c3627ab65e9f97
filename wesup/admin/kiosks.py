"""Kiosk links for admins: create and name a link for a wall TV, rename it, revoke it."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from wesup import kiosk as service
from wesup.admin import bp
from wesup.errors import ServiceError


def _page(
    *,
    errors: dict[str, str] | None = None,
    form: Any = None,
    renamed: dict[int, str] | None = None,
    made: service.NewLink | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The list and the forms; `form` refills the create form, `renamed` a rename box, `made`
    is the link the create form just made (its address only in this answer)."""
    new_link = None
    if made is not None and made.secret is not None:
        new_link = url_for("wall.board", kiosk=made.secret, _external=True)
    return render_template(
        "admin/kiosks.html",
        kiosks=service.kiosks(),
        errors=errors or {},
        form=form or {},
        renamed=renamed or {},
        made=made,
        new_link=new_link,
        nonce=service.new_form_nonce(),
        name_max=service.NAME_MAX,
    ), status


@bp.get("/kiosks")
def kiosks() -> ResponseReturnValue:
    """Every kiosk link and the form that makes one."""
    return _page()


@bp.post("/kiosks")
def create_kiosk() -> ResponseReturnValue:
    """Make a link and show its address in this very answer, never in the session cookie
    (signed, not encrypted). No redirect, so the answer is the only place it appears; it is
    not stored (no-store), and posting the form again (F5, a double click) shows the same
    link instead of making another: the form's nonce fixes the secret (kiosk.create_kiosk)."""
    try:
        made = service.create_kiosk(current_user, request.form.to_dict())
    except ServiceError as exc:
        return _page(
            errors=exc.fields or {"name": exc.message}, form=request.form, status=exc.status
        )
    response = make_response(_page(made=made, status=200 if made.repeated else 201))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/kiosks/<int:kiosk_id>/name")
def rename_kiosk(kiosk_id: int) -> ResponseReturnValue:
    """Say which screen a link belongs to."""
    try:
        kiosk = service.rename_kiosk(current_user, kiosk_id, request.form.to_dict())
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _page(
            errors={f"name-{kiosk_id}": exc.fields.get("name", exc.message)},
            renamed={kiosk_id: request.form.get("name", "")},
            status=422,
        )
    flash(_("Kiosk link renamed to “%(name)s”.", name=kiosk.name))
    return redirect(url_for("admin.kiosks"))


@bp.post("/kiosks/<int:kiosk_id>/revoke")
def revoke_kiosk(kiosk_id: int) -> ResponseReturnValue:
    """Stop a link now: its screens go blank within a moment."""
    try:
        kiosk = service.revoke_kiosk(current_user, kiosk_id)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash(exc.message)
        return redirect(url_for("admin.kiosks"))
    flash(_("Kiosk link “%(name)s” revoked: its screens are disconnected.", name=kiosk.name))
    return redirect(url_for("admin.kiosks"))
