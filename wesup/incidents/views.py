"""Incident pages: the list (/incidents) and one incident (/incidents/<id>).

Thin: they read and write through wesup.incidents.service, as the API does. The forms work
without JavaScript (post, then redirect); static/js/incidents.js keeps the page live and
sends the same forms through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wesup.errors import ServiceError
from wesup.events import latest_seq
from wesup.incidents import bp, service


@bp.before_request
@login_required
def require_login() -> None:
    """Every incident page needs a signed-in person."""


@bp.get("")
def index() -> ResponseReturnValue:
    """Open incidents on top, then the latest resolved; a lead's form to start one."""
    return render_template(
        "incidents/index.html",
        seq=latest_seq(),
        open_incidents=service.open_incidents(),
        resolved=service.recent_resolved(),
        can_manage=service.can_manage(current_user),
    )


@bp.post("")
def create() -> ResponseReturnValue:
    """The create form without JavaScript: a title and the ticked tasks."""
    data = {"title": request.form.get("title"), "task_ids": request.form.getlist("task_ids")}
    try:
        incident = service.create_incident(current_user, data)
    except ServiceError as exc:
        flash(exc.message + " " + " ".join(exc.fields.values()))
        return redirect(url_for("incidents.index"), 303)
    return redirect(url_for("incidents.show", incident_id=incident.id), 303)


@bp.get("/<int:incident_id>")
def show(incident_id: int) -> ResponseReturnValue:
    """The incident: its linked tasks and their chats; for a lead, add, unlink, resolve."""
    incident = service.get_incident(incident_id)
    manage = service.can_manage(current_user)
    return render_template(
        "incidents/show.html",
        seq=latest_seq(),
        incident=incident,
        can_manage=manage,
        linkable=service.linkable_tasks() if manage and incident.is_open else [],
        announce_chats=service.chats_to_announce(incident),
        announce_text=service.announcement_words(incident),
    )


@bp.post("/<int:incident_id>/tasks")
def link(incident_id: int) -> ResponseReturnValue:
    return _form_change(
        incident_id,
        lambda: service.link_tasks(
            current_user, incident_id, {"task_ids": request.form.getlist("task_ids")}
        ),
        _("Tasks linked."),
    )


@bp.post("/<int:incident_id>/tasks/<int:task_id>/unlink")
def unlink(incident_id: int, task_id: int) -> ResponseReturnValue:
    return _form_change(
        incident_id,
        lambda: service.unlink_task(current_user, incident_id, task_id),
        _("Task unlinked."),
    )


@bp.post("/<int:incident_id>/resolve")
def resolve(incident_id: int) -> ResponseReturnValue:
    return _form_change(
        incident_id,
        lambda: service.resolve_incident(
            current_user, incident_id, {"message": request.form.get("message")}
        ),
        _("Incident resolved."),
    )


def _form_change(incident_id: int, change: Callable[[], Any], done: str) -> ResponseReturnValue:
    """Run a change from a form; a refusal is a message on the page, not an error page."""
    try:
        change()
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash(" ".join([exc.message, *exc.fields.values()]))
    else:
        flash(done)
    return redirect(url_for("incidents.show", incident_id=incident_id), 303)


@bp.post("/<int:incident_id>/announce")
def announce(incident_id: int) -> ResponseReturnValue:
    """Announce to the incident's chats in one click; the announcements page then shows each
    chat's delivery live."""
    try:
        service.announce(current_user, incident_id, {"text": request.form.get("text")})
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash(" ".join([exc.message, *exc.fields.values()]))
        return redirect(url_for("incidents.show", incident_id=incident_id), 303)
    flash(_("Announced to the incident's chats."))
    return redirect(url_for("announcements.index"), 303)
