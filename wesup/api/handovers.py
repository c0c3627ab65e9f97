"""Shift handovers over JSON; every write goes through wesup.handovers."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup import handovers
from wesup.api import bp, json_body


@bp.get("/handovers")
def list_handovers() -> ResponseReturnValue:
    """?pending=1: the handovers nobody has accepted yet, oldest first (what the wall shows;
    `can_accept` marks those this reader may accept); otherwise the latest, newest first."""
    found = handovers.pending() if request.args.get("pending") == "1" else handovers.recent()
    return jsonify(handovers=[handovers.as_json(item, current_user) for item in found])


@bp.post("/handovers")
def create_handover() -> ResponseReturnValue:
    """{"to_agent_id": …} or {"to_group_id": …} and "note": all my open tasks move at once."""
    handover = handovers.create_handover(current_user, json_body())
    return jsonify(handover=handovers.as_json(handover, current_user)), 201


@bp.get("/handovers/<int:handover_id>")
def get_handover(handover_id: int) -> ResponseReturnValue:
    handover = handovers.get_handover(handover_id)
    return jsonify(handover=handovers.as_json(handover, current_user))


@bp.post("/handovers/<int:handover_id>/accept")
def accept_handover(handover_id: int) -> ResponseReturnValue:
    """The receiver (any member, for a line) acknowledges it; a second accept gets 409."""
    handover = handovers.accept_handover(current_user, handover_id)
    return jsonify(handover=handovers.as_json(handover, current_user))
