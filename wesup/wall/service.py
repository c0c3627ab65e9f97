"""Who is on shift and what they hold: the wall board's snapshot.

On shift (one lane each): a person who has open tasks, or resolved a task today (team
day), or works tasks (agent, lead, admin: enums.WORKS_TASKS) and has WeSup open right now.
static/js/wall.js applies the same rule to live events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wesup import users
from wesup.events import latest_seq
from wesup.extensions import live_state
from wesup.models import Task, User, utcnow
from wesup.tasks import service as tasks
from wesup.timeutil import day_start, today

Lane = dict[str, Any]


def lanes(online_ids: set[int], workers: list[User]) -> list[Lane]:
    """One lane per person on shift, by name: open tasks oldest first, then resolved today.

    Resolved tasks travel whole (not as a count) so the page can recount them as events come.
    `workers`: the active people who work tasks, of whom the online ones get a lane.
    """
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
    for person in workers:
        if person.id in online_ids:
            lane(person)
    return sorted(
        by_agent.values(), key=lambda item: (item["agent"]["name"].lower(), item["agent"]["id"])
    )


def snapshot() -> dict[str, Any]:
    """Everything the wall board draws, with the seq it is consistent with."""
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    day = today()
    online = live_state.presence.online()  # asked once: with several processes, a Redis scan
    workers = users.people_who_work_tasks()
    return {
        "seq": seq,
        "lanes": lanes({person["id"] for person in online}, workers),
        "online": online,
        "shift_agent_ids": [person.id for person in workers],
        "day_start": day_start(day).isoformat(),
        "day_end": day_start(day + timedelta(days=1)).isoformat(),
        "now": utcnow().isoformat(),
    }
