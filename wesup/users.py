"""People: create, edit, deactivate, reset passwords, their support lines, and the one-time
first-admin setup."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from wesup import events, handovers, owners, passwords, validate
from wesup.config import write_private
from wesup.enums import LEADS, WORKS_TASKS, EventKind, Role, directory_kind
from wesup.errors import Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import Group, Installation, TaskEvent, User, utcnow

# The roles a person may be given; an integration is an API token's account (apitokens.py).
ROLES = tuple(role.value for role in Role if role != Role.INTEGRATION)
PASSWORD_MIN = 8
LOGIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise Forbidden(_("Only an admin can manage people."))


def all_users() -> list[User]:
    """People, by name; API tokens' integration accounts are listed with their tokens."""
    query = sa.select(User).where(User.role != Role.INTEGRATION)
    return list(db.session.execute(query.order_by(sa.func.lower(User.name))).scalars())


def people_who_work_tasks(*, include_inactive: bool = False) -> list[User]:
    """People who own and work tasks (enums.WORKS_TASKS), by name: the owner pickers and the
    wall-board lanes take the active ones; the All-tasks agent filter keeps deactivated
    people too, since their old tasks are still on the board."""
    query = sa.select(User).where(User.role.in_(WORKS_TASKS))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return list(db.session.execute(query.order_by(sa.func.lower(User.name), User.id)).scalars())


def session_stamps(user_ids: set[int]) -> dict[int, str]:
    """The session stamps of the active people among these ids: a socket of anyone missing
    here, or connected with another stamp, belongs to an ended session (sockets.sweep_people)."""
    if not user_ids:
        return {}
    query = sa.select(User).where(User.id.in_(user_ids), User.active.is_(True))
    return {user.id: user.session_stamp for user in db.session.execute(query).scalars()}


def lines_of(user: User) -> list[Group]:
    """The lines a person belongs to (archived ones too), in the lines' order."""
    query = (
        sa.select(Group)
        .join(Group.members)
        .where(User.id == user.id)
        .order_by(Group.position, Group.id)
    )
    return list(db.session.execute(query).scalars())


def get_user(user_id: int) -> User:
    """A person by id; an integration account is no person (its token page manages it)."""
    user = db.session.get(User, user_id)
    if user is None or user.is_integration:
        raise NotFound(_("No such person."))
    return user


def _password(data: dict[str, Any], errors: dict[str, str], *, required: bool) -> str | None:
    raw = data.get("password")
    if raw in (None, "") and not required:
        return None
    if not isinstance(raw, str) or len(raw) < PASSWORD_MIN:
        errors["password"] = _("At least %(n)d characters.", n=PASSWORD_MIN)
        return None
    return raw


def _login(data: dict[str, Any], errors: dict[str, str], *, exclude: int | None) -> str | None:
    login = validate.text(data, "login", errors, max_length=64, required=True)
    if login is None:
        return None
    login = login.lower()
    if not set(login) <= LOGIN_CHARS:
        errors["login"] = _("Use Latin letters, digits, dots, dashes and underscores.")
        return None
    taken = db.session.scalar(sa.select(User.id).where(User.login == login))
    if taken is not None and taken != exclude:
        errors["login"] = _("This login is taken.")
        return None
    return login


def create_user(actor: User | None, data: dict[str, Any]) -> User:
    """actor None means the CLI or the first-run setup, which act as the installation itself."""
    _require_admin(actor)
    user = _new_user(data)
    db.session.add(user)
    _commit_unless_login_taken()
    return user


def _new_user(data: dict[str, Any]) -> User:
    """A checked person with a hashed password, not yet in the session (hashing takes a
    while: no transaction waits on it)."""
    errors: dict[str, str] = {}
    login = _login(data, errors, exclude=None)
    name = validate.name(data, "name", errors, max_length=120, required=True)
    role = validate.choice(data, "role", errors, ROLES) or Role.AGENT
    password = _password(data, errors, required=True)
    if errors or login is None or name is None or password is None:
        raise ValidationFailed(_("The person was not saved."), errors)
    user = User(login=login, name=name, role=role, active=True)
    user.set_password(password)
    return user


def _commit_unless_login_taken() -> None:
    """Two admins saving the same new login at once: the second gets the form message."""
    _flush_unless_login_taken()
    db.session.commit()


def _flush_unless_login_taken() -> None:
    """The same check, for a change that records its events before it commits: a person's
    sessions ended (`session.ended`: every server process cuts their open pages when it
    reaches it in the log, wesup/relay.py), a handover of their tasks, their lines."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed(
            _("The person was not saved."), {"login": _("This login is taken.")}
        ) from exc


def update_user(actor: User | None, user_id: int, data: dict[str, Any]) -> User:
    """Edit name, login, role, active flag, lines (`group_ids`) and, when given, the password.

    Somebody who stops working tasks (deactivated, or made a viewer) while holding open ones
    hands them over in the same transaction: `to_agent_id` or `to_group_id` (and `note`)
    are then required, so no task is ever left with nobody."""
    _require_admin(actor)
    user = get_user(user_id)
    errors: dict[str, str] = {}
    login = _login(data, errors, exclude=user.id) if "login" in data else user.login
    name = validate.name(data, "name", errors, max_length=120, required=True)
    role = validate.choice(data, "role", errors, ROLES) or user.role
    active = bool(data.get("active", user.active))
    password = _password(data, errors, required=False)
    lines = owners.pick_lines(data, "group_ids", errors)
    if actor is not None and actor.id == user.id and (role != Role.ADMIN or not active):
        errors["role"] = _("You cannot remove your own admin rights.")
    stops_working = user.active and user.works_tasks and not (active and role in WORKS_TASKS)
    leaving = handovers.leaving_destination(user, data, errors) if stops_working else None
    if errors:
        raise ValidationFailed(_("The person was not saved."), errors)
    deactivated = user.active and not active
    demoted = user.role in LEADS and role not in LEADS  # their pages hear what leads hear
    user.login = login or user.login
    user.name = name or user.name
    user.role = role
    user.active = active
    if password:
        user.set_password(password)
    ended: dict[str, Any] | None = None
    if deactivated or password or demoted:  # their open pages stop at once, on every process
        user.end_sessions()  # and a reactivation later does not revive their cookies
        reason = "deactivated" if deactivated else "password_reset" if password else "demoted"
        ended = {"person": user.brief(), "reason": reason}
    changed_lines = set()
    if lines is not None:
        changed_lines = owners.set_lines(user, [group.id for group in lines])
    _flush_unless_login_taken()
    made = handovers.hand_over(actor, user, leaving) if leaving is not None else None
    recorded = made[1] if made else []
    recorded += [_line_changed(actor, user, group_id) for group_id in sorted(changed_lines)]
    if ended is not None:
        recorded.append(events.record(EventKind.SESSION_ENDED, actor, **ended))
    events.publish_all(recorded)  # one commit, also when there is no event
    return user


def _line_changed(actor: User | None, person: User, group_id: int) -> TaskEvent:
    """The person joined or left a line: `group.updated` with its member_ids and who moved
    (every server process moves that person's sockets as it hands the event out)."""
    group = db.session.get(Group, group_id)
    assert group is not None  # set_lines only reports lines that exist
    kind = directory_kind("group", "updated")
    if person.id in group.member_ids:
        return events.record(kind, actor, group=group.to_dict(), joined=[person.id])
    return events.record(kind, actor, group=group.to_dict(), left=[person.id])


def set_locale(user: User, locale: str | None) -> None:
    """A person's language override; None follows the browser."""
    if locale not in (None, *current_app.config["LANGUAGES"]):
        raise ValidationFailed(_("Unknown language."), {"locale": _("Unknown language.")})
    user.locale = locale
    db.session.commit()


def change_own_password(user: User, data: dict[str, Any]) -> None:
    """A person's new password, given their current one. Every other session and remember-me
    cookie ends (`session.ended` cuts their open pages on every process); the caller signs
    this browser in again with the new stamp. A wrong current password changes nothing."""
    errors: dict[str, str] = {}
    current = data.get("current_password")
    if not isinstance(current, str) or not current or not user.check_password(current):
        errors["current_password"] = _("This is not your current password.")
    password = _password({"password": data.get("new_password")}, errors, required=True)
    if password is not None and data.get("confirm_password") != password:
        errors["confirm_password"] = _("The two new passwords differ.")
    if errors or password is None:
        raise ValidationFailed(_("The password was not changed."), _own_fields(errors))
    user.set_password(password)
    user.end_sessions()
    reason = "password_changed"
    events.publish(events.record(EventKind.SESSION_ENDED, user, person=user.brief(), reason=reason))


def _own_fields(errors: dict[str, str]) -> dict[str, str]:
    """The profile form calls the new password `new_password`."""
    if "password" in errors:
        errors["new_password"] = errors.pop("password")
    return errors


def normalize_login(login: str) -> str:
    """A login as typed at sign-in ("  Alice ") to the one stored ("alice")."""
    return login.strip().lower()


def authenticate(login: str, password: str) -> User | None:
    """The active person with this login and password, or None.

    Every answer costs one password check: an unknown or deactivated login is checked against
    a dummy hash, so the time a refusal takes does not tell which logins exist."""
    user = None
    if "\x00" not in login:  # no login holds one, and PostgreSQL refuses it in a query
        user = db.session.execute(
            sa.select(User).where(User.login == normalize_login(login))
        ).scalar_one_or_none()
    if user is None or not user.active or user.is_integration:
        passwords.check_nobody(password)
        return None
    return user if user.check_password(password) else None


# --- first run -----------------------------------------------------------------------------


def has_users() -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count(User.id))))


def _setup_token_path() -> Path:
    return Path(current_app.instance_path) / "setup_token"


def setup_token() -> str | None:
    """The one-time token for creating the first admin, while nobody exists yet."""
    if has_users():
        _setup_token_path().unlink(missing_ok=True)
        return None
    path = _setup_token_path()
    if not path.exists():
        write_private(path, secrets.token_urlsafe(24))
    return path.read_text().strip()


def check_setup_token(candidate: str | None) -> bool:
    token = setup_token()
    if not (token and candidate):
        return False
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500)
    return hmac.compare_digest(token.encode(), candidate.encode("utf-8", "surrogateescape"))


def create_first_admin(token: str | None, data: dict[str, Any]) -> User:
    """The setup link's one admin. The installation row and the admin are committed together
    and the row's key is fixed, so of several people posting the link at once (threads,
    green threads, processes) one gets the admin and the others a spent link: the database
    decides, not the check of the token that all of them passed."""
    if not check_setup_token(token):
        raise Forbidden(_("This setup link is no longer valid."))
    user = _new_user({**data, "role": Role.ADMIN})
    db.session.add(Installation(id=Installation.THE_ONE, set_up_at=utcnow()))
    try:
        db.session.flush()  # waits here for anybody else's setup to commit or roll back
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise Forbidden(_("This setup link is no longer valid.")) from exc
    db.session.add(user)
    _commit_unless_login_taken()
    _setup_token_path().unlink(missing_ok=True)
    return user
