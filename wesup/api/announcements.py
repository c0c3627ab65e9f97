"""Messages to chats over JSON: announcements, a chat's test message, the delivery log. Every
write goes through wesup.notify."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup import apilimits, notify
from wesup.api import bp, json_body
from wesup.bearer import takes_token
from wesup.enums import TokenScope


@bp.post("/chats/<int:chat_id>/test")
def test_chat(chat_id: int) -> ResponseReturnValue:
    """Send a test message to the chat's address now: {"test": {"sent", "error"}}."""
    outcome = notify.send_test(current_user, chat_id)
    return jsonify(test={"sent": outcome.sent, "error": outcome.error})


@bp.post("/announcements")
@takes_token(TokenScope.ANNOUNCE)
@apilimits.per_announcer
def create_announcement() -> ResponseReturnValue:
    """{"text", "chat_ids": [...] | "all"} → 202: queued; each chat's delivery follows."""
    data = json_body()
    announcement = notify.announce(current_user, data.get("text"), data.get("chat_ids"))
    return jsonify(announcement=announcement.to_dict()), 202


@bp.post("/announcements/<int:announcement_id>/follow-up")
@takes_token(TokenScope.ANNOUNCE)
@apilimits.per_announcer
def follow_up(announcement_id: int) -> ResponseReturnValue:
    """{"text"} to the chats of an earlier announcement → 202."""
    announcement = notify.follow_up(current_user, announcement_id, json_body().get("text"))
    return jsonify(announcement=announcement.to_dict()), 202


@bp.get("/announcements")
@takes_token(TokenScope.ANNOUNCE)
def list_announcements() -> ResponseReturnValue:
    return jsonify(announcements=[item.to_dict() for item in notify.announcements(current_user)])


@bp.get("/announcements/<int:announcement_id>")
@takes_token(TokenScope.ANNOUNCE)
def get_announcement(announcement_id: int) -> ResponseReturnValue:
    announcement = notify.get_announcement(current_user, announcement_id)
    return jsonify(announcement=announcement.to_dict())


@bp.get("/deliveries")
def list_deliveries() -> ResponseReturnValue:
    """The delivery log (admins): the newest messages to chats, with status and error."""
    return jsonify(deliveries=[item.to_dict() for item in notify.recent_deliveries(current_user)])
