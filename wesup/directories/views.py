"""Directories page; edits go through the JSON API and wesup.directories.service."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from wesup.directories import bp, service


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    if not current_user.can_edit_directories:
        abort(403)
    return render_template(
        "directories/index.html",
        chats=service.chats(include_archived=True),
        statuses=service.statuses(include_archived=True),
        categories=service.CATEGORIES,
    )
