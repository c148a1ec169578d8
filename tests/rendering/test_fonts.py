"""The shipped fonts draw Latin, Greek and Cyrillic names, and nothing is drawn as tofu."""

from __future__ import annotations

import struct

import pytest
from PIL import Image, ImageDraw

from app.certificates.rendering import fonts
from app.certificates.rendering.fonts import (
    FONT_DIR,
    UndrawableTextError,
    coverage,
    get_font,
    resolve_family,
    undrawable,
)

NAMES = [
    "Александра Пушкина",  # Cyrillic
    "Ελένη Παπαδοπούλου",  # Greek with tonos
    "Zoë Ångström-Müller",  # accented Latin
    "François Ñúñez Dvořák Łukasz Żółć",
    "Nguyễn Thị Minh Khai",  # Vietnamese (Latin with stacked diacritics)
    "Ἀριστοτέλης",  # polytonic Greek
]


def test_font_files_and_licence_are_shipped():
    for name in ("NotoSans-Regular", "NotoSans-Bold", "NotoSerif-Regular", "NotoSerif-Bold"):
        path = FONT_DIR / f"{name}.ttf"
        assert path.is_file()
        assert path.stat().st_size < 1_000_000
    assert "SIL OPEN FONT LICENSE" in (FONT_DIR / "OFL.txt").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_names_in_supported_scripts_are_drawable(name):
    for family in fonts.FAMILIES:
        for weight in fonts.WEIGHTS:
            assert undrawable(name, family, weight) == []
            assert fonts.missing_in(fonts.normalize_text(name), family, weight) == []


def _mask(font, text: str) -> bytes:
    image = Image.new("L", (3 * font.size, 2 * font.size), 0)
    ImageDraw.Draw(image).text((font.size // 2, font.size), text, font=font, fill=255, anchor="ls")
    bbox = image.getbbox()
    return image.crop(bbox).tobytes() if bbox else b""


@pytest.mark.parametrize("family", fonts.FAMILIES)
def test_every_glyph_of_the_names_has_ink_unlike_notdef(family):
    font = get_font(family, "regular", 40)
    notdef = _mask(font, "\u4e2d")  # not in the font: Pillow draws .notdef
    assert notdef, "the .notdef glyph should have ink (a box)"
    for name in NAMES:
        for char in set(fonts.normalize_text(name)) - {" ", "-"}:
            ink = _mask(font, char)
            assert ink, f"{char!r} draws nothing in {family}"
            assert ink != notdef, f"{char!r} draws the missing-glyph box in {family}"


def test_cmap_parser_agrees_with_the_drawn_glyphs():
    font = get_font("sans", "regular", 30)
    notdef = _mask(font, "\u4e2d")
    covered = coverage("sans", "regular")
    for code in (0x41, 0xE9, 0x3A9, 0x416, 0x1EBD, 0x20AC, 0x0E01, 0x4E2D, 0x05D0, 0x0627):
        drawn_as_box = _mask(font, chr(code)) == notdef
        assert (code in covered) != drawn_as_box, hex(code)


@pytest.mark.parametrize("text", ["王小明", "สมชาย ใจดี", "Ada 王"])
def test_scripts_the_fonts_lack_are_reported_not_drawn(text):
    missing = undrawable(text, "serif", "bold")
    assert missing == [c for c in dict.fromkeys(text) if c not in " Ada"]
    with pytest.raises(UndrawableTextError) as caught:
        resolve_family(fonts.normalize_text(text), "serif", "bold")
    assert caught.value.chars == missing
    for char in missing:
        assert char in str(caught.value)
        assert f"U+{ord(char):04X}" in str(caught.value)


def test_fallback_to_the_other_family(monkeypatch):
    """A character serif lacks but sans has is drawn with sans, not as a box."""
    real = fonts.coverage
    serif_lacks = ord("Ж")

    def fake(family, weight):
        covered = real(family, weight)
        return covered - {serif_lacks} if family == "serif" else covered

    monkeypatch.setattr(fonts, "coverage", fake)
    assert fonts.missing_in("Жанна", "serif", "regular") == ["Ж"]
    assert undrawable("Жанна", "serif", "regular") == []
    assert resolve_family("Жанна", "serif", "regular") == "sans"
    assert resolve_family("Anna", "serif", "regular") == "serif"


def test_control_characters_and_whitespace():
    assert undrawable("  Ada \n\t Lovelace  ") == []
    assert fonts.normalize_text("  Ada \n\t Lovelace  ") == "Ada Lovelace"
    assert undrawable("Ada\x00") == ["\x00"]
    # decomposed accents are composed before checking and drawing
    assert fonts.normalize_text("Zoe\u0308") == "Zoë"


def test_unknown_family_or_weight():
    with pytest.raises(ValueError, match="unknown font family"):
        undrawable("x", "comic", "regular")
    with pytest.raises(ValueError, match="unknown font weight"):
        undrawable("x", "sans", "black")


def test_fonts_are_cached():
    assert get_font("serif", "bold", 33) is get_font("serif", "bold", 33)


def _font_with_format12(groups: list[tuple[int, int, int]]) -> bytes:
    """A minimal sfnt holding only a cmap with one (3, 10) format 12 subtable."""
    sub = struct.pack(">HHIII", 12, 0, 16 + 12 * len(groups), 0, len(groups))
    sub += b"".join(struct.pack(">III", *g) for g in groups)
    cmap = struct.pack(">HH", 0, 1) + struct.pack(">HHI", 3, 10, 12) + sub
    header = struct.pack(">IHHHH", 0x00010000, 1, 16, 0, 0)
    record = struct.pack(">4sIII", b"cmap", 0, 12 + 16, len(cmap))
    return header + record + cmap


def test_cmap_format12():
    data = _font_with_format12([(0x41, 0x43, 5), (0x1F600, 0x1F601, 9), (0x0, 0x1, 0)])
    assert fonts._parse_cmap(data) == {0x41, 0x42, 0x43, 0x1F600, 0x1F601, 0x1}
