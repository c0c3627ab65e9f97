"""Directories page; edits go through the JSON API and wesup.directories.service."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from wesup import users
from wesup.directories import bp, service
from wesup.events import latest_seq


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """Chats, statuses and support lines, archived ones included (greyed): admins and leads
    only. A line's members are set on the People page (or with member_ids in the API)."""
    if not current_user.can_edit_directories:
        abort(403, _("Only an admin or a lead can change the directories."))
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    chats = service.chats(include_archived=True)
    statuses = service.statuses(include_archived=True)
    groups = service.groups(include_archived=True)
    people = users.people_who_work_tasks(include_inactive=True)
    return render_template(
        "directories/index.html",
        chats=chats,
        statuses=statuses,
        groups=groups,
        categories=service.CATEGORIES,
        page={
            "seq": seq,
            "chats": [chat.to_dict() for chat in chats],
            "statuses": [status.to_dict() for status in statuses],
            "groups": [group.to_dict() for group in groups],
            "people": [person.brief() for person in people],
            "categories": list(service.CATEGORIES),
        },
    )
