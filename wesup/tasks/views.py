"""Task pages: thin views that read through the service and render; writes use the JSON API."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from wesup.directories import service as directories
from wesup.events import latest_seq
from wesup.tasks import bp, service
from wesup.timeutil import parse_period


@bp.get("/mine")
@login_required
def mine() -> ResponseReturnValue:
    seq = latest_seq()
    return render_template(
        "tasks/mine.html",
        seq=seq,
        open_tasks=service.open_tasks(current_user.id),
        closed=service.closed_today(current_user.id),
        chats=directories.chats(),
        statuses=directories.statuses(),
        default_status=service.default_status(),
    )


@bp.get("")
@login_required
def board() -> ResponseReturnValue:
    seq = latest_seq()
    period = parse_period(request.args.get("from"), request.args.get("to"))
    tasks = service.tasks_in_period(period)
    return render_template(
        "tasks/board.html",
        seq=seq,
        period=period,
        tasks=tasks,
        summary=service.summary(tasks),
    )
