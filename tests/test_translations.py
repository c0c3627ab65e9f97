"""Every string the app shows has its Russian translation: none missing, none fuzzy."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
RU = REPO / "wesup" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
METHODS = [("wesup/**.py", "python"), ("wesup/templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
}


def singular(text: str | tuple[str, ...]) -> str:
    """A plural entry is (singular, plural); it is known by its singular."""
    return text[0] if isinstance(text, tuple) else text


def catalog_ids() -> set[str]:
    with RU.open("rb") as handle:
        return {singular(message.id) for message in read_po(handle) if message.id}


def source_ids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(singular(message))
    return found


def test_every_string_in_the_code_is_in_the_russian_catalog():
    missing = source_ids() - catalog_ids()
    assert not missing, f"run pybabel extract/update -N and translate: {sorted(missing)[:10]}"


def strings(translated: str | tuple[str, ...]) -> tuple[str, ...]:
    """Every form of a translation: one, or each plural form."""
    return translated if isinstance(translated, tuple) else (translated,)


def test_the_russian_catalog_has_no_empty_or_fuzzy_entries():
    with RU.open("rb") as handle:
        untranslated = [
            message.id
            for message in read_po(handle)
            if message.id and (message.fuzzy or not all(strings(message.string)))
        ]
    assert not untranslated, untranslated[:10]
