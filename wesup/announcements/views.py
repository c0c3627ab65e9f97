"""The Announcements page: leads and admins."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from wesup import notify
from wesup.announcements import bp
from wesup.events import latest_seq


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The form (text, chats with an address or all of them), then the announcements with
    each chat's delivery status; the page script keeps the statuses live."""
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    announcements = notify.announcements(current_user)  # refuses people who may not announce
    chats = notify.chats_with_address()
    return render_template(
        "announcements/index.html",
        chats=chats,
        page={
            "seq": seq,
            "chats": [chat.to_dict() for chat in chats],
            "announcements": [item.to_dict() for item in announcements],
        },
    )
