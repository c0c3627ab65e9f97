"""Reports (/reports): the period's numbers from the event log, charts, downloads, and My shift,
ready to paste."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from wesup.reports import views  # noqa: E402, F401 - routes register on bp
