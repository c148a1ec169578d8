"""Shaped lines: text cut into runs of one face and one direction, measured by raqm.

A line is first cut by font (`fonts.runs`, the fallback chain) and by bidi level
(`textstack.embedding_levels`, FriBiDi), then its runs are put in visual order (UAX #9,
rule L2). Each run is shaped by HarfBuzz as a whole, so Arabic joins, Indic clusters
form and marks attach; widths are the shaped advances, which is what wrapping and
shrink-to-fit measure. The PNG and the PDF draw the same runs at the same places.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .fonts import get_face, runs
from .textstack import embedding_levels

CJK_FACE = "NotoSansCJKsc"
_CJK_LANGUAGES = ("zh", "ja", "ko")


@dataclass(frozen=True)
class Run:
    face: str
    text: str
    rtl: bool
    language: str | None
    x: float  # from the line's left edge, px
    width: float

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    width: float


@dataclass(frozen=True)
class PlacedText:
    """Text ready to draw: each line's left edge and baseline (px) and its runs."""

    weight: str
    size: int  # px
    color: str
    lines: tuple[tuple[float, float, Line], ...]


def run_language(face: str, text: str, language: str | None) -> str | None:
    """The language a run is shaped in: the event's, except that Han, kana and hangul
    take the forms of the language they are written in (the CJK font's `locl`)."""
    if face != CJK_FACE:
        return language
    names = " ".join(unicodedata.name(c, "") for c in text)
    if "HIRAGANA" in names or "KATAKANA" in names:
        return "ja"
    if "HANGUL" in names:
        return "ko"
    if language and language.split("-")[0].lower() in _CJK_LANGUAGES:
        return language
    return "zh-Hans"


def _visual_order(items: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Runs (face, text, level) from logical to visual order: from the highest level down
    to the lowest odd one, reverse every sequence of runs at that level or above."""
    if not items:
        return items
    ordered = list(items)
    highest = max(level for _f, _t, level in ordered)
    lowest_odd = min((level for _f, _t, level in ordered if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(ordered):
            if ordered[index][2] >= level:
                end = index
                while end < len(ordered) and ordered[end][2] >= level:
                    end += 1
                ordered[index:end] = ordered[index:end][::-1]
                index = end
            else:
                index += 1
    return ordered


def _logical_runs(text: str, family: str, weight: str) -> list[tuple[str, str, int]]:
    levels = embedding_levels(text)
    items: list[tuple[str, str, int]] = []
    at = 0
    for face, chunk in runs(text, family, weight):
        for offset, char in enumerate(chunk):
            level = levels[at + offset]
            if items and items[-1][0] == face and items[-1][2] == level:
                items[-1] = (face, items[-1][1] + char, level)
            else:
                items.append((face, char, level))
        at += len(chunk)
    return items


@lru_cache(maxsize=2048)
def shape_line(text: str, family: str, weight: str, size: int, language: str | None = None) -> Line:
    """One line of normalised text at a font size (px), its runs in visual order."""
    placed: list[Run] = []
    x = 0.0
    for face, chunk, level in _visual_order(_logical_runs(text, family, weight)):
        rtl = bool(level % 2)
        lang = run_language(face, chunk, language)
        font = get_face(face, weight, size)
        width = font.getlength(chunk, direction="rtl" if rtl else "ltr", language=lang)
        placed.append(Run(face, chunk, rtl, lang, x, width))
        x += width
    return Line(tuple(placed), x)
