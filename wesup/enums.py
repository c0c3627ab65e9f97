"""The lists both sides need: roles, status categories and event kinds.

Python is the source; the browser gets the same values rendered into every page
(`js_enums()`, read by static/js/enums.js), so that no script keeps a twin list that
could fall behind. Idea taken from CTFd's JSEnum.
"""

from __future__ import annotations

import enum
from typing import TypeVar

_JS_ENUMS: dict[str, type[enum.StrEnum]] = {}
E = TypeVar("E", bound=type[enum.StrEnum])


def js_enum(cls: E) -> E:
    """Hand this enum to the browser under its class name."""
    _JS_ENUMS[cls.__name__] = cls
    return cls


def js_enums() -> dict[str, dict[str, str]]:
    """{"EventKind": {"TASK_CREATED": "task.created", ...}, ...} for the page data."""
    return {name: {member.name: member.value for member in cls} for name, cls in _JS_ENUMS.items()}


@js_enum
class Role(enum.StrEnum):
    """What a person may do; admin includes lead, lead includes agent."""

    ADMIN = "admin"
    LEAD = "lead"
    AGENT = "agent"
    VIEWER = "viewer"
    # Not a person: the service account an API token acts as (wesup/apitokens.py). It never
    # signs in, works no tasks and is not listed among people; the timeline names it.
    INTEGRATION = "integration"


# The roles that own and work tasks (everyone but viewers): the one definition the pickers,
# the All-tasks agent filter, presence and the wall-board lanes use.
WORKS_TASKS = frozenset({Role.ADMIN, Role.LEAD, Role.AGENT})
# The roles that lead the team: edit every task and the directories, message the chats.
LEADS = frozenset({Role.ADMIN, Role.LEAD})


@js_enum
class StatusCategory(enum.StrEnum):
    """The meaning of a status: it decides resolved_at and the board counters."""

    NEW = "new"
    ACTIVE = "active"
    POSTPONED = "postponed"
    DONE = "done"


@js_enum
class EventKind(enum.StrEnum):
    """Every kind of event the log records.

    `task.*` events carry the task as it is after the change (`task`), go to the board, the
    old and new owner's rooms and the old and new line's rooms, and show on the task's
    timeline; those that change the owner or the line also carry `from`, `to` and `note`.
    `handover.*` events carry the handover and are addressed like task events. `incident.*`
    events carry the incident with its tasks and chats and go to every page (the tasks'
    own changes, when an incident resolves them, are `task.status` events). `chat.*`,
    `status.*` and `group.*` events carry the entry and go to every page (a `group.*` one
    also names who joined or left the line: every server process moves their sockets in or
    out of its room when it reaches the event, wesup/relay.py). `kiosk.*` events and
    `session.ended` (a person deactivated or their password reset) are kept for the audit
    trail only, and every server process cuts the sockets they concern when it reaches them
    in the log; `token.*` (API tokens made and revoked) are for the audit trail alone. A page
    applies every `task.*` kind the same way, so adding one here needs no JavaScript.
    `announcement.created` carries the announcement with its deliveries, and
    `delivery.updated` a message to a chat whose status changed (sent, or failed with the
    error and the next attempt): the Announcements page and the delivery log follow them.
    `shift.posted` (a person's shift report queued to a chat) is for the audit trail alone;
    its delivery's own `delivery.updated` goes out with it.
    """

    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_STATUS = "task.status"
    TASK_COMMENTED = "task.commented"
    TASK_DELETED = "task.deleted"
    TASK_RESTORED = "task.restored"
    TASK_ASSIGNED = "task.assigned"
    TASK_TRANSFERRED = "task.transferred"
    TASK_TAKEN = "task.taken"
    TASK_HANDED_OVER = "task.handed_over"
    HANDOVER_CREATED = "handover.created"
    HANDOVER_ACCEPTED = "handover.accepted"
    INCIDENT_CREATED = "incident.created"
    INCIDENT_LINKED = "incident.linked"
    INCIDENT_UNLINKED = "incident.unlinked"
    INCIDENT_RESOLVED = "incident.resolved"
    CHAT_CREATED = "chat.created"
    CHAT_UPDATED = "chat.updated"
    CHAT_ARCHIVED = "chat.archived"
    CHAT_RESTORED = "chat.restored"
    CHAT_DELETED = "chat.deleted"
    STATUS_CREATED = "status.created"
    STATUS_UPDATED = "status.updated"
    STATUS_ARCHIVED = "status.archived"
    STATUS_RESTORED = "status.restored"
    STATUS_DELETED = "status.deleted"
    GROUP_CREATED = "group.created"
    GROUP_UPDATED = "group.updated"
    GROUP_ARCHIVED = "group.archived"
    GROUP_RESTORED = "group.restored"
    GROUP_DELETED = "group.deleted"
    KIOSK_CREATED = "kiosk.created"
    KIOSK_RENAMED = "kiosk.renamed"
    KIOSK_REVOKED = "kiosk.revoked"
    SESSION_ENDED = "session.ended"
    TOKEN_CREATED = "token.created"  # noqa: S105 - an event's name, not a secret
    TOKEN_REVOKED = "token.revoked"  # noqa: S105
    ANNOUNCEMENT_CREATED = "announcement.created"
    DELIVERY_UPDATED = "delivery.updated"
    SHIFT_POSTED = "shift.posted"

    @property
    def is_task(self) -> bool:
        return self.value.startswith("task.")

    @property
    def is_addressed(self) -> bool:
        """Task and handover events go to the board and to the people and lines they
        concern; the others (directory entries) go to every page."""
        return self.value.startswith(("task.", "handover."))

    @property
    def is_for_leads(self) -> bool:
        """Messages to chats (announcements and every delivery's status, with its text: a
        resolved task's last comment, a person's shift report) go to leads and admins alone,
        who are the ones allowed to read them (never to agents, viewers or a wall's kiosk)."""
        return self in (EventKind.ANNOUNCEMENT_CREATED, EventKind.DELIVERY_UPDATED)

    @property
    def moves_members(self) -> bool:
        """A line's event that may say who joined or left it (`joined`, `left`)."""
        return self.value.startswith("group.")

    @property
    def changes_owner(self) -> bool:
        """Kinds that move a task to another owner or line: they carry from, to and note."""
        return self in OWNER_KINDS

    @property
    def is_published(self) -> bool:
        """Kiosk links, API tokens, ended sessions and posted shift reports are for the audit
        trail: no page, live or on replay, gets them."""
        return not self.value.startswith(("kiosk.", "session.", "token.", "shift."))


OWNER_KINDS = frozenset(
    {
        EventKind.TASK_ASSIGNED,
        EventKind.TASK_TRANSFERRED,
        EventKind.TASK_TAKEN,
        EventKind.TASK_HANDED_OVER,
    }
)
TASK_KINDS = tuple(kind for kind in EventKind if kind.is_task)
UNPUBLISHED_KINDS = tuple(kind for kind in EventKind if not kind.is_published)


def directory_kind(entry: str, action: str) -> EventKind:
    """EventKind("chat.archived") from ("chat", "archived"); a typo fails here, not later.
    Entries: chat, status, group (a support line)."""
    return EventKind(f"{entry}.{action}")


class TokenScope(enum.StrEnum):
    """What an API token may do (wesup/apitokens.py); each /api route names the one it needs
    (`bearer.takes_token`)."""

    TASKS_READ = "tasks:read"
    TASKS_WRITE = "tasks:write"
    ANNOUNCE = "announce"


@js_enum
class ReportBreakdown(enum.StrEnum):
    """What a report's rows are: people (owners), support lines, source chats or statuses."""

    AGENT = "agent"
    GROUP = "group"
    CHAT = "chat"
    STATUS = "status"


@js_enum
class ReportMetric(enum.StrEnum):
    """The numbers of a report whose tasks can be listed (docs/METRICS.md defines each).

    The first nine are moments read from the event log (wesup/reports/history.py keeps them
    as TaskMark rows); OPEN_AT_END and TIME are read from the open spans (TaskSpan)."""

    RECEIVED = "received"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    POSTPONED = "postponed"
    HANDED_OVER = "handed_over"
    RECEIVED_BY_HANDOVER = "received_by_handover"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    FIRST_ACTION = "first_action"
    OPEN_AT_END = "open_at_end"
    TIME = "time"

    @property
    def is_mark(self) -> bool:
        """Counted from the moments (TaskMark), not from the spans."""
        return self not in (ReportMetric.OPEN_AT_END, ReportMetric.TIME)
