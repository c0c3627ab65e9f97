"""The wall board (/board): a TV-sized live view, for a signed-in person or a kiosk link."""

from flask import Blueprint

bp = Blueprint("wall", __name__, url_prefix="/board")

from wesup.wall import views  # noqa: E402, F401 - routes register on bp
