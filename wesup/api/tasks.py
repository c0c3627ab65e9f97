"""Tasks and comments over JSON; every write goes through wesup.tasks.service."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from wesup.api import bp, id_arg, json_body
from wesup.bearer import takes_token
from wesup.enums import TokenScope
from wesup.events import latest_seq
from wesup.tasks import service
from wesup.timeutil import parse_period


@bp.get("/session")
def session_info() -> ResponseReturnValue:
    """Who is signed in and the CSRF token an API client sends as X-CSRFToken."""
    user = current_user
    return jsonify(
        user={"id": user.id, "name": user.name, "login": user.login, "role": user.role},
        csrf_token=generate_csrf(),
        seq=latest_seq(),
    )


@bp.get("/tasks")
@takes_token(TokenScope.TASKS_READ)
def list_tasks() -> ResponseReturnValue:
    """?from=&to= (team days) plus agent, status, chat, group (line) and unassigned=1 filters;
    `seq` dates the snapshot."""
    period = parse_period(request.args.get("from"), request.args.get("to"))
    return jsonify(service.board_snapshot(current_user, period, _task_filter()).to_dict())


@bp.get("/tasks/search")
@takes_token(TokenScope.TASKS_READ)
def search_tasks() -> ResponseReturnValue:
    """?q= words (each in the title, description, a comment or the chat's name, case aside),
    across all time, newest first; the All-tasks filters apply. `more` says older matches
    were left out."""
    return jsonify(
        service.search_tasks(current_user, request.args.get("q"), _task_filter()).to_dict()
    )


def _task_filter() -> service.TaskFilter:
    """The All-tasks filters from the query string; a bad one is a 400."""
    return service.TaskFilter(
        agent_id=id_arg("agent"),
        status_id=id_arg("status"),
        chat_id=id_arg("chat"),
        group_id=id_arg("group"),
        unassigned=request.args.get("unassigned") == "1",
        deleted=request.args.get("deleted") == "1",
    )


@bp.get("/tasks/mine")
def my_tasks() -> ResponseReturnValue:
    """The My tasks snapshot: open ones oldest first, the ones closed this shift, and the
    queues of my lines."""
    return jsonify(service.mine_snapshot(current_user).to_dict())


@bp.post("/tasks")
@takes_token(TokenScope.TASKS_WRITE)
def create_task() -> ResponseReturnValue:
    """A bot (tasks:write) names the task's `agent_id` or `group_id` and its `chat_id`."""
    task = service.create_task(current_user, json_body())
    return jsonify(task=task.to_dict()), 201


@bp.get("/tasks/<int:task_id>")
@takes_token(TokenScope.TASKS_READ)
def get_task(task_id: int) -> ResponseReturnValue:
    task = service.get_task(task_id, current_user, include_deleted=True)
    return jsonify(task=task.to_dict(), timeline=service.timeline(task))


@bp.patch("/tasks/<int:task_id>")
def update_task(task_id: int) -> ResponseReturnValue:
    task = service.update_task(current_user, task_id, json_body())
    return jsonify(task=task.to_dict())


@bp.post("/tasks/<int:task_id>/transfer")
def transfer_task(task_id: int) -> ResponseReturnValue:
    """{"agent_id": …} or {"group_id": …} and "note" (required for a line)."""
    task = service.transfer_task(current_user, task_id, json_body())
    return jsonify(task=task.to_dict())


@bp.post("/tasks/<int:task_id>/take")
def take_task(task_id: int) -> ResponseReturnValue:
    """Take a task from a line's queue; 409 with `taken_by` when somebody was first."""
    task = service.take_task(current_user, task_id)
    return jsonify(task=task.to_dict())


@bp.delete("/tasks/<int:task_id>")
def delete_task(task_id: int) -> ResponseReturnValue:
    task = service.delete_task(current_user, task_id, id_arg("version"))
    return jsonify(task=task.to_dict())


@bp.post("/tasks/<int:task_id>/restore")
def restore_task(task_id: int) -> ResponseReturnValue:
    task = service.restore_task(current_user, task_id)
    return jsonify(task=task.to_dict())


@bp.get("/tasks/<int:task_id>/comments")
@takes_token(TokenScope.TASKS_READ)
def list_comments(task_id: int) -> ResponseReturnValue:
    task = service.get_task(task_id, current_user)
    return jsonify(comments=[comment.to_dict() for comment in service.comments(task)])


@bp.post("/tasks/<int:task_id>/comments")
@takes_token(TokenScope.TASKS_WRITE)
def add_comment(task_id: int) -> ResponseReturnValue:
    comment = service.add_comment(current_user, task_id, json_body())
    return jsonify(comment=comment.to_dict()), 201
