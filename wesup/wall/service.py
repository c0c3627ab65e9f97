"""Who is on shift and what they hold: the wall board's snapshot.

On shift (one lane each): a person who has open tasks, or resolved a task today (team
day), or is an agent with WeSup open right now. Leads and admins who are merely online
get no lane: they show up when they hold or close tasks. static/js/wall.js applies the same
rule to live events, so keep the two in step.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from wesup.events import latest_seq
from wesup.extensions import db
from wesup.models import Role, Task, User, utcnow
from wesup.presence import presence
from wesup.tasks import service as tasks
from wesup.timeutil import day_start, today

Lane = dict[str, Any]


def _online_agents(online_ids: set[int]) -> list[User]:
    """Agents with WeSup open: on shift even with nothing in hand."""
    if not online_ids:
        return []
    query = sa.select(User).where(
        User.id.in_(online_ids), User.role == Role.AGENT, User.active.is_(True)
    )
    return list(db.session.execute(query).scalars())


def _shift_agent_ids() -> list[int]:
    """People whose coming online puts them on shift (the rule's third clause)."""
    query = sa.select(User.id).where(User.role == Role.AGENT, User.active.is_(True))
    return list(db.session.execute(query.order_by(User.id)).scalars())


def lanes(online_ids: set[int] | None = None) -> list[Lane]:
    """One lane per person on shift, by name: open tasks oldest first, then resolved today.

    Resolved tasks travel whole (not as a count) so the page can recount them as events come.
    """
    online_ids = presence.online_ids() if online_ids is None else online_ids
    by_agent: dict[int, Lane] = {}

    def lane(person: User) -> Lane:
        if person.id not in by_agent:
            by_agent[person.id] = {
                "agent": person.brief(),
                "online": person.id in online_ids,
                "tasks": [],
                "resolved_today": [],
            }
        return by_agent[person.id]

    open_tasks: list[Task] = tasks.open_tasks()  # oldest first
    for task in open_tasks:
        lane(task.agent)["tasks"].append(task.to_dict())
    for task in tasks.closed_today():
        lane(task.agent)["resolved_today"].append(task.to_dict())
    for person in _online_agents(online_ids):
        lane(person)
    return sorted(
        by_agent.values(), key=lambda item: (item["agent"]["name"].lower(), item["agent"]["id"])
    )


def snapshot() -> dict[str, Any]:
    """Everything the wall board draws, with the seq it is consistent with."""
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    day = today()
    online = presence.online()  # asked once: with several processes it is a Redis scan
    return {
        "seq": seq,
        "lanes": lanes({person["id"] for person in online}),
        "online": online,
        "shift_agent_ids": _shift_agent_ids(),
        "day_start": day_start(day).isoformat(),
        "day_end": day_start(day + timedelta(days=1)).isoformat(),
        "now": utcnow().isoformat(),
    }
