"""The directories page: chats and statuses (admin and lead)."""

from flask import Blueprint

bp = Blueprint("directories", __name__, url_prefix="/directories")

from wesup.directories import views  # noqa: E402, F401
