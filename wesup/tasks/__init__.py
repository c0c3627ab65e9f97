"""Pages for tasks: My tasks (/tasks/mine) and All tasks (/tasks)."""

from flask import Blueprint

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

from wesup.tasks import views  # noqa: E402, F401
