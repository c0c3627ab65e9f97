"""Admin pages: people, kiosk links and API tokens."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from wesup.admin import deliveries, kiosks, tokens, views  # noqa: E402, F401
