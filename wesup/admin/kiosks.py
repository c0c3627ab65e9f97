"""Kiosk links for admins: create and name a link for a wall TV, rename it, revoke it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from wesup import kiosk as service
from wesup.admin import bp
from wesup.errors import ServiceError

# The session key that carries a new link's address from the POST to the page after it.
NEW_LINK = "kiosk_new_link"


def _page(
    *,
    errors: dict[str, str] | None = None,
    form: Any = None,
    renamed: dict[int, str] | None = None,
    new_link: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The list and the forms; `form` refills the create form, `renamed` a rename box."""
    return render_template(
        "admin/kiosks.html",
        kiosks=service.kiosks(),
        errors=errors or {},
        form=form or {},
        renamed=renamed or {},
        new_link=new_link,
        name_max=service.NAME_MAX,
    ), status


@bp.get("/kiosks")
def kiosks() -> ResponseReturnValue:
    """Every kiosk link and the form that makes one; a link just made is shown this once."""
    return _page(new_link=session.pop(NEW_LINK, None))


@bp.post("/kiosks")
def create_kiosk() -> ResponseReturnValue:
    """Make a link, then redirect (F5 must not make another): the page after it shows the
    secret once, from the session, which forgets it there. The database keeps only its hash."""
    try:
        kiosk, secret = service.create_kiosk(current_user, request.form.to_dict())
    except ServiceError as exc:
        return _page(
            errors=exc.fields or {"name": exc.message}, form=request.form, status=exc.status
        )
    flash(_("Kiosk link “%(name)s” created.", name=kiosk.name))
    session[NEW_LINK] = url_for("wall.board", kiosk=secret, _external=True)
    return redirect(url_for("admin.kiosks"), 303)


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
