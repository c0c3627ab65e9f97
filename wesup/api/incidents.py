"""Incidents over JSON; every write goes through wesup.incidents.service."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup import apilimits
from wesup.api import bp, json_body
from wesup.bearer import takes_token
from wesup.enums import TokenScope
from wesup.incidents import service


@bp.get("/incidents")
@takes_token(TokenScope.TASKS_READ)
def list_incidents() -> ResponseReturnValue:
    """The open incidents, newest first; ?resolved=1 adds the latest resolved ones."""
    found = service.open_incidents()
    if request.args.get("resolved") == "1":
        found += service.recent_resolved()
    return jsonify(incidents=[incident.to_dict() for incident in found])


@bp.post("/incidents")
def create_incident() -> ResponseReturnValue:
    """{"title", "task_ids"}: leads and admins."""
    incident = service.create_incident(current_user, json_body())
    return jsonify(incident=incident.to_dict()), 201


@bp.get("/incidents/<int:incident_id>")
@takes_token(TokenScope.TASKS_READ)
def get_incident(incident_id: int) -> ResponseReturnValue:
    """The incident with its linked tasks and their chats."""
    return jsonify(incident=service.get_incident(incident_id).to_dict())


@bp.post("/incidents/<int:incident_id>/tasks")
def link_tasks(incident_id: int) -> ResponseReturnValue:
    """{"task_ids": [...]}: 409 when one is in another open incident."""
    incident = service.link_tasks(current_user, incident_id, json_body())
    return jsonify(incident=incident.to_dict())


@bp.delete("/incidents/<int:incident_id>/tasks/<int:task_id>")
def unlink_task(incident_id: int, task_id: int) -> ResponseReturnValue:
    incident = service.unlink_task(current_user, incident_id, task_id)
    return jsonify(incident=incident.to_dict())


@bp.post("/incidents/<int:incident_id>/resolve")
def resolve_incident(incident_id: int) -> ResponseReturnValue:
    """{"message"?}: every linked open task is resolved with it, in one transaction."""
    body = json_body() if request.content_length else {}  # no body: no message
    incident = service.resolve_incident(current_user, incident_id, body)
    return jsonify(incident=incident.to_dict())


@bp.post("/incidents/<int:incident_id>/announce")
@apilimits.per_announcer  # an announcement like any other: WESUP_ANNOUNCE_LIMIT
def announce(incident_id: int) -> ResponseReturnValue:
    """{"text"}: one announcement to the incident's chats that have an address; 202 with each
    chat's delivery (GET /api/announcements/<id> follows them)."""
    announcement = service.announce(current_user, incident_id, json_body())
    return jsonify(announcement=announcement.to_dict()), 202
