"""Incidents (/incidents): one outage many chats report, its linked tasks resolved together."""

from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

from wesup.incidents import views  # noqa: E402, F401 - routes register on bp
