"""Who is on shift and what they hold: the wall board's snapshot.

On shift (one lane each): a person who has open tasks, or resolved a task today (team
day), or works tasks (agent, lead, admin: enums.WORKS_TASKS) and has WeSup open right now.
The rule is rules.on_shift and rules.wall_lanes; static/js/rules.js applies the same to live
events, and tests/rules/on_shift.json and wall_lanes.json keep the two in step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from wesup import rules, users
from wesup.events import latest_seq
from wesup.extensions import live_state
from wesup.models import utcnow
from wesup.tasks import service as tasks
from wesup.timeutil import day_start, today

Lane = dict[str, Any]


def lanes(
    online: list[dict[str, Any]], shift_agent_ids: list[int], midnight: datetime
) -> list[Lane]:
    """One lane per person on shift (rules.wall_lanes, which wall.js applies to live events),
    by name: open tasks oldest first, then those resolved since the team's `midnight`.

    Resolved tasks travel whole (not as a count) so the page can recount them as events come.
    `shift_agent_ids`: the active people who work tasks, of whom the online ones get a lane.
    """
    held = [task.to_dict() for task in tasks.open_tasks()]
    held += [task.to_dict() for task in tasks.closed_today()]
    online_ids = {person["id"] for person in online}
    return [
        {
            "agent": lane["agent"],
            "online": lane["agent"]["id"] in online_ids,
            "tasks": sorted(lane["open"] + lane["postponed"], key=rules.oldest_first),
            "resolved_today": lane["resolved"],
        }
        for lane in rules.wall_lanes(held, online, shift_agent_ids, midnight)
    ]


def snapshot() -> dict[str, Any]:
    """Everything the wall board draws, with the seq it is consistent with."""
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    day = today()
    online = live_state.presence.online()  # asked once: with several processes, a Redis scan
    shift_agent_ids = [person.id for person in users.people_who_work_tasks()]
    return {
        "seq": seq,
        "lanes": lanes(online, shift_agent_ids, day_start(day)),
        "online": online,
        "shift_agent_ids": shift_agent_ids,
        "day_start": day_start(day).isoformat(),
        "day_end": day_start(day + timedelta(days=1)).isoformat(),
        "now": utcnow().isoformat(),
    }
