"""The delivery log (admins): every message to a chat, its status, attempts and error."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wesup import notify
from wesup.admin import bp
from wesup.events import latest_seq


@bp.get("/deliveries")
def deliveries() -> ResponseReturnValue:
    """The newest messages first; status changes arrive live."""
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    rows = notify.recent_deliveries(current_user)
    return render_template(
        "admin/deliveries.html",
        deliveries=rows,
        page={"seq": seq, "deliveries": [row.to_dict() for row in rows]},
    )
