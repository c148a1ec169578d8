"""The fallback chain draws every supported script, and refuses only what nothing can draw."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from app.certificates.rendering import fonts, textstack
from app.certificates.rendering.fonts import (
    FONT_DIR,
    UndrawableTextError,
    get_face,
    runs,
    undrawable,
)

from .scripts import SCRIPTS

REPO = Path(__file__).resolve().parents[2]


def test_font_files_and_licence_are_shipped_and_stay_small():
    sizes = {path.name: path.stat().st_size for path in FONT_DIR.iterdir()}
    for family in fonts.FAMILIES:
        for weight in fonts.WEIGHTS:
            for face in fonts.chain(family, weight):
                assert fonts.face_file(face, weight).name in sizes
    assert sum(sizes.values()) < 25_000_000, sizes
    assert "SIL OPEN FONT LICENSE" in (FONT_DIR / "OFL.txt").read_text()


@pytest.mark.parametrize("script", SCRIPTS)
def test_names_in_every_script_are_drawable(script):
    name = SCRIPTS[script].name
    for family in fonts.FAMILIES:
        for weight in fonts.WEIGHTS:
            assert undrawable(name, family, weight) == []


def _mask(font, text: str) -> bytes:
    image = Image.new("L", (4 * font.size, 2 * font.size), 0)
    ImageDraw.Draw(image).text((font.size // 2, font.size), text, font=font, fill=255, anchor="ls")
    bbox = image.getbbox()
    return image.crop(bbox).tobytes() if bbox else b""


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_character_is_drawn_by_a_face_that_has_it(script):
    """Each run's face has a real glyph for each letter: never the .notdef box."""
    for face, text in runs(fonts.normalize_text(SCRIPTS[script].name), "serif", "bold"):
        font = get_face(face, "bold", 40)
        notdef = _mask(font, "\U0010fffd")
        for char in set(text):
            if char.isalpha():
                assert ord(char) in fonts.coverage(face, "bold"), (face, char)
                assert _mask(font, char) not in (b"", notdef), (face, char)


def test_runs_follow_the_fallback_chain():
    assert runs("Ada 王小明", "sans", "regular") == [
        ("NotoSans", "Ada "),
        ("NotoSansCJKsc", "王小明"),
    ]
    # spaces, digits and marks stay with the script before them
    assert runs("محمد عبد 42", "serif", "bold") == [("NotoSansArabic", "محمد عبد 42")]
    assert [face for face, _text in runs("Анна שרה", "serif", "regular")] == [
        "NotoSerif",
        "NotoSansHebrew",
    ]


def test_han_takes_the_forms_of_its_language():
    """One CJK font, its `locl` forms chosen by language: 骨 differs in SC, TC and JP."""
    font = get_face("NotoSansCJKsc", "regular", 80)

    def drawn(language):
        image = Image.new("L", (120, 120), 0)
        ImageDraw.Draw(image).text(
            (10, 100), "骨", font=font, fill=255, language=language, anchor="ls"
        )
        return image.tobytes()

    assert len({drawn("zh-Hans"), drawn("zh-Hant"), drawn("ja")}) == 3


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Ada\x00Lovelace", ["\x00"]),
        ("Ada\x07", ["\x07"]),
        ("Ada \U000e0080", ["\U000e0080"]),  # unassigned
        ("Ada \U0001f600", ["\U0001f600"]),  # an emoji: no shipped face has it
        ("王\U00020000", ["\U00020000"]),  # CJK extension B: outside the subset
    ],
)
def test_only_what_nothing_can_draw_is_refused_by_name(text, bad):
    assert undrawable(text) == bad
    with pytest.raises(UndrawableTextError) as caught:
        runs(fonts.normalize_text(text), "sans", "regular")
    assert caught.value.chars == bad
    for char in bad:
        assert f"U+{ord(char):04X}" in str(caught.value)


def test_joiners_and_bidi_controls_are_left_to_the_shaper():
    assert undrawable("क्\u200dष \u200fשרה\u200e Ada") == []


def test_whitespace_and_composition():
    assert undrawable("  Ada \n\t Lovelace  ") == []
    assert fonts.normalize_text("  Ada \n\t Lovelace  ") == "Ada Lovelace"
    assert fonts.normalize_text("Zoe\u0308") == "Zoë"


def test_unknown_family_or_weight():
    with pytest.raises(ValueError, match="unknown font family"):
        undrawable("x", "comic", "regular")
    with pytest.raises(ValueError, match="unknown font weight"):
        undrawable("x", "sans", "black")


def test_fonts_are_cached():
    assert get_face("NotoSerif", "bold", 33) is get_face("NotoSerif", "bold", 33)


def test_the_text_stack_is_raqm_with_the_vendored_fribidi():
    ok, detail = textstack.status()
    assert ok, detail
    assert "FriBiDi 1.0.8 (vendored)" in detail
    maps = Path("/proc/self/maps").read_text().splitlines()
    mapped = {line.split()[-1] for line in maps if "libfribidi" in line}
    assert mapped == {str(textstack.vendored_path())}
    assert textstack.embedding_levels("Ali محمد 12") == [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]


def test_a_system_fribidi_loaded_first_is_a_named_problem():
    """Pillow's font module imported before the renderer: not a silent fallback."""
    code = (
        "from PIL import ImageFont\n"
        "from app.certificates.rendering import textstack\n"
        "print(textstack.status())\n"
        "from app.certificates.rendering import render_png\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    system_fribidi = Path("/usr/lib/x86_64-linux-gnu/libfribidi.so.0").exists()
    if system_fribidi:
        assert "(False, 'fribidi: a second FriBiDi is loaded" in result.stdout
    else:
        assert "(False, 'raqm:" in result.stdout, result.stdout + result.stderr
