"""The shipped fonts (Noto Sans and Noto Serif, OFL) and what they can draw.

Which characters a font covers is read from the font's own `cmap` table by the small
parser below, so checking a name (`undrawable`) needs neither Pillow nor fontTools and
costs one file read per font per process. Drawing goes through `get_font`, which loads
Pillow only when called.

A text is always drawn with one font. If the requested family cannot draw every
character, the other shipped family of the same weight is used when it can; otherwise
`UndrawableTextError` lists the characters that cannot be drawn. Nothing is ever drawn
as a missing-glyph box.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from PIL.ImageFont import FreeTypeFont

FONT_DIR = Path(__file__).resolve().parents[3] / "static" / "fonts"

FAMILIES = ("sans", "serif")
WEIGHTS = ("regular", "bold")

_FILES = {
    ("sans", "regular"): "NotoSans-Regular.ttf",
    ("sans", "bold"): "NotoSans-Bold.ttf",
    ("serif", "regular"): "NotoSerif-Regular.ttf",
    ("serif", "bold"): "NotoSerif-Bold.ttf",
}
_DISPLAY = {"sans": "Noto Sans", "serif": "Noto Serif"}

_SPACE_RUN = re.compile(r"\s+")


class UndrawableTextError(ValueError):
    """The text holds characters that none of the shipped fonts can draw."""

    def __init__(self, chars: list[str]):
        self.chars = list(chars)
        listed = ", ".join(f'"{c}" ({describe_char(c)})' for c in self.chars)
        noun = "character" if len(self.chars) == 1 else "characters"
        super().__init__(
            f"cannot draw {len(self.chars)} {noun} with the shipped fonts "
            f"(Noto Sans, Noto Serif: Latin, Greek and Cyrillic): {listed}"
        )


def describe_char(char: str) -> str:
    """`U+4E2D` style code point, for messages (invisible characters stay readable)."""
    return f"U+{ord(char):04X}"


def normalize_text(text: str) -> str:
    """The form in which text is checked and drawn: NFC, runs of whitespace as one space."""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _check(family: str, weight: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown font family {family!r}; use one of {', '.join(FAMILIES)}")
    if weight not in WEIGHTS:
        raise ValueError(f"unknown font weight {weight!r}; use one of {', '.join(WEIGHTS)}")


def font_path(family: str, weight: str) -> Path:
    _check(family, weight)
    return FONT_DIR / _FILES[(family, weight)]


def font_name(family: str) -> str:
    return _DISPLAY[family]


# --- cmap ------------------------------------------------------------------------------


def _parse_cmap(data: bytes) -> frozenset[int]:
    """Code points that map to a real glyph (not glyph 0, .notdef), from a TrueType/OTF
    file's best Unicode cmap subtable (format 12 preferred, else format 4)."""
    (num_tables,) = struct.unpack_from(">H", data, 4)
    cmap_offset = None
    for i in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if tag == b"cmap":
            cmap_offset = offset
            break
    if cmap_offset is None:
        raise ValueError("font has no cmap table")

    _version, n_sub = struct.unpack_from(">HH", data, cmap_offset)
    subtables: dict[int, int] = {}  # format -> absolute offset of the best Unicode subtable
    for i in range(n_sub):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap_offset + 4 + 8 * i)
        unicode_table = platform == 0 or (platform == 3 and encoding in (1, 10))
        if not unicode_table:
            continue
        absolute = cmap_offset + offset
        (fmt,) = struct.unpack_from(">H", data, absolute)
        subtables.setdefault(fmt, absolute)

    if 12 in subtables:
        return _cmap_format12(data, subtables[12])
    if 4 in subtables:
        return _cmap_format4(data, subtables[4])
    raise ValueError("font has no Unicode cmap subtable of format 4 or 12")


def _cmap_format4(data: bytes, base: int) -> frozenset[int]:
    (seg_x2,) = struct.unpack_from(">H", data, base + 6)
    seg = seg_x2 // 2
    ends = struct.unpack_from(f">{seg}H", data, base + 14)
    starts = struct.unpack_from(f">{seg}H", data, base + 16 + seg_x2)
    deltas = struct.unpack_from(f">{seg}h", data, base + 16 + 2 * seg_x2)
    range_offsets_at = base + 16 + 3 * seg_x2
    range_offsets = struct.unpack_from(f">{seg}H", data, range_offsets_at)
    covered: set[int] = set()
    for i in range(seg):
        start, end, delta, range_offset = starts[i], ends[i], deltas[i], range_offsets[i]
        if start == 0xFFFF:
            continue
        for code in range(start, end + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                at = range_offsets_at + 2 * i + range_offset + 2 * (code - start)
                (glyph,) = struct.unpack_from(">H", data, at)
                if glyph:
                    glyph = (glyph + delta) & 0xFFFF
            if glyph:
                covered.add(code)
    return frozenset(covered)


def _cmap_format12(data: bytes, base: int) -> frozenset[int]:
    (n_groups,) = struct.unpack_from(">I", data, base + 12)
    covered: set[int] = set()
    for i in range(n_groups):
        start, end, start_glyph = struct.unpack_from(">III", data, base + 16 + 12 * i)
        for code in range(start, end + 1):
            if start_glyph + (code - start):
                covered.add(code)
    return frozenset(covered)


@cache
def coverage(family: str, weight: str) -> frozenset[int]:
    """The code points the given shipped font can draw."""
    return _parse_cmap(font_path(family, weight).read_bytes())


def missing_in(text: str, family: str, weight: str) -> list[str]:
    """Distinct characters of `text` (as given) that this one font cannot draw, in order.
    Control characters count as undrawable even where the font maps them to a blank."""
    covered = coverage(family, weight)
    return list(
        dict.fromkeys(c for c in text if ord(c) not in covered or unicodedata.category(c) == "Cc")
    )


def _candidates(family: str) -> list[str]:
    return [family] + [f for f in FAMILIES if f != family]


def _best(text: str, family: str, weight: str) -> tuple[str, list[str]]:
    _check(family, weight)
    best: tuple[str, list[str]] | None = None
    for candidate in _candidates(family):
        missing = missing_in(text, candidate, weight)
        if not missing:
            return candidate, []
        if best is None or len(missing) < len(best[1]):
            best = (candidate, missing)
    assert best is not None
    return best


def undrawable(text: str, family: str = "sans", weight: str = "regular") -> list[str]:
    """Characters of `text` that cannot be drawn, after falling back to the other shipped
    family. Empty means the text renders. Use it to validate names in forms."""
    return _best(normalize_text(text), family, weight)[1]


def resolve_family(text: str, family: str, weight: str) -> str:
    """The family that will draw `text` (already normalised): `family` if it can, else a
    shipped family that can. Raises UndrawableTextError listing what cannot be drawn."""
    chosen, missing = _best(text, family, weight)
    if missing:
        raise UndrawableTextError(missing)
    return chosen


@lru_cache(maxsize=256)
def get_font(family: str, weight: str, size: int) -> FreeTypeFont:
    """A Pillow font object, cached per process. Uses Pillow's basic layout engine so that
    output does not depend on whether libraqm happens to be installed."""
    from PIL import ImageFont

    if size < 1:
        raise ValueError(f"font size must be at least 1 px, got {size}")
    return ImageFont.truetype(
        str(font_path(family, weight)), size, layout_engine=ImageFont.Layout.BASIC
    )
