"""The shipped fonts (Noto, OFL), the fallback chain and what it can draw.

A layout field names a family (`sans`, `serif`) and a weight. Its text is drawn with
that Latin/Greek/Cyrillic face first and, character by character, with the first face
of the chain that has the character: the other Latin family, then Noto Sans Arabic,
Hebrew, Devanagari, Tamil, Thai and a subset of Noto Sans CJK (docs/fonts.md lists its
character set). `runs` cuts a text into runs of one face; `undrawable` lists what no
face of the chain can draw, plus control characters and unassigned code points, so
that forms can refuse them by name.

Coverage is read from each font's `cmap` with fontTools, once per process. Neither
fontTools nor Pillow is imported until a function here needs it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from PIL.ImageFont import FreeTypeFont

FONT_DIR = Path(__file__).resolve().parents[3] / "static" / "fonts"

FAMILIES = ("sans", "serif")
WEIGHTS = ("regular", "bold")

_LATIN = {"sans": "NotoSans", "serif": "NotoSerif"}
_DISPLAY = {"sans": "Noto Sans", "serif": "Noto Serif"}
# After the Latin faces, in this order; a character takes the first face that has it.
SCRIPT_FACES = (
    "NotoSansArabic",
    "NotoSansHebrew",
    "NotoSansDevanagari",
    "NotoSansTamil",
    "NotoSansThai",
    "NotoSansCJKsc",
)
SCRIPTS = (
    "Latin (with combining marks)",
    "Greek",
    "Cyrillic",
    "Arabic",
    "Hebrew",
    "Devanagari",
    "Tamil",
    "Thai",
    "Chinese (simplified and traditional)",
    "Japanese",
    "Korean",
)
# Drawn by the shaper, never looked up in a cmap: joiners, bidi controls, variation
# selectors. Control characters (Cc), unassigned (Cn), surrogates and private use are
# never drawable.
_SHAPER_ONLY = frozenset({"Cf"})
_NEVER = frozenset({"Cc", "Cn", "Cs", "Co"})

_SPACE_RUN = re.compile(r"\s+")


class UndrawableTextError(ValueError):
    """The text holds characters that none of the shipped fonts can draw."""

    def __init__(self, chars: list[str]):
        self.chars = list(chars)
        listed = ", ".join(f'"{c}" ({describe_char(c)})' for c in self.chars)
        noun = "character" if len(self.chars) == 1 else "characters"
        super().__init__(f"cannot draw {len(self.chars)} {noun}: {listed}")


def describe_char(char: str) -> str:
    """`U+4E2D` style code point and, when it has one, its Unicode name, for messages."""
    name = unicodedata.name(char, "")
    kind = {"Cc": "control character", "Cn": "unassigned code point"}.get(
        unicodedata.category(char), ""
    )
    return ", ".join(part for part in (f"U+{ord(char):04X}", name or kind) if part)


def normalize_text(text: str) -> str:
    """The form in which text is checked and drawn: NFC, runs of whitespace as one space."""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _check(family: str, weight: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown font family {family!r}; use one of {', '.join(FAMILIES)}")
    if weight not in WEIGHTS:
        raise ValueError(f"unknown font weight {weight!r}; use one of {', '.join(WEIGHTS)}")


def face_file(face: str, weight: str) -> Path:
    """The file of one face of the chain (`NotoSansThai`, ...) at a weight."""
    suffix = ".subset.otf" if face == "NotoSansCJKsc" else ".ttf"
    return FONT_DIR / f"{face}-{weight.capitalize()}{suffix}"


def font_path(family: str, weight: str) -> Path:
    _check(family, weight)
    return face_file(_LATIN[family], weight)


def font_name(family: str) -> str:
    return _DISPLAY[family]


@cache
def chain(family: str, weight: str) -> tuple[str, ...]:
    """The faces that draw a field of this family and weight, in order of preference."""
    _check(family, weight)
    latin = [_LATIN[family]] + [_LATIN[f] for f in FAMILIES if f != family]
    return (*latin, *SCRIPT_FACES)


@cache
def coverage(face: str, weight: str) -> frozenset[int]:
    """The code points one face maps to a real glyph (not .notdef)."""
    from fontTools.ttLib import TTFont

    font = TTFont(face_file(face, weight), lazy=True)
    try:
        cmap = font.getBestCmap() or {}
        return frozenset(code for code, glyph in cmap.items() if glyph != ".notdef")
    finally:
        font.close()


def _face_for(char: str, faces: tuple[str, ...], weight: str) -> str | None:
    code = ord(char)
    for face in faces:
        if code in coverage(face, weight):
            return face
    return None


def undrawable(text: str, family: str = "sans", weight: str = "regular") -> list[str]:
    """Distinct characters of `text` that nothing can draw, in order: control characters,
    unassigned code points and characters no face of the chain has. Empty means the text
    renders. Use it to validate names in forms."""
    faces = chain(family, weight)
    missing = []
    for char in dict.fromkeys(normalize_text(text)):
        category = unicodedata.category(char)
        if category in _NEVER or (
            category not in _SHAPER_ONLY and _face_for(char, faces, weight) is None
        ):
            missing.append(char)
    return missing


def _sticks(char: str) -> bool:
    """Marks, joiners, spaces, digits and punctuation stay in the run before them when its
    face has them, so that a word and its marks are shaped together."""
    return not unicodedata.category(char).startswith("L")


def runs(text: str, family: str, weight: str) -> list[tuple[str, str]]:
    """`text` (normalised) cut into (face, text) runs, each drawable by its one face.
    Raises UndrawableTextError listing what cannot be drawn."""
    missing = undrawable(text, family, weight)
    if missing:
        raise UndrawableTextError(missing)
    faces = chain(family, weight)
    result: list[tuple[str, str]] = []
    for char in text:
        current = result[-1][0] if result else None
        if current is not None and (
            unicodedata.category(char) in _SHAPER_ONLY
            or (_sticks(char) and ord(char) in coverage(current, weight))
        ):
            face = current
        else:
            face = _face_for(char, faces, weight) or faces[0]
        if result and result[-1][0] == face:
            result[-1] = (face, result[-1][1] + char)
        else:
            result.append((face, char))
    return result


@lru_cache(maxsize=512)
def get_face(face: str, weight: str, size: int) -> FreeTypeFont:
    """A Pillow font for one face, cached per process, laid out by raqm (HarfBuzz and
    FriBiDi): `textstack.require()` fails loudly rather than fall back to basic layout."""
    from .textstack import require

    require()
    from PIL import ImageFont

    if size < 1:
        raise ValueError(f"font size must be at least 1 px, got {size}")
    return ImageFont.truetype(
        str(face_file(face, weight)), size, layout_engine=ImageFont.Layout.RAQM
    )


def get_font(family: str, weight: str, size: int) -> FreeTypeFont:
    """The Pillow font of a family's own (Latin) face."""
    _check(family, weight)
    return get_face(_LATIN[family], weight, size)
