"""The rule for names people pick from a list (chats, statuses, people, kiosk links).

A name is what a reader tells entries apart by, so it must be visible and unambiguous:
- stored composed (NFC), so that "é" typed two ways is one name;
- no invisible or control characters: zero-width characters, bidi controls (which can
  reverse what the reader sees), other format and control characters, line separators and
  the few letters that render as nothing (`hidden_character` says which one it found);
- unique among active entries by a look-alike key (`skeleton`), so that a Cyrillic «С» typed
  on the Russian layout does not make a second "Clients".

`skeleton` follows the idea of the Unicode TR39 skeleton, kept to what a Russian-speaking
team meets: NFKC (full-width letters, ligatures, no-break spaces) and casefolding, then the
Cyrillic and Greek letters that look like a Latin letter or digit (in either case) become
that letter, and runs of spaces become one. The full TR39 table is not used: it also maps
Cyrillic letters to each other and to rare Latin shapes (п→n, г→r, ь→b), which would make
ordinary Russian names collide. The key is only compared, never shown or stored.
"""

from __future__ import annotations

import unicodedata

# Characters that render as nothing although their category is a letter or a mark.
INVISIBLE_LETTERS = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u2800"  # braille blank
)
# Control (Cc), format (Cf: zero-width, bidi, soft hyphen, BOM), surrogate, line and
# paragraph separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

# Lower case (after casefold), Cyrillic and Greek, to the Latin letter or digit one of its
# cases looks like: С/с→c, В→b, Н→h, З→3, Ν→n, Η→h. No two letters of one script share a
# target, so two Russian names never collide unless they look alike.
LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "з": "3",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "һ": "h",
        "ӏ": "l",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "ζ": "z",
        "η": "h",
        "ι": "i",
        "κ": "k",
        "μ": "m",
        "ν": "n",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "y",
        "χ": "x",
        "ϲ": "c",
    }
)


def hidden_character(name: str) -> str | None:
    """The first invisible or control character of `name` as "U+200B", or None."""
    for char in name:
        if char in INVISIBLE_LETTERS or unicodedata.category(char) in HIDDEN_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


def normalize(name: str) -> str:
    """How a name is stored: composed (NFC) and trimmed."""
    return unicodedata.normalize("NFC", name).strip()


def skeleton(name: str) -> str:
    """The look-alike key: two names with one key could not be told apart on a screen."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    mapped = unicodedata.normalize("NFD", folded).translate(LOOKALIKES)
    return " ".join(mapped.split())


def fold(text: str) -> str:
    """Case aside, in every alphabet («ПРИНТЕР» and «принтер» fold alike)."""
    return text.casefold()


def holds_folded(text: str | None, folded_word: str) -> bool:
    """Whether `text`, case aside, holds an already folded word: SQLite's wesup_holds(),
    since its own lower() and LIKE fold ASCII only, so «Принтер» would not find «принтер».
    One call per value (not a fold, then LIKE) keeps a scan of the log about twice as fast."""
    return text is not None and folded_word in text.casefold()
