"""The Announcements page (/announcements): one message to many chats, each chat's delivery
followed live. Writes go through the JSON API and wesup.notify."""

from flask import Blueprint

bp = Blueprint("announcements", __name__, url_prefix="/announcements")

from wesup.announcements import views  # noqa: E402, F401
