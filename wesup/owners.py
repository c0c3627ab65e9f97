"""Who holds a task: a person who works tasks (its owner), or a support line whose queue it
waits in, or both (a line's task that a member took). Picking them from input, line
membership, and the from/to of a move, shared by the task service, handovers and people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from wesup import events, locks, validate
from wesup.enums import WORKS_TASKS, EventKind
from wesup.extensions import db
from wesup.models import Group, Task, TaskEvent, User, group_members, table_of, utcnow

_TASKS = table_of(Task)
# built once (it runs in most task writes)
_STAMP = (
    sa.update(_TASKS)
    .where(_TASKS.c.id == sa.bindparam("task_id"))
    .values(last_activity_at=sa.bindparam("now", type_=_TASKS.c.last_activity_at.type))
)


@dataclass(frozen=True)
class Holder:
    """An owner, a line, or both; the task's or the one a move sends it to."""

    agent: User | None
    group: Group | None

    @classmethod
    def of(cls, task: Task) -> Holder:
        return cls(task.agent, task.group)

    @property
    def agent_id(self) -> int | None:
        return self.agent.id if self.agent else None

    @property
    def group_id(self) -> int | None:
        return self.group.id if self.group else None

    def to_dict(self) -> dict[str, Any]:
        """{"agent": {id, name} | None, "group": {id, name, color} | None}: the event's
        `from` and `to`, the handover's `to`."""
        return {
            "agent": self.agent.brief() if self.agent else None,
            "group": self.group.brief() if self.group else None,
        }


def pick_agent(
    data: dict[str, Any], name: str, errors: dict[str, str], *, current: User | None = None
) -> User | None:
    """An active person who works tasks, by id; None when absent or null. The current owner
    stays acceptable even if deactivated since (an edit leaves the owner alone)."""
    agent_id = validate.integer(data, name, errors)
    if agent_id is None:
        return None
    if current is not None and current.id == agent_id:
        return current
    person = db.session.get(User, agent_id)
    if person is None or not person.active or person.role not in WORKS_TASKS:
        errors[name] = _("Choose a person who works tasks.")
        return None
    return person


def pick_group(
    data: dict[str, Any], name: str, errors: dict[str, str], *, current: Group | None = None
) -> Group | None:
    """An active support line, by id; None when absent or null. The task's current line stays
    acceptable even if archived since."""
    group_id = validate.integer(data, name, errors)
    if group_id is None:
        return None
    if current is not None and current.id == group_id:
        return current
    group = locks.hold(Group, group_id, to_change=False)  # a lead may be archiving it now
    if group is None or group.archived_at is not None:
        errors[name] = _("Choose a line from the list.")
        return None
    return group


def given(data: dict[str, Any], name: str) -> bool:
    """The field is in the input (a null counts: it clears the owner or the line)."""
    return name in data


def chosen(value: str | None, prefix: str = "") -> dict[str, str]:
    """A form's one picker of people and lines ("agent:3", "group:2", as static/js/owners.js
    spells them) as the service's fields: {"agent_id": "3"} or {"group_id": "2"}, with a
    prefix ("to_" for a handover); nothing for anything else."""
    kind, _sep, number = (value or "").partition(":")
    return {f"{prefix}{kind}_id": number} if kind in ("agent", "group") else {}


def line_ids(user_id: int) -> list[int]:
    """The active lines a person belongs to: the rooms their pages join, the queues they take
    from."""
    query = (
        sa.select(group_members.c.group_id)
        .join(Group, Group.id == group_members.c.group_id)
        .where(group_members.c.user_id == user_id, Group.archived_at.is_(None))
        .order_by(group_members.c.group_id)
    )
    return list(db.session.execute(query).scalars())


def set_lines(user: User, group_ids: Iterable[int]) -> set[int]:
    """Make a person a member of exactly these lines (archived ones they were in stay);
    returns the lines whose members changed."""
    wanted = set(group_ids)
    current = {
        row.group_id
        for row in db.session.execute(
            sa.select(group_members.c.group_id).where(group_members.c.user_id == user.id)
        )
    }
    archived = set(
        db.session.execute(
            sa.select(Group.id).where(Group.id.in_(current), Group.archived_at.is_not(None))
        ).scalars()
    )
    wanted |= archived
    added, removed = wanted - current, current - wanted
    if removed:
        db.session.execute(
            group_members.delete().where(
                group_members.c.user_id == user.id, group_members.c.group_id.in_(removed)
            )
        )
    for group_id in sorted(added):
        db.session.execute(group_members.insert().values(group_id=group_id, user_id=user.id))
    for group_id in added | removed:  # the loaded member lists are stale now
        group = db.session.get(Group, group_id)
        if group is not None:
            db.session.expire(group, ["members"])
    return added | removed


def pick_lines(data: dict[str, Any], name: str, errors: dict[str, str]) -> list[Group] | None:
    """Active lines by id (None when absent): the People page's "lines" boxes."""
    return _pick_each(data, name, errors, pick_group, _("Choose lines from the list."))


def pick_people(data: dict[str, Any], name: str, errors: dict[str, str]) -> list[User] | None:
    """People who work tasks by id (None when absent): a line's `member_ids`."""
    return _pick_each(data, name, errors, pick_agent, _("Choose people who work tasks."))


def _pick_each(
    data: dict[str, Any], name: str, errors: dict[str, str], pick: Any, message: str
) -> list[Any] | None:
    """A list of ids, each picked by `pick`, as the entries in id order; any bad one refuses
    the whole list."""
    raw = data.get(name)
    if raw is None:
        return None
    chosen: dict[int, Any] = {}
    found: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else [None]:
        entry = pick({"id": item}, "id", found)
        if found or entry is None:
            errors[name] = message
            return None
        chosen[entry.id] = entry
    return [chosen[key] for key in sorted(chosen)]


def stamp_activity(task: Task) -> bool:
    """Before the caller's flush: a task with a change waiting to be written carries its new
    `last_activity_at` in that same UPDATE (one statement less, the version bumped once as
    before). False when nothing is waiting; task_event then writes the stamp itself."""
    if not db.session.is_modified(task):
        return False
    task.last_activity_at = utcnow()
    return True


def task_event(
    kind: EventKind,
    actor: User | None,
    task: Task,
    *,
    before: Holder | None = None,
    note: str | None = None,
    stamped: bool = False,
    **data: Any,
) -> TaskEvent:
    """Record a task event addressed to whom it concerns: the task's owner and line now and,
    when `before` is given (the change moved it), before. A move also carries `from`, `to`
    and `note`, so the timeline shows it and each owner's time can be rebuilt from the log.
    The caller flushes the task first and commits through events.publish / publish_all.

    Every task event is activity on the task: its `last_activity_at` becomes now, here or,
    when the caller says the change already wrote it (`stamped`: a new task's INSERT, or
    stamp_activity before the flush), with the change. Here it is its own UPDATE, after the
    caller's flush: the change itself already bumped the version once, and a second ORM flush
    would bump it again."""
    if not stamped:
        now = utcnow()
        db.session.execute(_STAMP, {"task_id": task.id, "now": now})
        set_committed_value(task, "last_activity_at", now)
    if before is not None:
        data |= {"from": before.to_dict(), "to": Holder.of(task).to_dict(), "note": note}
    return events.record(
        kind,
        actor,
        task_id=task.id,
        agent_id=task.agent_id,
        previous_agent_id=before.agent_id if before else None,
        group_id=task.group_id,
        previous_group_id=before.group_id if before else None,
        subject=task,
        task=task.to_dict(),
        **data,
    )
