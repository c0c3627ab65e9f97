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


# The roles that own and work tasks (everyone but viewers): the one definition the pickers,
# the All-tasks agent filter, presence and the wall-board lanes use.
WORKS_TASKS = frozenset({Role.ADMIN, Role.LEAD, Role.AGENT})


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

    `task.*` events carry the task as it is after the change (`task`), go to the board and
    the owner's rooms, and show on the task's timeline; `chat.*` and `status.*` events carry
    the entry and go to every page; `kiosk.*` events and `session.ended` (a person
    deactivated or their password reset) are kept for the audit trail only, and every server
    process cuts the sockets they concern when it reaches them in the log (wesup/relay.py).
    A page applies every `task.*` kind the same way, so adding one here needs no JavaScript.
    """

    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_STATUS = "task.status"
    TASK_COMMENTED = "task.commented"
    TASK_DELETED = "task.deleted"
    TASK_RESTORED = "task.restored"
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
    KIOSK_CREATED = "kiosk.created"
    KIOSK_RENAMED = "kiosk.renamed"
    KIOSK_REVOKED = "kiosk.revoked"
    SESSION_ENDED = "session.ended"

    @property
    def is_task(self) -> bool:
        return self.value.startswith("task.")

    @property
    def is_published(self) -> bool:
        """Kiosk links and ended sessions are an admin's business: no page, live or on
        replay, gets them."""
        return not self.value.startswith(("kiosk.", "session."))


TASK_KINDS = tuple(kind for kind in EventKind if kind.is_task)
UNPUBLISHED_KINDS = tuple(kind for kind in EventKind if not kind.is_published)


def directory_kind(entry: str, action: str) -> EventKind:
    """EventKind("chat.archived") from ("chat", "archived"); a typo fails here, not later."""
    return EventKind(f"{entry}.{action}")
