"""fpdf2's fonts, parsed once per process and handed to each PDF as a fresh copy.

`FPDF.add_font` parses the whole font with fontTools for every document (its cmap, the
advance of every glyph, the glyph order: 70 ms for Noto Sans, 150 ms for the CJK face),
and `output()` subsets that same parsed font in place, so fpdf2 cannot share it between
documents. Here each face is parsed once into a prototype; a document gets a copy that
shares the read-only parts (the parsed font the shaper reads glyph names and advances
from, the cmap, the descriptor, the HarfBuzz face) and owns what a document changes (its
subset map, widths, HarfBuzz font, whose size is set per call). Just before `output()`
each copy gets a fresh lazily read TTFont to subset, exactly what fpdf2 subsets itself,
so the bytes are the same as with `add_font`.

Thread-safe: Vercel's launcher serves concurrent requests in threads, and gunicorn's
threaded workers do too. Prototypes are built under a lock with every table the shaper
reads already loaded, and nothing shared is written after that.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont, hb

# In fpdf2's own drop list (output.py, `_add_fonts`); not worth parsing to drop.
_DROPPED_LAYOUT = ("GDEF", "GSUB", "GPOS")

_lock = threading.Lock()
_prototypes: dict[Path, tuple[TTFFont, object]] = {}


def _prototype(path: Path) -> tuple[TTFFont, object]:
    with _lock:
        found = _prototypes.get(path)
        if found is None:
            font = TTFFont(FPDF(), path, "prototype", "")
            font.ttfont.getGlyphOrder()  # loaded now, read by every document's shaping
            font.ttfont["hmtx"]
            face = hb.Face(blob=hb.Blob.from_file_path(path))
            found = _prototypes[path] = (font, face)
        return found


def _for_subsetting(path: Path) -> TTFont:
    """The font as fpdf2 opens it for `output()`, less the layout tables its subsetter
    drops anyway: fontTools decompiles GDEF, GSUB and GPOS before dropping them (60 ms
    per document for Noto Sans). The subsetter drops `kern` too when there is a GPOS."""
    font = TTFont(path, recalcTimestamp=False, lazy=True)
    if "GPOS" in font and "kern" in font:
        del font["kern"]
    for tag in _DROPPED_LAYOUT:
        if tag in font:
            del font[tag]
    return font


class CachedFontPDF(FPDF):
    """An FPDF whose TrueType/OpenType fonts come from the per-process prototypes."""

    def add_cached_font(self, family: str, path: Path) -> None:
        prototype, face = _prototype(path)
        font = copy.copy(prototype)
        font.i = len(self.fonts) + 1
        font.fontkey = family.lower()
        font.cw = copy.copy(prototype.cw)  # a defaultdict: reading a missing key writes
        font.desc = copy.copy(prototype.desc)  # output() names it and numbers it
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = HarfBuzzFont(face)
        font.subset = SubsetMap(font)
        self.fonts[font.fontkey] = font
        if font.is_cff and font.is_cid_keyed:
            self._set_min_pdf_version("1.6")

    def output(self, *args, **kwargs):
        # fpdf2 subsets each font's TTFont in place: give it one of its own, opened the
        # way add_font opens it, and keep the prototype's intact.
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont = _for_subsetting(font.ttffile)
        return super().output(*args, **kwargs)
