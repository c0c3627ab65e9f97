"""People management for admins: create, edit, deactivate, reset passwords."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wesup import handovers, users
from wesup.admin import bp
from wesup.directories import service as directories
from wesup.errors import ServiceError
from wesup.models import User
from wesup.owners import chosen


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
    people = users.all_users()
    return render_template(
        "admin/users.html",
        people=people,
        lines={person.id: users.lines_of(person) for person in people},
        roles=users.ROLES,
        errors=errors,
        form=request.form,
    ), (422 if errors else 200)


def _edit_form(person: User) -> dict[str, Any]:
    """The edit form as the service reads it: the lines' boxes (`group_ids`, when the form
    showed them) and, for somebody who stops working tasks, where their open tasks go
    (`hand_to`: "agent:<id>" or "group:<id>", and `handover_note`)."""
    data: dict[str, Any] = request.form.to_dict()
    data["active"] = "active" in request.form
    if "lines_shown" in request.form:
        data["group_ids"] = request.form.getlist("group_ids")
    data.update(chosen(request.form.get("hand_to"), "to_"))
    data["note"] = request.form.get("handover_note", "")
    return data


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    """Edit, deactivate or reset the password of one person, and set their lines."""
    person = users.get_user(user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _edit_form(person)
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
        groups=directories.groups(),
        person_lines=[group.id for group in users.lines_of(person)],
        open_count=handovers.open_task_count(person),
        successors=[other for other in users.people_who_work_tasks() if other.id != person.id],
        errors=errors,
        form=request.form if errors else None,
    ), (422 if errors else 200)
