"""Report pages: thin views over the report service and My shift."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from wesup.reports import bp
from wesup.reports.myshift import my_shift


@bp.get("/my-shift")
@login_required
def my_shift_page() -> ResponseReturnValue:
    """The agent's end-of-shift report, ready to paste: viewers hold no tasks."""
    if not current_user.works_tasks:
        return redirect(url_for("tasks.board"))
    return render_template("reports/my_shift.html", report=my_shift(current_user))
