"""Admin pages: people (and, later, kiosk links)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from wesup.admin import deliveries, kiosks, views  # noqa: E402, F401
