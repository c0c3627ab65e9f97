"""Who is on shift and what they hold: the wall board's snapshot.

On shift (one lane each): a person who has open tasks, or resolved a task this shift
(WESUP_SHIFTS; the team day without it), or works tasks (agent, lead, admin:
enums.WORKS_TASKS) and has WeSup open right now. Before them, one queue lane per support line
(its unassigned tasks). The rule is rules.on_shift and rules.wall_lanes; static/js/rules.js
applies the same to live events, and tests/rules/on_shift.json and wall_lanes.json keep the
two in step. Handovers nobody has accepted yet are shown apart, red after
WESUP_HANDOVER_ALERT_MINUTES. Open incidents go on top of everything (wall_incident: what a
TV needs of each, newest first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wesup import handovers, rules, users
from wesup.directories import service as directories
from wesup.events import latest_seq
from wesup.extensions import live_state
from wesup.incidents import service as incidents
from wesup.models import utcnow
from wesup.tasks import service as tasks
from wesup.timeutil import current_shift

Lane = dict[str, Any]


def lanes(
    online: list[dict[str, Any]],
    shift_agent_ids: list[int],
    shift_start: datetime,
    groups: list[dict[str, Any]] | None = None,
) -> tuple[list[Lane], list[Lane]]:
    """The queue lanes (one per line, in the lines' order) and one lane per person on shift
    (rules.wall_lanes, which wall.js applies to live events), by name: open tasks urgent
    first then oldest first (rules.board_order), then those resolved since `shift_start`.

    Resolved tasks travel whole (not as a count) so the page can recount them as events come.
    `shift_agent_ids`: the active people who work tasks, of whom the online ones get a lane.
    """
    held = [task.to_dict() for task in tasks.open_tasks()]
    held += [task.to_dict() for task in tasks.closed_this_shift()]
    online_ids = {person["id"] for person in online}
    queues: list[Lane] = []
    people: list[Lane] = []
    for lane in rules.wall_lanes(held, online, shift_agent_ids, shift_start, groups or []):
        shown = {
            "tasks": sorted(lane["open"] + lane["postponed"], key=rules.board_order),
            "resolved_this_shift": lane["resolved"],
        }
        if "group" in lane:
            queues.append({"group": lane["group"], **shown})
        else:
            online_now = lane["agent"]["id"] in online_ids
            people.append({"agent": lane["agent"], "online": online_now, **shown})
    return queues, people


def wall_incident(incident: dict[str, Any]) -> dict[str, Any]:
    """What the wall shows of an open incident (Incident.to_dict() trimmed): its title, since
    when, how many tasks are still open and the chats waiting. wall.js trims the
    `incident.*` events' incident the same way."""
    keys = ("id", "title", "status", "created_at", "chats", "task_ids", "open_task_count")
    return {key: incident[key] for key in keys}


def snapshot() -> dict[str, Any]:
    """Everything the wall board draws, with the seq it is consistent with."""
    seq = latest_seq()  # read first: anything newer reaches the page live or on replay
    shift = current_shift()
    online = live_state.presence.online()  # asked once: with several processes, a Redis scan
    shift_agent_ids = [person.id for person in users.people_who_work_tasks()]
    groups = [group.to_dict() for group in directories.groups()]
    queues, people = lanes(online, shift_agent_ids, shift.start, groups)
    return {
        "seq": seq,
        "queues": queues,
        "lanes": people,
        "groups": groups,
        "handovers": [handovers.as_json(item) for item in handovers.pending()],
        "incidents": [wall_incident(item.to_dict()) for item in incidents.open_incidents()],
        "online": online,
        "shift_agent_ids": shift_agent_ids,
        "shift_start": shift.start.isoformat(),
        "shift_end": shift.end.isoformat(),
        "now": utcnow().isoformat(),
    }
