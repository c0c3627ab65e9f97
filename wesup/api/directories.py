"""Chats, statuses and support lines over JSON: /api/chats, /api/statuses and /api/groups
share one set of handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup.api import bp, json_body
from wesup.bearer import takes_token
from wesup.directories import service
from wesup.enums import TokenScope

DIRECTORIES: dict[str, dict[str, Callable[..., Any]]] = {
    "chats": {
        "list": service.chats,
        "create": service.create_chat,
        "update": service.update_chat,
        "delete": service.delete_chat,
        "restore": service.restore_chat,
    },
    "statuses": {
        "list": service.statuses,
        "create": service.create_status,
        "update": service.update_status,
        "delete": service.delete_status,
        "restore": service.restore_status,
    },
    "groups": {
        "list": service.groups,
        "create": service.create_group,
        "update": service.update_group,
        "delete": service.delete_group,
        "restore": service.restore_group,
    },
}
KINDS = "<any(chats, statuses, groups):kind>"
ONE = {"chats": "chat", "statuses": "status", "groups": "group"}  # one entry's key


@bp.get(f"/{KINDS}")
@takes_token(TokenScope.TASKS_READ)  # a bot needs the ids of chats, statuses and lines
def list_entries(kind: str) -> ResponseReturnValue:
    """?archived=1 includes archived entries (still shown on old tasks)."""
    entries = DIRECTORIES[kind]["list"](include_archived=request.args.get("archived") == "1")
    return jsonify({kind: [entry.to_dict() for entry in entries]})


@bp.post(f"/{KINDS}")
def create_entry(kind: str) -> ResponseReturnValue:
    entry = DIRECTORIES[kind]["create"](current_user, json_body())
    return jsonify({ONE[kind]: entry.to_dict()}), 201


@bp.patch(f"/{KINDS}/<int:entry_id>")
def update_entry(kind: str, entry_id: int) -> ResponseReturnValue:
    entry = DIRECTORIES[kind]["update"](current_user, entry_id, json_body())
    return jsonify({ONE[kind]: entry.to_dict()})


@bp.delete(f"/{KINDS}/<int:entry_id>")
def delete_entry(kind: str, entry_id: int) -> ResponseReturnValue:
    """Archived when still used by tasks, removed otherwise: {"chat": {..., "archived"},
    "removed": false} or {"chat": {...}, "removed": true}."""
    entry, removed = DIRECTORIES[kind]["delete"](current_user, entry_id)
    return jsonify({ONE[kind]: entry, "removed": removed})


@bp.post(f"/{KINDS}/<int:entry_id>/restore")
def restore_entry(kind: str, entry_id: int) -> ResponseReturnValue:
    """Unarchive: the entry is back in the pickers."""
    entry = DIRECTORIES[kind]["restore"](current_user, entry_id)
    return jsonify({ONE[kind]: entry.to_dict()})
