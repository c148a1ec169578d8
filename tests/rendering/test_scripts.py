"""Every supported script, end to end: the PNG against a reviewed golden image, the PDF
read back by poppler and qpdf (text, embedded subset fonts, pixels, metadata).

Golden images live in tests/rendering/golden/ at a third of the size. After a deliberate
change to rendering, regenerate them with `LAUREL_UPDATE_GOLDEN=1`, look at every one
(and at docs/scripts-sample.png), and commit them with the change.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from app.certificates.rendering import load_background, render_png_pdf
from tests.tools import need_program

from .helpers import decode, make_data, png_bytes, template_image
from .scripts import SCRIPTS, certificate_data

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("LAUREL_UPDATE_GOLDEN") == "1"


@cache
def rendered(script: str) -> tuple[bytes, bytes]:
    return render_png_pdf(certificate_data(script))


def small(image: Image.Image) -> Image.Image:
    return image.convert("RGB").resize(
        (image.width // 3, image.height // 3), Image.Resampling.LANCZOS
    )


def differing(a: Image.Image, b: Image.Image, threshold: int) -> float:
    """The fraction of pixels where some channel differs by more than `threshold`."""
    assert a.size == b.size
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
    histogram = diff.point(lambda v: 255 if v > threshold else 0).histogram()
    return histogram[255] / (a.width * a.height)


@pytest.mark.parametrize("script", SCRIPTS)
def test_png_matches_the_reviewed_golden_image(script):
    image = small(decode(rendered(script)[0]))
    path = GOLDEN / f"{script}.png"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        image.save(path, optimize=True)
    assert path.exists(), f"no golden image {path.name}: run with LAUREL_UPDATE_GOLDEN=1"
    assert differing(image, Image.open(path), 48) < 0.002


def _squeeze(text: str) -> str:
    """Text without spaces and bidi controls: poppler spaces Indic clusters apart and
    marks right-to-left runs, and prints runs in visual order."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


@pytest.mark.parametrize("script", SCRIPTS)
def test_pdf_has_the_name_and_event_as_real_text(script, tmp_path):
    need_program("pdftotext", "Debian poppler-utils")
    path = tmp_path / "c.pdf"
    path.write_bytes(rendered(script)[1])
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    found = _squeeze(text)
    sample = SCRIPTS[script]
    for word in (sample.name + " " + sample.title).split():
        assert _squeeze(word) in found, (word, text)


@pytest.mark.parametrize("script", ["latin", "arabic", "devanagari", "japanese", "mixed"])
def test_pdf_embeds_font_subsets_and_is_clean(script, tmp_path):
    need_program("pdffonts", "Debian poppler-utils")
    need_program("qpdf", "Debian qpdf")
    path = tmp_path / "c.pdf"
    path.write_bytes(rendered(script)[1])
    rows = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        name, *_middle, emb, sub, uni, _obj, _gen = row.split()
        assert re.fullmatch(r"[A-Z]{6}\+\S+", name), row
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout
    title = f"Certificate of Attendance: {SCRIPTS[script].name}"
    assert title in info.decode()
    assert f"/Lang ({SCRIPTS[script].language})".encode() in rendered(script)[1]


@pytest.mark.parametrize("script", ["latin", "arabic", "thai", "korean", "mixed"])
def test_pdf_rasterises_like_the_png(script, tmp_path):
    need_program("pdftoppm", "Debian poppler-utils")
    png, pdf = rendered(script)
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    page = Image.open(tmp_path / "p.png")
    image = decode(png)
    assert page.size == image.size
    # FreeType hints glyphs for the PNG, poppler draws them unhinted: their edges differ
    # by a few pixels (0.4-0.5 % of the page here); a missing or moved word is several %
    assert differing(small(page), small(image), 64) < 0.01


@pytest.mark.parametrize("script", ["arabic", "mixed"])
def test_same_data_same_bytes(script):
    assert render_png_pdf(certificate_data(script)) == rendered(script)


OLD_BUILT_IN_PDF_BYTES = 129_874  # the single-image PDF this replaced, for the same data


def test_built_in_template_pdf_is_vector_and_at_most_half_the_old_size(tmp_path):
    need_program("pdfimages", "Debian poppler-utils")
    pdf = render_png_pdf(make_data())[1]
    assert len(pdf) <= OLD_BUILT_IN_PDF_BYTES // 2
    (tmp_path / "c.pdf").write_bytes(pdf)
    listed = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "c.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listed == []  # background as paths, the QR code as rectangles


def test_an_uploaded_background_is_embedded_losslessly(tmp_path):
    need_program("pdfimages", "Debian poppler-utils")
    background = load_background(png_bytes(template_image((2000, 1414))))
    pdf = render_png_pdf(make_data(), None, background)[1]
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "i")], check=True)
    (extracted,) = sorted(tmp_path.glob("i-*.png"))
    assert (
        ImageChops.difference(
            Image.open(extracted).convert("RGB"), decode(background).convert("RGB")
        ).getbbox()
        is None
    )
