"""Database models: people, support lines, directories (chats, statuses), tasks, comments,
handovers and the event log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from wesup import passwords
from wesup.enums import LEADS, WORKS_TASKS, Role
from wesup.extensions import Model

# Events, shared links and open pages name rows by id: SQLite would hand a removed row's id
# to the next row (max + 1) unless the table says AUTOINCREMENT. PostgreSQL's sequences never
# go back. The event log too: its seq must only grow.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    """The one clock of the app: aware UTC."""
    return datetime.now(UTC)


def table_of(model: type[Model]) -> sa.Table:
    """A model's Core table, for the statements inside every task write that skip the ORM's
    unit of work (events.record, reports.history): two to three times less Python each."""
    return cast(sa.Table, model.__table__)


class UTCDateTime(sa.types.TypeDecorator):
    """Store UTC, hand back aware datetimes on every backend (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    login: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default=Role.AGENT)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # Counts the times this person's sessions were ended (end_sessions): part of the stamp.
    session_epoch: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses deactivated people
        return self.active

    @property
    def session_stamp(self) -> str:
        """Changes with the password and with every end_sessions(), so a reset or a
        deactivation ends every session and remember-me cookie signed in before it (a later
        reactivation does not bring them back). Epoch 0 keeps the stamp sessions had before
        the epoch existed, so upgrading signs nobody out."""
        material = self.password_hash
        if self.session_epoch:
            material = f"{self.session_epoch}:{material}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        """Every session and remember-me cookie signed in until now stops working."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie."""
        return f"{self.id}:{self.session_stamp}"

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.make(password)

    def check_password(self, password: str) -> bool:
        return passwords.check(self.password_hash, password)

    @property
    def works_tasks(self) -> bool:
        """Owns and works tasks (agent, lead, admin); a viewer only watches."""
        return self.role in WORKS_TASKS

    @property
    def leads_team(self) -> bool:
        """A lead or an admin: their pages also hear the messages to chats (realtime)."""
        return self.role in LEADS

    @property
    def can_edit_every_task(self) -> bool:
        return self.leads_team

    @property
    def can_edit_directories(self) -> bool:
        return self.leads_team

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_integration(self) -> bool:
        """The service account of an API token, not a person (wesup/apitokens.py)."""
        return self.role == Role.INTEGRATION

    def brief(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


class Installation(Model):
    """One row, written with the first admin by the setup link (users.create_first_admin):
    its fixed key lets a single setup commit, however many run at once."""

    __tablename__ = "installation"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    THE_ONE = 1

    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    set_up_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


# Who belongs to which support line; a person may be in several.
group_members = sa.Table(
    "group_members",
    Model.metadata,
    sa.Column("group_id", sa.ForeignKey("groups.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


class Group(Model):
    """A support line («первая линия», «вторая линия»): its members take tasks from its queue
    (the line's unassigned tasks). Called "group" in the API, "line" on the pages."""

    __tablename__ = "groups"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    color: so.Mapped[str] = so.mapped_column(sa.String(7))
    position: so.Mapped[int] = so.mapped_column(default=0)
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    members: so.Mapped[list[User]] = so.relationship(
        secondary=group_members, lazy="selectin", order_by=lambda: [User.name, User.id]
    )

    @property
    def member_ids(self) -> list[int]:
        return sorted(member.id for member in self.members)

    def brief(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "color": self.color}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.brief(),
            "position": self.position,
            "archived": self.archived_at is not None,
            "member_ids": self.member_ids,
        }


class Chat(Model):
    """A team chat that requests come from."""

    __tablename__ = "chats"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Where messages to this chat go: an Apprise URL (wesup/notify.py). It holds a bot token
    # or a webhook secret, so it never leaves the server: pages and the API see the masked form.
    notify_url: so.Mapped[str | None] = so.mapped_column(sa.Text)
    notify_url_masked: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The developers' chat: told about every new task.
    gets_new_tasks: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "note": self.note,
            "archived": self.archived_at is not None,
            "has_notify_url": bool(self.notify_url),
            "notify_url_masked": self.notify_url_masked if self.notify_url else None,
            "gets_new_tasks": self.gets_new_tasks,
        }


class Status(Model):
    """A stage of a task, with a color for the chips and a category for its meaning."""

    __tablename__ = "statuses"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    color: so.Mapped[str] = so.mapped_column(sa.String(7))
    category: so.Mapped[str] = so.mapped_column(sa.String(16))
    position: so.Mapped[int] = so.mapped_column(default=0)
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "category": self.category,
            "position": self.position,
            "archived": self.archived_at is not None,
        }


class Task(Model):
    """One request from a chat, moving through statuses. It has an owner (a person who works
    tasks), or sits unassigned in a support line's queue: the database refuses a task with
    neither, so no task is ever left with nobody."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.CheckConstraint("agent_id IS NOT NULL OR group_id IS NOT NULL", name="owner_or_line"),
        # The live pages ask for open tasks and tasks resolved since a moment, each with
        # resolved_at beside what narrows it, so that years of resolved tasks are never
        # walked (docs/PERFORMANCE.md, "Live pages and a long history"): a person's or a
        # line's (My tasks, the queues, the handover sheet), everybody's (the wall board)
        # and a period's (All tasks: received_at is checked in the index, not the row).
        sa.Index("ix_tasks_agent_id_resolved_at", "agent_id", "resolved_at"),
        sa.Index("ix_tasks_group_id_resolved_at", "group_id", "resolved_at"),
        sa.Index("ix_tasks_resolved_at_received_at", "resolved_at", "received_at"),
        NEVER_REUSE_IDS,
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    chat_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("chats.id"))
    status_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("statuses.id"))
    agent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("groups.id"))
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Shouts on every board and sorts first while open (the `u` key, the dialog's toggle).
    urgent: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # When anything last happened to the task: the time of its newest event, set by
    # owners.task_event (one place); lists age rows by it (rules.age_level).
    last_activity_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    # Tell the source chat when the task is resolved; the owner may untick it for one task.
    tell_chat: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    version: so.Mapped[int] = so.mapped_column(default=1)

    chat: so.Mapped[Chat | None] = so.relationship(lazy="joined")
    status: so.Mapped[Status] = so.relationship(lazy="joined")
    agent: so.Mapped[User | None] = so.relationship(lazy="joined")
    group: so.Mapped[Group | None] = so.relationship(lazy="joined")

    # An UPDATE carries "WHERE version = :old": two writers can never both win.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "chat": {"id": self.chat.id, "name": self.chat.name} if self.chat else None,
            "status": {
                "id": self.status.id,
                "name": self.status.name,
                "color": self.status.color,
                "category": self.status.category,
            },
            "agent": self.agent.brief() if self.agent else None,
            "group": self.group.brief() if self.group else None,
            "received_at": _iso(self.received_at),
            "resolved_at": _iso(self.resolved_at),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "deleted": self.deleted_at is not None,
            "version": self.version,
            "last_comment": self.last_comment,
            "urgent": self.urgent,
            "last_activity_at": _iso(self.last_activity_at),
            "tell_chat": self.tell_chat,
        }


class Comment(Model):
    __tablename__ = "comments"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tasks.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    author: so.Mapped[User] = so.relationship(lazy="joined")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "task_id": self.task_id,
            "author": self.author.brief(),
            "body": self.body,
            "created_at": _iso(self.created_at),
        }


class TaskEvent(Model):
    """The audit log and the live feed: every change, numbered by a strictly increasing seq.

    Task and handover events carry whom they concern: the owner after the change
    (`agent_id`) and before it (`previous_agent_id`), the line after and before (`group_id`,
    `previous_group_id`). realtime.event_rooms() turns these into rooms, for the live
    broadcast and for replay alike. Owner changes stay here, so each person's time with a
    task can be rebuilt from the log alone. Directory events concern nobody in particular and
    go to everybody.
    """

    __tablename__ = "task_events"
    __table_args__ = NEVER_REUSE_IDS

    seq: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    task_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("tasks.id"), index=True)
    agent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    previous_agent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("groups.id"))
    previous_group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("groups.id"))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    actor: so.Mapped[User | None] = so.relationship(foreign_keys=[actor_id], lazy="joined")

    def to_message(self) -> dict[str, Any]:
        """The shape every client receives, live or on replay; an actor that is an API token's
        integration says so (`"integration": true`), for the timeline to mark it."""
        actor = self.actor.brief() if self.actor else None
        if actor is not None and self.actor is not None and self.actor.is_integration:
            actor["integration"] = True
        return {
            "seq": self.seq,
            "kind": self.kind,
            "task_id": self.task_id,
            "actor": actor,
            "at": _iso(self.created_at),
            **self.data,
        }


class TaskSpan(Model):
    """A stretch of a task's open life with one status, owner, line and chat, read from the
    event log (wesup/reports/history.py keeps it in step with every task event, in the same
    transaction). Reports sum these, clipped to the period, for time in each status and
    category and each person's time; a task resolved has no span until it is reopened.

    Moments are whole seconds since 1970 (UTC), so both databases subtract them alike; a span
    still going on ends at STILL_OPEN."""

    __tablename__ = "task_spans"
    __table_args__ = (sa.Index("ix_task_spans_ended_began", "ended", "began"),)

    STILL_OPEN = 253_402_300_800  # 10000-01-01: later than any period

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tasks.id"), index=True)
    began: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    ended: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    status_id: so.Mapped[int | None]
    # the status's category as the event recorded it: renaming or recategorizing a status
    # later never rewrites this
    category: so.Mapped[str] = so.mapped_column(sa.String(16))
    agent_id: so.Mapped[int | None]
    group_id: so.Mapped[int | None]
    chat_id: so.Mapped[int | None]


class TaskMark(Model):
    """One moment a report counts (received, resolved, reopened, postponed, handed over,
    received by handover, transferred, escalated, first action), with whom it is credited to
    (owner, line, chat, status at that moment) and, for resolved and first action, the
    seconds since the task was received. Derived from the event log with TaskSpan."""

    __tablename__ = "task_marks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tasks.id"), index=True)
    at: so.Mapped[int] = so.mapped_column(sa.BigInteger, index=True)
    mark: so.Mapped[str] = so.mapped_column(sa.String(24))
    agent_id: so.Mapped[int | None]
    group_id: so.Mapped[int | None]
    chat_id: so.Mapped[int | None]
    status_id: so.Mapped[int | None]
    seconds: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)


# The tasks a handover moved.
handover_tasks = sa.Table(
    "handover_tasks",
    Model.metadata,
    sa.Column("handover_id", sa.ForeignKey("handovers.id"), primary_key=True),
    sa.Column("task_id", sa.ForeignKey("tasks.id"), primary_key=True, index=True),
)


class Handover(Model):
    """A shift handover: every open task of one person moved at once to the next person or to
    a line, with one note, pending until the receiver acknowledges it."""

    __tablename__ = "handovers"
    __table_args__ = (
        sa.CheckConstraint("(to_user_id IS NULL) <> (to_group_id IS NULL)", name="one_recipient"),
        NEVER_REUSE_IDS,
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    from_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    to_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    to_group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("groups.id"), index=True)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    accepted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    accepted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    from_user: so.Mapped[User] = so.relationship(foreign_keys=[from_user_id], lazy="joined")
    to_user: so.Mapped[User | None] = so.relationship(foreign_keys=[to_user_id], lazy="joined")
    to_group: so.Mapped[Group | None] = so.relationship(lazy="joined")
    accepted_by: so.Mapped[User | None] = so.relationship(
        foreign_keys=[accepted_by_id], lazy="joined"
    )
    tasks: so.Mapped[list[Task]] = so.relationship(
        secondary=handover_tasks, lazy="selectin", order_by=lambda: [Task.received_at, Task.id]
    )

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None

    def to_dict(self) -> dict[str, Any]:
        """The API's shape; `tasks` adds what the banner and the sheet list."""
        return {
            "id": self.id,
            "from": self.from_user.brief(),
            "to": {
                "agent": self.to_user.brief() if self.to_user else None,
                "group": self.to_group.brief() if self.to_group else None,
            },
            "note": self.note,
            "task_ids": [task.id for task in self.tasks],
            "tasks": [
                {
                    "id": task.id,
                    "title": task.title,
                    "chat": task.chat.name if task.chat else None,
                    "status": {"name": task.status.name, "color": task.status.color},
                    "last_comment": task.last_comment,
                }
                for task in self.tasks
            ],
            "created_at": _iso(self.created_at),
            "accepted_at": _iso(self.accepted_at),
            "accepted_by": self.accepted_by.brief() if self.accepted_by else None,
        }


class Incident(Model):
    """One outage many chats report: a lead links their tasks under one title, and resolving
    the incident resolves every linked task and tells each source chat once."""

    __tablename__ = "incidents"
    __table_args__ = NEVER_REUSE_IDS

    OPEN = "open"
    RESOLVED = "resolved"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=OPEN, index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    resolved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    resolve_message: so.Mapped[str | None] = so.mapped_column(sa.Text)

    # selectin, not joined: locks.hold locks the incident row alone (FOR UPDATE refuses an
    # outer join on PostgreSQL)
    created_by: so.Mapped[User] = so.relationship(foreign_keys=[created_by_id], lazy="selectin")
    resolved_by: so.Mapped[User | None] = so.relationship(
        foreign_keys=[resolved_by_id], lazy="selectin"
    )
    links: so.Mapped[list[IncidentTask]] = so.relationship(
        lazy="selectin",
        primaryjoin="and_(Incident.id == IncidentTask.incident_id, "
        "IncidentTask.unlinked_at.is_(None))",
        order_by="IncidentTask.id",
        viewonly=True,
    )

    @property
    def is_open(self) -> bool:
        return self.status == self.OPEN

    @property
    def tasks(self) -> list[Task]:
        """The linked tasks (unlinked ones left; deleted ones too: they are nobody's now)."""
        return [link.task for link in self.links if link.task.deleted_at is None]

    @property
    def chats(self) -> list[Chat]:
        """The source chats of the linked tasks, each once, by name."""
        found = {task.chat.id: task.chat for task in self.tasks if task.chat is not None}
        return sorted(found.values(), key=lambda chat: (chat.name, chat.id))

    def to_dict(self) -> dict[str, Any]:
        """The API's and the live events' shape: the tasks with their chats."""
        tasks = self.tasks
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "created_by": self.created_by.brief(),
            "created_at": _iso(self.created_at),
            "resolved_at": _iso(self.resolved_at),
            "resolved_by": self.resolved_by.brief() if self.resolved_by else None,
            "resolve_message": self.resolve_message,
            "task_ids": [task.id for task in tasks],
            "tasks": [task.to_dict() for task in tasks],
            "chats": [{"id": chat.id, "name": chat.name} for chat in self.chats],
            "open_task_count": sum(1 for task in tasks if task.is_open),
        }


class IncidentTask(Model):
    """A task linked into an incident. `in_open_incident` marks the links of open incidents:
    a partial unique index lets a task hold only one such link, so two leads linking the same
    task into two incidents at once cannot both win. Unlinking keeps the row (unlinked_at,
    by whom)."""

    __tablename__ = "incident_tasks"
    __table_args__ = (
        sa.Index(
            "ux_incident_tasks_one_open",
            "task_id",
            unique=True,
            sqlite_where=sa.text("in_open_incident"),
            postgresql_where=sa.text("in_open_incident"),
        ),
        NEVER_REUSE_IDS,
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("incidents.id"), index=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tasks.id"), index=True)
    in_open_incident: so.Mapped[bool] = so.mapped_column(default=True)
    linked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    linked_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    unlinked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    unlinked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    task: so.Mapped[Task] = so.relationship(lazy="joined")


class KioskToken(Model):
    """A read-only link for the wall-board TV; revoking it cuts its sockets at once."""

    __tablename__ = "kiosk_tokens"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(Model):
    """A bot's key to the JSON API: named, limited to its scopes, revocable, and expiring when
    the admin gave it a lifetime. It acts as its own service account (`user`, role
    integration), so the timeline names the bot. Only the secret's SHA-256 is kept; `prefix`
    (its first characters) tells tokens apart in lists."""

    __tablename__ = "api_tokens"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    scopes: so.Mapped[str] = so.mapped_column(sa.String(120))  # space-separated, sorted
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)  # None: never

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id], lazy="joined")
    created_by: so.Mapped[User | None] = so.relationship(
        foreign_keys=[created_by_id], lazy="joined"
    )

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        """Past its lifetime: refused like a revoked token (the one rule, apitokens.py)."""
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def to_dict(self) -> dict[str, Any]:
        """The API's shape: never the secret, never its hash."""
        return {
            "id": self.id,
            "name": self.name,
            "scopes": self.scope_list,
            "prefix": self.prefix,
            "created_by": self.created_by.brief() if self.created_by else None,
            "created_at": _iso(self.created_at),
            "last_used_at": _iso(self.last_used_at),
            "revoked_at": _iso(self.revoked_at),
            "expires_at": _iso(self.expires_at),
        }


class Announcement(Model):
    """One message a lead sends to many chats at once; each chat's copy is a Delivery.
    A follow-up ("fixed, thank you") names the announcement it follows."""

    __tablename__ = "announcements"
    __table_args__ = NEVER_REUSE_IDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    follow_up_of: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("announcements.id"))

    author: so.Mapped[User | None] = so.relationship(lazy="joined")
    deliveries: so.Mapped[list[Delivery]] = so.relationship(
        lazy="selectin", order_by=lambda: Delivery.id, back_populates="announcement"
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "author": self.author.brief() if self.author else None,
            "created_at": _iso(self.created_at),
            "follow_up_of": self.follow_up_of,
            "deliveries": [delivery.brief() for delivery in self.deliveries],
        }


class Delivery(Model):
    """The outbox (wesup/notify.py): one message to one chat, sent by a background task of
    the server process, retried with backoff, never twice (the idempotency key is unique and
    a sender claims a row with a conditional UPDATE before it sends)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.Index("ix_deliveries_due", "status", "next_attempt_at"),
        NEVER_REUSE_IDS,
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    chat_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("chats.id"), index=True)
    announcement_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("announcements.id"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(16))
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # When the next attempt is due; None once sent or given up. A claimed row's lease: while
    # one sender works on it, this lies in the future, so no other sender claims it.
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    chat: so.Mapped[Chat] = so.relationship(lazy="joined")
    announcement: so.Mapped[Announcement | None] = so.relationship(back_populates="deliveries")

    @property
    def retrying(self) -> bool:
        """Failed this time, with another attempt planned."""
        return self.status == "failed" and self.next_attempt_at is not None

    def brief(self) -> dict[str, Any]:
        """What an announcement lists per chat."""
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "chat": self.chat.name,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.last_error,
            "retrying": self.retrying,
        }

    def to_dict(self) -> dict[str, Any]:
        """What the delivery log shows."""
        return {
            **self.brief(),
            "announcement_id": self.announcement_id,
            "kind": self.kind,
            "body": self.body,
            "next_attempt_at": _iso(self.next_attempt_at),
            "created_at": _iso(self.created_at),
            "sent_at": _iso(self.sent_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
