"""Small input checks shared by every service; each returns the clean value or fills `errors`."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def text(
    data: dict[str, Any],
    name: str,
    errors: dict[str, str],
    *,
    max_length: int,
    required: bool = False,
) -> str | None:
    """A trimmed string, or None when absent."""
    raw = data.get(name)
    if raw is None:
        if required:
            errors[name] = _("This field is required.")
        return None
    if not isinstance(raw, str):
        errors[name] = _("Must be text.")
        return None
    value = raw.strip()
    if required and not value:
        errors[name] = _("This field is required.")
        return None
    if len(value) > max_length:
        errors[name] = _("At most %(n)d characters.", n=max_length)
        return None
    return value


def integer(data: dict[str, Any], name: str, errors: dict[str, str]) -> int | None:
    """An int from JSON or a form field; None when absent or empty."""
    raw = data.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        errors[name] = _("Must be a whole number.")
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        errors[name] = _("Must be a whole number.")
        return None


def choice(
    data: dict[str, Any], name: str, errors: dict[str, str], options: tuple[str, ...]
) -> str | None:
    raw = data.get(name)
    if raw is None:
        return None
    if raw not in options:
        errors[name] = _("Choose one of: %(options)s.", options=", ".join(options))
        return None
    return raw


def color(data: dict[str, Any], name: str, errors: dict[str, str]) -> str | None:
    raw = data.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or not HEX_COLOR.match(raw):
        errors[name] = _("Use a color like #1e88e5.")
        return None
    return raw.lower()
