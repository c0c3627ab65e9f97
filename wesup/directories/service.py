"""Chats, statuses and support lines: the lists agents pick from. Used ones are archived,
never lost."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from wesup import events, locks, names, notify, owners, validate
from wesup.enums import StatusCategory, directory_kind
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Chat, Group, Handover, Status, Task, TaskEvent, User, utcnow

CATEGORIES = tuple(category.value for category in StatusCategory)
Entry = TypeVar("Entry", Chat, Status, Group)
KEYS: dict[type, str] = {Chat: "chat", Status: "status", Group: "group"}  # event and JSON key
Moves = dict[str, list[int]]  # {"joined": [...], "left": [...]}: people moved by a line's event

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


def groups(*, include_archived: bool = False) -> list[Group]:
    """Support lines in their order (Directories): the queues on the wall go so too."""
    query = sa.select(Group).order_by(Group.position, Group.id)
    if not include_archived:
        query = query.where(Group.archived_at.is_(None))
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
    """name, note, `gets_new_tasks` (the developers' chat) and `notify_url` (its Apprise
    address, checked by notify.check_url; "" or null clears it)."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {
        "name": validate.name(data, "name", errors, max_length=120, required=_names(data, partial)),
        "note": validate.text(data, "note", errors, max_length=1000),
    }
    if "gets_new_tasks" in data:
        if isinstance(data["gets_new_tasks"], bool):
            fields["gets_new_tasks"] = data["gets_new_tasks"]
        else:
            errors["gets_new_tasks"] = _("Use true or false.")
    if errors:
        raise ValidationFailed(_("The chat was not saved."), errors)
    fields = {key: value for key, value in fields.items() if value is not None}
    if data.get("notify_url") not in (None, ""):
        fields["notify_url"], fields["notify_url_masked"] = notify.check_url(data["notify_url"])
    elif "notify_url" in data:
        fields["notify_url"] = fields["notify_url_masked"] = None
    return fields


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


def _group_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """name, color, position (order) and, when given, `member_ids` (people who work tasks)."""
    errors: dict[str, str] = {}
    fields = {
        "name": validate.name(data, "name", errors, max_length=64, required=_names(data, partial)),
        "color": validate.color(data, "color", errors),
        "position": validate.integer(data, "position", errors),
        "members": owners.pick_people(data, "member_ids", errors),
    }
    if not partial and fields["color"] is None and "color" not in errors:
        errors["color"] = _("This field is required.")
    if errors:
        raise ValidationFailed(_("The line was not saved."), errors)
    return {key: value for key, value in fields.items() if value is not None}


def _next_position(model: type[Status] | type[Group]) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.position))) or 0) + 1


def _publish(
    kind: str, actor: User | None, entry: Chat | Status | Group, moved: Moves | None = None
) -> dict[str, Any]:
    """Record and publish the entry's event. A line's also says who it takes into its room
    (`joined`) or out (`left`): every server process moves their sockets as it hands the
    event out (wesup/relay.py), so they get its queue from the next event on."""
    key = KEYS[type(entry)]
    snapshot = entry.to_dict()
    data: dict[str, Any] = {key: snapshot}
    if isinstance(entry, Group):
        members = snapshot["member_ids"]
        by_kind = {"created": {"joined": members}, "restored": {"joined": members}}
        data |= moved or by_kind.get(kind) or ({"left": members} if kind == "archived" else {})
    events.publish(events.record(directory_kind(key, kind), actor, **data))
    return snapshot


def _require_unique_name(model: type[Entry], name: str, exclude_id: int | None = None) -> None:
    """Two active chats (or statuses, or lines) that look alike could not be told apart in a
    picker: names compare by their look-alike key (names.skeleton: case, Cyrillic «С» and
    Latin "C", full-width letters, doubled spaces).

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
    return _create(actor, Chat, _chat_fields(data, partial=False))


def create_status(actor: User, data: dict[str, Any]) -> Status:
    _require_editor(actor)
    return _create(actor, Status, _status_fields(data, partial=False))


def create_group(actor: User, data: dict[str, Any]) -> Group:
    """A new support line, last in the order unless `position` says otherwise."""
    _require_editor(actor)
    return _create(actor, Group, _group_fields(data, partial=False))


def _create(actor: User, model: type[Entry], fields: dict[str, Any]) -> Entry:
    """A new entry with a name no active one has; statuses and lines go last unless told."""
    _require_unique_name(model, fields["name"])
    if model is not Chat:
        fields.setdefault("position", _next_position(model))  # type: ignore[arg-type]
    entry = model(**fields)
    db.session.add(entry)
    db.session.flush()
    _publish("created", actor, entry)
    return entry


def update_group(actor: User, group_id: int, data: dict[str, Any]) -> Group:
    """Rename, recolor, reorder a line, or set its members (`member_ids`): people who join or
    leave it get its queue and its room from the next event on, with no reload."""
    _require_editor(actor)
    group = _get(Group, group_id)
    fields = _group_fields(data, partial=True)
    members = fields.pop("members", None)
    moved: Moves = {}
    if members is not None:
        now, before = {person.id for person in members}, set(group.member_ids)
        if now != before:
            moved = {"joined": sorted(now - before), "left": sorted(before - now)}
            group.members = members
    return _update(actor, group, fields, moved=moved or None)


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


def _update(
    actor: User, entry: Entry, fields: dict[str, Any], *, moved: Moves | None = None
) -> Entry:
    """Apply the fields that differ; a line whose members changed (`moved`) is published
    even when nothing else did."""
    changed = {key: value for key, value in fields.items() if getattr(entry, key) != value}
    if not changed and not moved:
        return entry
    if "name" in changed and entry.archived_at is None:
        _require_unique_name(type(entry), changed["name"], entry.id)
    for key, value in changed.items():
        setattr(entry, key, value)
    db.session.flush()
    _publish("updated", actor, entry, moved)
    return entry


def _in_use(entry: Chat | Status | Group) -> bool:
    """Used by a task, or (a line) by a handover or the event log: then it is archived."""
    if isinstance(entry, Group):
        uses = [
            Task.group_id == entry.id,
            Handover.to_group_id == entry.id,
            TaskEvent.group_id == entry.id,
            TaskEvent.previous_group_id == entry.id,
        ]
    else:
        uses = [(Task.chat_id if isinstance(entry, Chat) else Task.status_id) == entry.id]
    return any(db.session.scalar(sa.select(sa.exists().where(use))) for use in uses)


def delete_chat(actor: User, chat_id: int) -> tuple[dict[str, Any], bool]:
    _require_editor(actor)
    return _delete(actor, _get(Chat, chat_id, to_change=True))


def delete_status(actor: User, status_id: int) -> tuple[dict[str, Any], bool]:
    _require_editor(actor)
    status = _get(Status, status_id, to_change=True)
    _keep_a_new_status(status)
    return _delete(actor, status)


def delete_group(actor: User, group_id: int) -> tuple[dict[str, Any], bool]:
    """A line whose queue still holds open tasks stays: those tasks would wait for nobody."""
    _require_editor(actor)
    group = _get(Group, group_id, to_change=True)  # no task may join its queue meanwhile
    queued = db.session.scalar(
        sa.select(sa.func.count(Task.id)).where(
            Task.group_id == group.id,
            Task.agent_id.is_(None),
            Task.resolved_at.is_(None),
            Task.deleted_at.is_(None),
        )
    )
    if queued and group.archived_at is None:
        raise ValidationFailed(
            _("%(n)d open tasks wait in this line's queue: hand them on first.", n=queued),
            {"name": _("The queue is not empty.")},
        )
    return _delete(actor, group)


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
    moved = None
    if isinstance(entry, Group):
        moved = {"left": entry.member_ids}
        entry.members = []  # an unused line goes with its memberships
        db.session.flush()
    db.session.delete(entry)
    db.session.flush()
    return _publish("deleted", actor, entry, moved), True


def restore_chat(actor: User, chat_id: int) -> Chat:
    _require_editor(actor)
    return _restore(actor, _get(Chat, chat_id))


def restore_status(actor: User, status_id: int) -> Status:
    _require_editor(actor)
    return _restore(actor, _get(Status, status_id))


def restore_group(actor: User, group_id: int) -> Group:
    _require_editor(actor)
    return _restore(actor, _get(Group, group_id))


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
