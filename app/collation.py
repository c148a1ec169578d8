"""People's names, sorted and put in file names the way people expect.

`sort_key` is a light stand-in for the Unicode Collation Algorithm: accents are
secondary (Ç sorts with C, Ł with L, Ö with O), case is ignored, and scripts stay
in Unicode's order (Latin, then Greek, then Cyrillic), as the UCA's default table
has them. No locale data to load, so a cold start pays nothing for it.
"""

from __future__ import annotations

import re
import unicodedata

# Letters with no decomposition into a base letter and a mark.
_BASE_LETTERS = str.maketrans(
    {
        "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H",
        "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH",
        "ð": "d", "Ð": "D", "ŋ": "n", "Ŋ": "N",
    }
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _base(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_BASE_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sort_key(text: str) -> tuple[str, str]:
    """Base letters first, then the exact text, so that "Cem" < "Çelik" < "Dora"."""
    return _base(text).casefold(), text


def ascii_slug(text: str, limit: int = 60) -> str:
    """`José Álvarez-Núñez` -> `jose-alvarez-nunez`: safe in any file system and header.
    Empty for names with no Latin letters; callers add something unique anyway."""
    return _NOT_SLUG.sub("-", _base(text).casefold()).strip("-")[:limit].strip("-")
