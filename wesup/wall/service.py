"""Who is on shift and what they hold: the wall board's snapshot.

On shift (one lane each): a person who has open tasks, or resolved a task today (team
day), or is an agent with WeSup open right now. Leads and admins who are merely online
get no lane: they show up when they hold or close tasks. The rule is rules.on_shift and
rules.wall_lanes; static/js/rules.js applies the same to live events, and
tests/rules/on_shift.json and wall_lanes.json keep the two in step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from wesup import rules
from wesup.events import latest_seq
from wesup.extensions import db
from wesup.models import Role, User, utcnow
from wesup.presence import presence
from wesup.tasks import service as tasks
from wesup.timeutil import day_start, today

Lane = dict[str, Any]


def _shift_agent_ids() -> list[int]:
    """People whose coming online puts them on shift (the rule's third clause)."""
    query = sa.select(User.id).where(User.role == Role.AGENT, User.active.is_(True))
    return list(db.session.execute(query.order_by(User.id)).scalars())


def lanes(
    online: list[dict[str, Any]], shift_agent_ids: list[int], midnight: datetime
) -> list[Lane]:
    """One lane per person on shift (rules.wall_lanes, which wall.js applies to live events),
    by name: open tasks oldest first, then those resolved since the team's `midnight`.

    Resolved tasks travel whole (not as a count) so the page can recount them as events come.
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
    online = presence.online()  # asked once: with several processes it is a Redis scan
    shift_agent_ids = _shift_agent_ids()
    return {
        "seq": seq,
        "lanes": lanes(online, shift_agent_ids, day_start(day)),
        "online": online,
        "shift_agent_ids": shift_agent_ids,
        "day_start": day_start(day).isoformat(),
        "day_end": day_start(day + timedelta(days=1)).isoformat(),
        "now": utcnow().isoformat(),
    }
