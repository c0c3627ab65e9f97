"""API tokens: a bot's key to the JSON API, made and revoked by an admin.

A token is a named integration ("Telegram bot"), limited to its scopes (enums.TokenScope).
It acts as a service account of its own, a row of `users` with role integration, so the
timeline, the event log and every service name the bot as they name a person; that account
never signs in, works no tasks and is not listed among people. The secret appears once, in the
answer that made it; the database keeps its SHA-256 and its first characters (`prefix`) to
tell tokens apart. Revoking is a soft delete with its audit event, and takes effect on the
next request (every bearer request reads its token; wesup/bearer.py). A token may be given a
lifetime (`expires_in_days`); past `expires_at` it is refused like a revoked one, by the same
check (`token_in_force`), with no event: nothing changed but the time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from wesup import events, passwords, validate
from wesup.enums import EventKind, Role, TokenScope
from wesup.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from wesup.extensions import db
from wesup.models import ApiToken, User, utcnow

NAME_MAX = 120
SECRET_PREFIX = "wesup_"  # noqa: S105 - says what the string is when it turns up in a log or a chat
PREFIX_LENGTH = 12  # "wesup_" and six characters of the random part
SECRET_BYTES = 32
SECRET_MAX = 200  # anything longer is no token of ours: not even hashed
# Writing last_used_at on every request would be a write per bot call; once a minute is
# enough to say "used today".
LAST_USED_STEP = timedelta(minutes=1)
SCOPES = tuple(scope.value for scope in TokenScope)
EXPIRY_DAYS_MAX = 3650  # ten years: any longer is "never" in all but name
EXPIRY_CHOICES = (30, 90, 365)  # the admin form's lifetimes, besides "never"


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only an admin can manage API tokens."))


def hash_secret(secret: str) -> str:
    """What the database keeps instead of the secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def tokens(actor: User) -> list[ApiToken]:
    """Every token, active ones first, newest first; an admin's list."""
    _require_admin(actor)
    query = sa.select(ApiToken).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
    )
    return list(db.session.execute(query).scalars())


def token_in_force(token: ApiToken | None) -> ApiToken:
    """The token, if it may still be used; else Unauthorized with the reason a bot's owner
    can act on. The one rule for revoked and expired tokens (bearer requests and `may`)."""
    if token is None or not token.is_active:
        raise Unauthorized(_("This API token is not valid or has been revoked."))
    if token.is_expired:
        raise Unauthorized(_("This API token has expired."))
    return token


def active_token(secret: str) -> ApiToken:
    """The token of this secret, in force; Unauthorized when it is unknown, malformed,
    revoked or expired."""
    token = None
    if secret and len(secret) <= SECRET_MAX and secret.startswith(SECRET_PREFIX):
        query = sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
        token = db.session.execute(query).scalar_one_or_none()
    return token_in_force(token)


def may(user: User, scope: TokenScope) -> bool:
    """Whether this integration's token is in force and carries the scope: the services' rule
    for a bot (the route's `takes_token` already refused a token without it; this keeps the
    service honest when it is called another way)."""
    if not user.is_integration:
        return False
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
    ).scalar_one_or_none()
    try:
        return scope.value in token_in_force(token).scope_list
    except Unauthorized:
        return False


def mark_used(token: ApiToken) -> None:
    """Note the time of use (at most once a minute), committed at once: a read-only request
    commits nothing of its own."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_STEP:
        return
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    token.last_used_at = now


@dataclass(frozen=True)
class NewToken:
    """A token just made and its secret: the only time the secret exists outside the bot."""

    token: ApiToken
    secret: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.token.to_dict(), "secret": self.secret}


def _scopes(data: dict[str, Any], errors: dict[str, str]) -> list[str]:
    """The scopes asked for: a list (the API) of known scope names, at least one."""
    raw = data.get("scopes")
    if not isinstance(raw, list) or not raw or not all(isinstance(item, str) for item in raw):
        errors["scopes"] = _("Choose at least one scope.")
        return []
    unknown = [item for item in raw if item not in SCOPES]
    if unknown:
        errors["scopes"] = _("Unknown scope: %(names)s.", names=", ".join(unknown[:3])[:100])
        return []
    return sorted(set(raw))


def _expires_at(data: dict[str, Any], errors: dict[str, str]) -> datetime | None:
    """When the token stops working: `expires_in_days` (1..EXPIRY_DAYS_MAX) from now, or
    None (absent, null or the form's empty "never") for a token that never expires."""
    days = validate.integer(data, "expires_in_days", errors)
    if days is not None and not 1 <= days <= EXPIRY_DAYS_MAX:
        errors["expires_in_days"] = _(
            "Choose a lifetime of 1 to %(max)d days, or none.", max=EXPIRY_DAYS_MAX
        )
        return None
    return None if days is None else utcnow() + timedelta(days=days)


def _snapshot(token: ApiToken) -> dict[str, Any]:
    """What the event log keeps about a token: never the secret, never its hash."""
    return {"id": token.id, "name": token.name, "scopes": token.scope_list, "prefix": token.prefix}


def create_token(actor: User, data: dict[str, Any]) -> NewToken:
    """Make a token and its integration account from `name`, `scopes` and the optional
    `expires_in_days`."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    name = validate.name(data, "name", errors, max_length=NAME_MAX, required=True)
    scopes = _scopes(data, errors)
    expires_at = _expires_at(data, errors)
    if errors or name is None:
        raise ValidationFailed(_("The token was not saved."), errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    now = utcnow()
    account = User(
        # ":" is no login character (users.LOGIN_CHARS): no person can take or type it
        login=f"integration:{secrets.token_hex(8)}",
        name=name,
        role=Role.INTEGRATION,
        active=True,
        # a hash of a password nobody knows; users.authenticate refuses integrations anyway
        password_hash=passwords.dummy_hash(),
        created_at=now,
    )
    token = ApiToken(
        name=name,
        scopes=" ".join(scopes),
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        user=account,
        created_by_id=actor.id,
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add_all([account, token])
    db.session.flush()
    events.publish(events.record(EventKind.TOKEN_CREATED, actor, token=_snapshot(token)))
    return NewToken(token, secret)


def _get(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id) if validate.in_int_range(token_id) else None
    if token is None:
        raise NotFound(_("No such API token."))
    return token


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Stop a token for good: its next request is a 401. The row stays (the timeline still
    names the integration); its account is deactivated with it."""
    _require_admin(actor)
    token = _get(token_id)
    if not token.is_active:
        raise Conflict(_("This API token is already revoked."), current=token.to_dict())
    token.revoked_at = utcnow()
    token.user.active = False
    events.publish(events.record(EventKind.TOKEN_REVOKED, actor, token=_snapshot(token)))
    return token
