"""People management for admins: create, edit, deactivate, reset passwords."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wesup import users
from wesup.admin import bp
from wesup.errors import ServiceError


@bp.before_request
@login_required
def require_admin() -> None:
    """People are managed by admins alone."""
    if not current_user.is_admin:
        abort(403, _("Only an admin can manage people."))


@bp.route("/users", methods=["GET", "POST"], endpoint="users")
def users_page() -> ResponseReturnValue:
    """The list of people and the form that adds one."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = users.create_user(current_user, request.form.to_dict())
        except ServiceError as exc:
            errors = exc.fields or {"login": exc.message}
        else:
            flash(_("%(name)s can now sign in.", name=user.name))
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/users.html",
        people=users.all_users(),
        roles=users.ROLES,
        errors=errors,
        form=request.form,
    ), (422 if errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    """Edit, deactivate or reset the password of one person."""
    person = users.get_user(user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data: dict[str, Any] = request.form.to_dict()
        data["active"] = "active" in request.form
        try:
            users.update_user(current_user, user_id, data)
        except ServiceError as exc:
            errors = exc.fields or {"name": exc.message}
        else:
            flash(_("Saved."))
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_edit.html",
        person=person,
        roles=users.ROLES,
        errors=errors,
        form=request.form if errors else None,
    ), (422 if errors else 200)
