"""Kiosk links: read-only access to the wall board for a TV, without a person's account.

The secret is shown on the page that made the link and nowhere else; only its SHA-256 hash is
stored, so a database dump does not open the board, and it never travels in the session
cookie (signed, not encrypted). Revoking takes effect at once, in every server process (see
`revoke_kiosk`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import gettext as _

from wesup import events, validate
from wesup.enums import EventKind
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import KioskToken, User, utcnow

NAME_MAX = 120
SECRET_BYTES = 32
# How long the form that made a link may show it again when posted again (F5, back/forward).
SHOW_AGAIN_MINUTES = 10


def _storable(kiosk_id: int) -> bool:
    """Ids no row can have never reach the database (its drivers would refuse them)."""
    return kiosk_id > 0 and validate.in_int_range(kiosk_id)


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only an admin can manage kiosk links."))


def hash_secret(secret: str) -> str:
    """What the database keeps instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def kiosks() -> list[KioskToken]:
    """Every kiosk link, active ones first, newest first."""
    query = sa.select(KioskToken).order_by(
        KioskToken.revoked_at.is_not(None), KioskToken.created_at.desc(), KioskToken.id.desc()
    )
    return list(db.session.execute(query).scalars())


def find_by_secret(secret: str | None) -> KioskToken | None:
    """The kiosk link a secret opens (revoked or not), or None for an unknown secret."""
    if not secret or not isinstance(secret, str) or len(secret) > 200:
        return None
    query = sa.select(KioskToken).where(KioskToken.token_hash == hash_secret(secret))
    return db.session.execute(query).scalar_one_or_none()


def active_kiosk(kiosk_id: Any) -> KioskToken | None:
    """The kiosk with this id while it is not revoked (session values are not trusted)."""
    if not isinstance(kiosk_id, int) or isinstance(kiosk_id, bool) or not _storable(kiosk_id):
        return None
    kiosk = db.session.get(KioskToken, kiosk_id)
    return kiosk if kiosk is not None and kiosk.is_active else None


def current_kiosk() -> KioskToken | None:
    """The kiosk link this browser opened, while it is not revoked."""
    return active_kiosk(session.get("kiosk_id"))


def revoked_ids(kiosk_ids: set[int]) -> set[int]:
    """Which of these kiosk links are revoked (or gone): the sockets a sweep must cut."""
    if not kiosk_ids:
        return set()
    query = sa.select(KioskToken.id).where(
        KioskToken.id.in_(kiosk_ids), KioskToken.revoked_at.is_(None)
    )
    return kiosk_ids - set(db.session.execute(query).scalars())


def _name(data: dict[str, Any]) -> str:
    errors: dict[str, str] = {}
    name = validate.name(data, "name", errors, max_length=NAME_MAX, required=True)
    if errors or name is None:
        raise ValidationFailed(_("The kiosk link was not saved."), errors)
    return name


def _get(kiosk_id: int) -> KioskToken:
    kiosk = db.session.get(KioskToken, kiosk_id) if _storable(kiosk_id) else None
    if kiosk is None:
        raise NotFound(_("No such kiosk link."))
    return kiosk


def _snapshot(kiosk: KioskToken) -> dict[str, Any]:
    """What the event log keeps about a kiosk: never the secret, never its hash."""
    return {"id": kiosk.id, "name": kiosk.name}


def new_form_nonce() -> str:
    """The one-time value a create form carries; it fixes the secret of the link it makes."""
    return secrets.token_urlsafe(SECRET_BYTES)


def _usable_nonce(data: dict[str, Any]) -> str | None:
    nonce = data.get("nonce")
    if isinstance(nonce, str) and 32 <= len(nonce) <= 200:
        return nonce
    return None


def _secret_for(nonce: str) -> str:
    """The secret of the link a form makes: a keyed hash of the form's nonce, so the same form
    posted again names the same link instead of making another. Nobody without the app's
    secret key can compute it, and the nonce is never stored."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"wesup kiosk link\x00" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class NewLink:
    """What a create form made: the link, its secret while it may be shown (else None), and
    whether this post made it or an earlier post of the same form did."""

    kiosk: KioskToken
    secret: str | None
    repeated: bool


def _made_earlier(actor: User, secret: str) -> NewLink | None:
    """The same form was posted before: its link, shown again for a few minutes only."""
    kiosk = find_by_secret(secret)
    if kiosk is None:
        return None
    fresh = kiosk.created_at > utcnow() - timedelta(minutes=SHOW_AGAIN_MINUTES)
    shown = fresh and kiosk.is_active and kiosk.created_by_id == actor.id
    return NewLink(kiosk, secret if shown else None, repeated=True)


def create_kiosk(actor: User, data: dict[str, Any]) -> NewLink:
    """Make a named link from the create form (`name`, and the form's `nonce`).

    Posting the same form again (F5 on the answer, a double click) makes nothing new and
    returns the link it made, with its secret for SHOW_AGAIN_MINUTES. The secret is for the
    answer to show; the database keeps only its hash."""
    _require_admin(actor)
    nonce = _usable_nonce(data)
    secret = _secret_for(nonce) if nonce else None
    if secret and (earlier := _made_earlier(actor, secret)):
        return earlier
    name = _name(data)
    if secret is None:
        message = _("This form has expired. Reload the page and try again.")
        raise ValidationFailed(message, {"name": message})
    kiosk = KioskToken(
        name=name, token_hash=hash_secret(secret), created_by_id=actor.id, created_at=utcnow()
    )
    db.session.add(kiosk)
    try:
        db.session.flush()  # a double click: the other post holds this hash already
    except sa.exc.IntegrityError:
        db.session.rollback()
        earlier = _made_earlier(actor, secret)
        if earlier is None:
            raise
        return earlier
    events.publish(events.record(EventKind.KIOSK_CREATED, actor, kiosk=_snapshot(kiosk)))
    return NewLink(kiosk, secret, repeated=False)


def rename_kiosk(actor: User, kiosk_id: int, data: dict[str, Any]) -> KioskToken:
    """Say which screen a link belongs to (the name is all the list shows)."""
    _require_admin(actor)
    kiosk = _get(kiosk_id)
    name = _name(data)
    if name != kiosk.name:
        kiosk.name = name
        events.publish(events.record(EventKind.KIOSK_RENAMED, actor, kiosk=_snapshot(kiosk)))
    return kiosk


def revoke_kiosk(actor: User, kiosk_id: int) -> KioskToken:
    """Stop a link for good and cut the screens that use it.

    Three layers, so that it holds with several server processes: the commit makes every
    later connect, socket message and page load refuse the link; every process, when it
    reaches the `kiosk.revoked` event in the log, tells the room kiosk:<id> on it why and
    disconnects its sockets (wesup/relay.py; this process at once, the others within
    moments, or within a few seconds when Redis is away); and the housekeeping sweep
    (sockets.sweep_kiosks) cuts any that slipped through.
    """
    _require_admin(actor)
    kiosk = _get(kiosk_id)
    if not kiosk.is_active:
        raise Conflict(_("This kiosk link is already revoked."))
    kiosk.revoked_at = utcnow()
    events.publish(events.record(EventKind.KIOSK_REVOKED, actor, kiosk=_snapshot(kiosk)))
    return kiosk
