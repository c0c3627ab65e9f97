"""Kiosk links: read-only access to the wall board for a TV, without a person's account.

The secret is shown once, when the link is made; only its SHA-256 hash is stored, so a
database dump does not open the board. Revoking takes effect at once, in every server
process (see `revoke_kiosk`).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from flask import session
from flask_babel import gettext as _

from wesup import events, validate
from wesup.enums import EventKind
from wesup.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wesup.extensions import db
from wesup.models import KioskToken, User, utcnow

NAME_MAX = 120
SECRET_BYTES = 32


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


def create_kiosk(actor: User, data: dict[str, Any]) -> tuple[KioskToken, str]:
    """Make a named link; the returned secret is shown to the admin once and never again."""
    _require_admin(actor)
    name = _name(data)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    kiosk = KioskToken(
        name=name, token_hash=hash_secret(secret), created_by_id=actor.id, created_at=utcnow()
    )
    db.session.add(kiosk)
    db.session.flush()
    events.publish(events.record(EventKind.KIOSK_CREATED, actor, kiosk=_snapshot(kiosk)))
    return kiosk, secret


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
