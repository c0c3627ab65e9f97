"""Small input checks shared by every service; each returns the clean value or fills `errors`."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from wesup import names

# \Z, not $: "$" also matches before a trailing newline ("#123456\n" is eight characters).
HEX_COLOR = re.compile(r"^#[0-9a-f]{6}\Z")
# ASCII digits only: int() also reads "٣" (Arabic-Indic three), "３", " 3", "+3" and "1_0".
WHOLE_NUMBER = re.compile(r"^-?[0-9]+\Z")
# Ids, positions and versions are INTEGER columns: a number outside this range names no row,
# and handing it to the database would fail (SQLite overflows, PostgreSQL rejects it).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def in_int_range(value: int) -> bool:
    """Whether the database can store and compare this integer."""
    return INT_MIN <= value <= INT_MAX


class RowIdConverter(IntegerConverter):
    """`<int:id>` in URLs: a number no row can have is a 404, never a database error.

    (A converter `max` would make Werkzeug answer 405 for PATCH or DELETE instead.) The
    pattern is ASCII: Werkzeug's `\\d+` also matches "٣", which int() reads as 3."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not in_int_range(number):
            raise NotFound()
        return number


def storable(value: str) -> bool:
    """Text a database can hold: no NUL (PostgreSQL refuses it) and no lone surrogate (JSON
    can carry one, UTF-8 cannot)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
    if not isinstance(raw, str) or not storable(raw):
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


def name(
    data: dict[str, Any],
    field: str,
    errors: dict[str, str],
    *,
    max_length: int,
    required: bool = False,
) -> str | None:
    """A name people pick from a list (chat, status, person, kiosk link): text, stored
    composed (NFC), with no invisible or control character (see wesup/names.py)."""
    raw = data.get(field)
    if isinstance(raw, str) and storable(raw):
        data = {field: names.normalize(raw)}
    value = text(data, field, errors, max_length=max_length, required=required)
    if value is None:
        return None
    hidden = names.hidden_character(value)
    if hidden is not None:
        errors[field] = _(
            "Remove the invisible or control character %(char)s: names must look like what "
            "they are.",
            char=hidden,
        )
        return None
    return value


def integer(data: dict[str, Any], name: str, errors: dict[str, str]) -> int | None:
    """An int from JSON, a form field or a query argument; None when absent or empty.

    Text must be ASCII digits with an optional minus: "٣" is not 3 here."""
    raw = data.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        errors[name] = _("Must be a whole number.")
        return None
    if isinstance(raw, str) and not WHOLE_NUMBER.match(raw):
        errors[name] = _("Must be a whole number.")
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        errors[name] = _("Must be a whole number.")
        return None
    if not in_int_range(value):
        errors[name] = _("The number is out of range.")
        return None
    return value


def flag(data: dict[str, Any], name: str, errors: dict[str, str]) -> bool | None:
    """A yes/no: JSON true or false (a form's "1"/"0" too); None when absent."""
    raw = data.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if raw in ("1", "0"):
        return raw == "1"
    errors[name] = _("Must be true or false.")
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
    """A color like #1e88e5: exactly seven characters, kept in lower case ("#ABCDEF" too)."""
    raw = data.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or not HEX_COLOR.match(raw.lower()):
        errors[name] = _("Use a color like #1e88e5.")
        return None
    return raw.lower()
