"""Incidents: when many chats report the same outage, a lead links their tasks under one
title; resolving the incident resolves every linked open task in one transaction.

Who may do what: leads and admins create, link, unlink and resolve; everybody signed in may
look (an agent sees which incident their task belongs to). A task is in at most one open
incident: checked here for a clear answer (409), and held by the partial unique index
`ux_incident_tasks_one_open` should two leads link the same task at the same moment.

Resolving moves each linked task that is still open (not deleted) into the first active
status of category `done` by position (tasks.service.first_done_status), with the ordinary
`task.status` event per task (carrying `incident`), so boards, the wall and reports count
them like any resolved task; then one `incident.resolved` event. All in one commit.

Chats: resolving tells each source chat of the linked tasks once (the outbox's idempotency
key is per incident and chat, however many of its tasks the chat reported), in the same
commit; the per-task "resolved" message (notify.task_resolved, fired by tasks.service's
edits) is not sent for tasks the incident resolves, as resolve_together does not fire it.
A chat is told when it has an address and at least one of its linked tasks keeps "tell the
chat" ticked. "Announce to the incident's chats" is one notify.announce to those of its
chats that have an address.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from wesup import events, locks, notify, validate
from wesup.enums import EventKind
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Announcement, Chat, Incident, IncidentTask, Task, TaskEvent, User, utcnow
from wesup.tasks import service as tasks

TITLE_MAX = 300
MESSAGE_MAX = 2_000
TASKS_MAX = 500  # at once: more than any outage brings, few enough for one transaction
RECENT = 50


# --- reading -------------------------------------------------------------------------------


def get_incident(incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(_("No such incident."))
    return incident


def open_incidents() -> list[Incident]:
    """The open incidents, newest first: the wall board shows them on top."""
    query = sa.select(Incident).where(Incident.status == Incident.OPEN)
    return list(db.session.execute(query.order_by(Incident.id.desc())).unique().scalars())


def recent_resolved(limit: int = RECENT) -> list[Incident]:
    """The latest resolved incidents, newest first."""
    query = sa.select(Incident).where(Incident.status == Incident.RESOLVED)
    query = query.order_by(Incident.resolved_at.desc(), Incident.id.desc()).limit(limit)
    return list(db.session.execute(query).unique().scalars())


def linkable_tasks() -> list[Task]:
    """Open tasks in no open incident, oldest first: what the incident page offers to add."""
    linked = sa.select(IncidentTask.task_id).where(IncidentTask.in_open_incident)
    query = sa.select(Task).where(
        Task.resolved_at.is_(None), Task.deleted_at.is_(None), Task.id.not_in(linked)
    )
    return list(db.session.execute(query.order_by(Task.received_at, Task.id)).scalars())


# --- checks --------------------------------------------------------------------------------


def can_manage(actor: User) -> bool:
    """Leads and admins run incidents; agents and viewers look."""
    return actor.can_edit_every_task


def _require_manager(actor: User) -> None:
    if not can_manage(actor):
        raise Forbidden(_("Only a lead or an admin can manage incidents."))


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise Conflict(_("This incident is already resolved."), current=incident.to_dict())


def _pick_tasks(data: dict[str, Any], errors: dict[str, str], *, required: bool) -> list[Task]:
    """`task_ids`: a list of ids of open, not deleted tasks, each once (in id order)."""
    raw = data.get("task_ids")
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw) or len(raw) > TASKS_MAX:
        errors["task_ids"] = _("Choose between 1 and %(n)d tasks.", n=TASKS_MAX)
        return []
    ids: set[int] = set()
    for item in raw:
        found: dict[str, str] = {}
        task_id = validate.integer({"id": item}, "id", found)
        if found or task_id is None:
            errors["task_ids"] = _("Task ids are whole numbers.")
            return []
        ids.add(task_id)
    chosen = list(
        db.session.execute(
            sa.select(Task).where(Task.id.in_(ids), Task.deleted_at.is_(None)).order_by(Task.id)
        ).scalars()
    )
    if len(chosen) != len(ids):
        errors["task_ids"] = _("Some of these tasks do not exist.")
        return []
    if any(not task.is_open for task in chosen):
        errors["task_ids"] = _("Only open tasks can be linked into an incident.")
        return []
    return chosen


def _refuse_linked_elsewhere(tasks_: list[Task], incident: Incident | None) -> None:
    """A task already in another open incident: 409 naming it, nothing saved."""
    query = sa.select(IncidentTask).where(
        IncidentTask.task_id.in_([task.id for task in tasks_]), IncidentTask.in_open_incident
    )
    if incident is not None:
        query = query.where(IncidentTask.incident_id != incident.id)
    taken = db.session.execute(query.order_by(IncidentTask.task_id)).scalars().first()
    if taken is not None:
        other = get_incident(taken.incident_id)
        raise Conflict(
            _(
                "Task #%(task)d is already in the open incident “%(title)s”.",
                task=taken.task_id,
                title=other.title,
            ),
            {"task_ids": _("A task can be in one open incident at a time.")},
            incident={"id": other.id, "title": other.title},
        )


def _link(actor: User, incident: Incident, tasks_: list[Task], now: Any) -> list[int]:
    """Link the tasks not yet linked here; returns their ids."""
    already = {link.task_id for link in incident.links}
    added = [task for task in tasks_ if task.id not in already]
    for task in added:
        db.session.add(
            IncidentTask(
                incident_id=incident.id, task_id=task.id, linked_by_id=actor.id, linked_at=now
            )
        )
    db.session.flush()
    db.session.expire(incident, ["links"])
    return [task.id for task in added]


def _record(kind: EventKind, actor: User, incident: Incident, **data: Any) -> TaskEvent:
    return events.record(kind, actor, incident=incident.to_dict(), **data)


# --- writing -------------------------------------------------------------------------------


def create_incident(actor: User, data: dict[str, Any]) -> Incident:
    """A title and (usually) the tasks of the chats reporting the outage."""
    _require_manager(actor)
    errors: dict[str, str] = {}
    title = validate.text(data, "title", errors, max_length=TITLE_MAX, required=True)
    locks.begin_write()  # SQLite: the checks below and the links are one writer's
    chosen = _pick_tasks(data, errors, required=False)
    if errors or title is None:
        raise ValidationFailed(_("The incident was not saved."), errors)
    if chosen:
        _refuse_linked_elsewhere(chosen, None)
    now = utcnow()
    incident = Incident(title=title, created_by=actor, created_at=now)
    db.session.add(incident)
    db.session.flush()
    linked = _link(actor, incident, chosen, now)
    events.publish(_record(EventKind.INCIDENT_CREATED, actor, incident, task_ids=linked))
    return incident


def link_tasks(actor: User, incident_id: int, data: dict[str, Any]) -> Incident:
    """Add tasks to an open incident; tasks already in it are left as they are."""
    _require_manager(actor)
    incident = _held(incident_id)
    _require_open(incident)
    errors: dict[str, str] = {}
    chosen = _pick_tasks(data, errors, required=True)
    if errors:
        raise ValidationFailed(_("No task was linked."), errors)
    _refuse_linked_elsewhere(chosen, incident)
    linked = _link(actor, incident, chosen, utcnow())
    if not linked:
        db.session.rollback()
        return incident
    events.publish(_record(EventKind.INCIDENT_LINKED, actor, incident, task_ids=linked))
    return incident


def unlink_task(actor: User, incident_id: int, task_id: int) -> Incident:
    """Take a task out of an open incident (linked by mistake); the link row stays, marked."""
    _require_manager(actor)
    incident = _held(incident_id)
    _require_open(incident)
    link = db.session.execute(
        sa.select(IncidentTask).where(
            IncidentTask.incident_id == incident.id,
            IncidentTask.task_id == task_id,
            IncidentTask.unlinked_at.is_(None),
        )
    ).scalar_one_or_none()
    if link is None:
        raise NotFound(_("This task is not linked into the incident."))
    link.unlinked_at = utcnow()
    link.unlinked_by_id = actor.id
    link.in_open_incident = False
    db.session.flush()
    db.session.expire(incident, ["links"])
    events.publish(_record(EventKind.INCIDENT_UNLINKED, actor, incident, task_ids=[task_id]))
    return incident


def resolve_incident(actor: User, incident_id: int, data: dict[str, Any]) -> Incident:
    """Resolve the incident and, in the same transaction, every linked task still open: each
    moves into the first `done` status with its own `task.status` event."""
    _require_manager(actor)
    errors: dict[str, str] = {}
    message = validate.text(data, "message", errors, max_length=MESSAGE_MAX)
    if errors:
        raise ValidationFailed(_("The incident was not resolved."), errors)
    incident = _held(incident_id)
    _require_open(incident)
    status = tasks.first_done_status()
    if status is not None:
        status = locks.hold(type(status), status.id, to_change=False)
    if status is None or status.archived_at is not None:
        raise ValidationFailed(
            _("Create a status of category 'done' first."),
            {"status": _("Create a status of category 'done' first.")},
        )
    still_open = [task for task in incident.tasks if task.is_open]
    brief = {"id": incident.id, "title": incident.title}
    recorded = tasks.resolve_together(actor, still_open, status, incident=brief)
    incident.status = Incident.RESOLVED
    incident.resolved_at = utcnow()
    incident.resolved_by = actor
    incident.resolve_message = message or None
    db.session.execute(
        sa.update(IncidentTask)
        .where(IncidentTask.incident_id == incident.id)
        .values(in_open_incident=False)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    _tell_chats_resolved(incident)
    recorded.append(
        _record(
            EventKind.INCIDENT_RESOLVED,
            actor,
            incident,
            task_ids=[task.id for task in still_open],
        )
    )
    events.publish_all(recorded)
    return incident


def resolved_words(incident: Incident) -> str:
    """What a source chat reads when the incident is resolved, in the team's language."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        if incident.resolve_message:
            return _(
                "The incident “%(title)s” is resolved: %(message)s",
                title=incident.title,
                message=incident.resolve_message,
            )
        return _("The incident “%(title)s” is resolved.", title=incident.title)


def _tell_chats_resolved(incident: Incident) -> None:
    """One message per source chat, in the caller's transaction (see the module's note)."""
    text = resolved_words(incident)
    for chat in incident.chats:
        reported = [task for task in incident.tasks if task.chat_id == chat.id]
        if chat.notify_url and any(task.tell_chat for task in reported):
            notify.queue_to_chat(
                chat, text, f"incident:{incident.id}:resolved:chat:{chat.id}", "incident.resolved"
            )


def chats_to_announce(incident: Incident) -> list[Chat]:
    """The incident's chats that have an address: those an announcement reaches."""
    return [chat for chat in incident.chats if chat.notify_url and chat.archived_at is None]


def announce(actor: User, incident_id: int, data: dict[str, Any]) -> Announcement:
    """One announcement to the incident's chats (notify.announce: a delivery per chat, each
    with its status)."""
    _require_manager(actor)
    incident = get_incident(incident_id)
    chats = chats_to_announce(incident)
    if not chats:
        message = _("None of this incident's chats has an address yet: set one in Directories.")
        raise ValidationFailed(message, {"chat_ids": message})
    return notify.announce(actor, data.get("text"), [chat.id for chat in chats])


def announcement_words(incident: Incident) -> str:
    """The text the announce form starts with."""
    return _("We know about “%(title)s” and are working on it.", title=incident.title)


def _held(incident_id: int) -> Incident:
    """The incident, locked until this transaction ends: two leads resolving it, or one
    linking while another resolves, wait for each other."""
    incident = locks.hold(Incident, incident_id, to_change=True)
    if incident is None:
        raise NotFound(_("No such incident."))
    return incident
