"""Rebuild the shipped script fonts in static/fonts from Debian's Noto packages.

    apt-get install fonts-noto-core fonts-noto-cjk
    .venv/bin/python scripts/fonts.py

The script fonts (Arabic, Hebrew, Devanagari, Tamil, Thai) are copied as they are. Noto
Sans CJK (the SC face of the collection, whose `locl` feature also holds the Japanese,
Korean and traditional Chinese forms) is subset with fontTools to the character set
described in docs/fonts.md: every hanzi of GB 2312, the frequent hanzi of Big5, every
kanji of JIS X 0208, the hangul syllables and hanja of KS X 1001, kana, bopomofo, CJK
punctuation and full-width forms. Output is reproducible: no timestamp is recalculated.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
OUT = Path(__file__).resolve().parents[1] / "static" / "fonts"
SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Tamil", "Thai")
WEIGHTS = ("Regular", "Bold")
CJK_FACE = 2  # Noto Sans CJK SC in the collection (JP, KR, SC, TC, HK, then Mono)


def _decoded(codec: str, leads: range, trails: range) -> set[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            try:
                chars.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                continue
    return {c for c in chars if len(c) == 1}


def cjk_characters() -> set[str]:
    """The documented CJK character set (see docs/fonts.md)."""
    chars = _decoded("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))  # GB 2312 hanzi
    chars |= _decoded("big5", range(0xA4, 0xC7), range(0x40, 0xFF))  # Big5 level 1
    chars |= _decoded("euc_jp", range(0xB0, 0xF5), range(0xA1, 0xFF))  # JIS X 0208 kanji
    chars |= _decoded("euc_kr", range(0xB0, 0xFE), range(0xA1, 0xFF))  # hangul, hanja
    for low, high in (
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0x3040, 0x30FF),  # hiragana, katakana
        (0x3100, 0x312F),  # bopomofo
        (0x3130, 0x318F),  # hangul compatibility jamo
        (0x31F0, 0x31FF),  # katakana phonetic extensions
        (0xFF00, 0xFFEF),  # half-width and full-width forms
    ):
        chars |= {chr(c) for c in range(low, high + 1)}
    return {c for c in chars if not ("\u0000" <= c <= "\u007f")}


def subset_cjk(source: Path, target: Path) -> None:
    options = subset.Options()
    options.layout_features = ["locl", "ccmp", "liga", "kern", "palt", "vert"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    font = TTFont(source, fontNumber=CJK_FACE, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in cjk_characters()))
    subsetter.subset(font)
    font.save(target)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for script in SCRIPTS:
        for weight in WEIGHTS:
            name = f"NotoSans{script}-{weight}.ttf"
            shutil.copyfile(NOTO / name, OUT / name)
    for weight in WEIGHTS:
        subset_cjk(
            NOTO_CJK / f"NotoSansCJK-{weight}.ttc", OUT / f"NotoSansCJKsc-{weight}.subset.otf"
        )
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>10}  {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
