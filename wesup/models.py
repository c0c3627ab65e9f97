"""Database models: people, support lines, directories (chats, statuses), tasks, comments,
handovers and the event log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from wesup import passwords
from wesup.enums import WORKS_TASKS, Role
from wesup.extensions import Model

# Events, shared links and open pages name rows by id: SQLite would hand a removed row's id
# to the next row (max + 1) unless the table says AUTOINCREMENT. PostgreSQL's sequences never
# go back. The event log too: its seq must only grow.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    """The one clock of the app: aware UTC."""
    return datetime.now(UTC)


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
    def can_edit_every_task(self) -> bool:
        return self.role in (Role.ADMIN, Role.LEAD)

    @property
    def can_edit_directories(self) -> bool:
        return self.role in (Role.ADMIN, Role.LEAD)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "note": self.note,
            "archived": self.archived_at is not None,
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
        """The shape every client receives, live or on replay."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "task_id": self.task_id,
            "actor": self.actor.brief() if self.actor else None,
            "at": _iso(self.created_at),
            **self.data,
        }


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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
