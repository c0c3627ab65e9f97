"""Chats and statuses: the lists agents pick from. Used ones are archived, never lost."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from wesup import events, locks, names, validate
from wesup.enums import StatusCategory, directory_kind
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Chat, Status, Task, User, utcnow

CATEGORIES = tuple(category.value for category in StatusCategory)
Entry = TypeVar("Entry", Chat, Status)

DEFAULT_STATUSES = {
    "ru": ("Принята", "В работе", "Отложена", "Готово"),
    "en": ("Accepted", "In progress", "Postponed", "Done"),
}
DEFAULT_STATUS_LOOK = (
    ("#1e88e5", StatusCategory.NEW),
    ("#ffb300", StatusCategory.ACTIVE),
    ("#9e9e9e", StatusCategory.POSTPONED),
    ("#43a047", StatusCategory.DONE),
)


def _require_editor(actor: User) -> None:
    if not actor.can_edit_directories:
        raise Forbidden(_("Only an admin or a lead can change the directories."))


def chats(*, include_archived: bool = False) -> list[Chat]:
    query = sa.select(Chat).order_by(sa.func.lower(Chat.name), Chat.id)
    if not include_archived:
        query = query.where(Chat.archived_at.is_(None))
    return list(db.session.execute(query).scalars())


def statuses(*, include_archived: bool = False) -> list[Status]:
    query = sa.select(Status).order_by(Status.position, Status.id)
    if not include_archived:
        query = query.where(Status.archived_at.is_(None))
    return list(db.session.execute(query).scalars())


def _get(model: type[Entry], entry_id: int, *, to_change: bool = False) -> Entry:
    """An entry by id; `to_change` holds it (wesup/locks.py) against tasks being saved with
    it at this moment, for the changes that must know whether it is in use."""
    if to_change:
        entry = locks.hold(model, entry_id, to_change=True)
    else:
        entry = db.session.get(model, entry_id)
    if entry is None:
        raise NotFound(_("Not found."))
    return entry


def _names(data: dict[str, Any], partial: bool) -> bool:
    """A name is required on create; an edit may leave it out but never empty it."""
    return not partial or "name" in data


def _chat_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    fields = {
        "name": validate.name(data, "name", errors, max_length=120, required=_names(data, partial)),
        "note": validate.text(data, "note", errors, max_length=1000),
    }
    if errors:
        raise ValidationFailed(_("The chat was not saved."), errors)
    return {key: value for key, value in fields.items() if value is not None}


def _status_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    fields = {
        "name": validate.name(data, "name", errors, max_length=64, required=_names(data, partial)),
        "color": validate.color(data, "color", errors),
        "category": validate.choice(data, "category", errors, CATEGORIES),
        "position": validate.integer(data, "position", errors),
    }
    if not partial:
        for name in ("color", "category"):
            if fields[name] is None and name not in errors:
                errors[name] = _("This field is required.")
    if errors:
        raise ValidationFailed(_("The status was not saved."), errors)
    return {key: value for key, value in fields.items() if value is not None}


def _publish(kind: str, actor: User | None, entry: Chat | Status) -> dict[str, Any]:
    key = "chat" if isinstance(entry, Chat) else "status"
    snapshot = entry.to_dict()
    data: dict[str, Any] = {key: snapshot}
    events.publish(events.record(directory_kind(key, kind), actor, **data))
    return snapshot


def _require_unique_name(model: type[Entry], name: str, exclude_id: int | None = None) -> None:
    """Two active chats (or statuses) that look alike could not be told apart in a picker:
    names compare by their look-alike key (names.skeleton: case, Cyrillic «С» and Latin "C",
    full-width letters, doubled spaces).

    Compared in Python: the key is not SQL, and these lists are short.
    """
    key = names.skeleton(name)
    query = sa.select(model.id, model.name).where(model.archived_at.is_(None))
    for entry_id, name_taken in db.session.execute(query):
        if entry_id != exclude_id and names.skeleton(name_taken) == key:
            raise ValidationFailed(
                _("The name is already used."),
                {"name": _("Another entry looks the same: %(name)s", name=name_taken)},
            )


def create_chat(actor: User, data: dict[str, Any]) -> Chat:
    _require_editor(actor)
    fields = _chat_fields(data, partial=False)
    _require_unique_name(Chat, fields["name"])
    chat = Chat(**fields)
    db.session.add(chat)
    db.session.flush()
    _publish("created", actor, chat)
    return chat


def create_status(actor: User, data: dict[str, Any]) -> Status:
    _require_editor(actor)
    fields = _status_fields(data, partial=False)
    _require_unique_name(Status, fields["name"])
    if "position" not in fields:
        last = db.session.scalar(sa.select(sa.func.max(Status.position))) or 0
        fields["position"] = last + 1
    status = Status(**fields)
    db.session.add(status)
    db.session.flush()
    _publish("created", actor, status)
    return status


def update_chat(actor: User, chat_id: int, data: dict[str, Any]) -> Chat:
    _require_editor(actor)
    return _update(actor, _get(Chat, chat_id), _chat_fields(data, partial=True))


def update_status(actor: User, status_id: int, data: dict[str, Any]) -> Status:
    """Renaming or recoloring a status recolors every task that has it, live."""
    _require_editor(actor)
    status = _get(Status, status_id, to_change=True)  # its category may change: is it in use?
    fields = _status_fields(data, partial=True)
    if "category" in fields and fields["category"] != status.category:
        if _in_use(status):
            raise ValidationFailed(
                _("The category of a status in use cannot change: create a new status instead."),
                {"category": _("In use by tasks.")},
            )
        _keep_a_new_status(status)
    return _update(actor, status, fields)


def _update(actor: User, entry: Entry, fields: dict[str, Any]) -> Entry:
    changed = {key: value for key, value in fields.items() if getattr(entry, key) != value}
    if not changed:
        return entry
    if "name" in changed and entry.archived_at is None:
        _require_unique_name(type(entry), changed["name"], entry.id)
    for key, value in changed.items():
        setattr(entry, key, value)
    db.session.flush()
    _publish("updated", actor, entry)
    return entry


def _in_use(entry: Chat | Status) -> bool:
    column = Task.chat_id if isinstance(entry, Chat) else Task.status_id
    return db.session.scalar(sa.select(sa.exists().where(column == entry.id))) or False


def delete_chat(actor: User, chat_id: int) -> tuple[dict[str, Any], bool]:
    _require_editor(actor)
    return _delete(actor, _get(Chat, chat_id, to_change=True))


def delete_status(actor: User, status_id: int) -> tuple[dict[str, Any], bool]:
    _require_editor(actor)
    status = _get(Status, status_id, to_change=True)
    _keep_a_new_status(status)
    return _delete(actor, status)


def _keep_a_new_status(leaving: Status) -> None:
    """Refuse to lose the last status of category `new`: quick-added tasks start there."""
    if leaving.archived_at is not None or leaving.category != StatusCategory.NEW:
        return
    others = [s for s in statuses() if s.category == StatusCategory.NEW and s.id != leaving.id]
    if not others:
        raise ValidationFailed(
            _("Keep at least one status of category 'new': new tasks start there."),
            {"category": _("Last 'new' status.")},
        )


def _delete(actor: User, entry: Entry) -> tuple[dict[str, Any], bool]:
    """An entry still used by tasks is archived (gone from pickers, kept on old tasks);
    an unused one is removed. Either way the event log keeps it. Returns its last state and
    whether it was removed."""
    if entry.archived_at is not None:
        raise NotFound(_("Not found."))
    if _in_use(entry):
        entry.archived_at = utcnow()
        db.session.flush()
        return _publish("archived", actor, entry), False
    db.session.delete(entry)
    db.session.flush()
    return _publish("deleted", actor, entry), True


def restore_chat(actor: User, chat_id: int) -> Chat:
    _require_editor(actor)
    return _restore(actor, _get(Chat, chat_id))


def restore_status(actor: User, status_id: int) -> Status:
    _require_editor(actor)
    return _restore(actor, _get(Status, status_id))


def _restore(actor: User, entry: Entry) -> Entry:
    """Bring an archived entry back into the pickers (archiving one by mistake is easy)."""
    if entry.archived_at is None:
        raise Conflict(_("This entry is not archived."), current=entry.to_dict())
    _require_unique_name(type(entry), entry.name, entry.id)
    entry.archived_at = None
    db.session.flush()
    _publish("restored", actor, entry)
    return entry


def seed_defaults(locale: str) -> bool:
    """Create the four standard statuses on first run; True when it did."""
    if db.session.scalar(sa.select(sa.func.count(Status.id))):
        return False
    names = DEFAULT_STATUSES.get(locale, DEFAULT_STATUSES["en"])
    for position, (name, (color, category)) in enumerate(
        zip(names, DEFAULT_STATUS_LOOK, strict=True), start=1
    ):
        db.session.add(Status(name=name, color=color, category=category, position=position))
    db.session.commit()
    return True
