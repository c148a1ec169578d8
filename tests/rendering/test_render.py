"""Rendering: fields land where the layout says, the QR code scans, output is deterministic."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import segno
from PIL import Image

from app.certificates.rendering import (
    DEFAULT_LAYOUT,
    Layout,
    QRField,
    TextField,
    UndrawableTextError,
    default_background,
    get_font,
    load_background,
    parse_layout,
    render_pdf,
    render_png,
    render_png_pdf,
    render_preview,
)
from app.certificates.rendering.render import qr_image, qr_modules
from tests.tools import missing

from .helpers import decode, diff_box, make_data, png_bytes, png_chunk_types, template_image

REPO = Path(__file__).resolve().parents[2]
W, H = 1754, 1240

FIELDS = {
    "participant_name": TextField(
        "participant_name", 0.5, 0.45, font="serif", weight="bold", size=0.08, max_width=0.7
    ),
    "event_title": TextField("event_title", 0.08, 0.62, size=0.045, align="left", max_width=0.5),
    "event_date": TextField("event_date", 0.92, 0.74, size=0.035, align="right"),
    "certificate_code": TextField("certificate_code", 0.5, 0.9, size=0.025),
}
QR = QRField(0.85, 0.3, size=0.2)
LAYOUT = Layout(fields=(*FIELDS.values(), QR))


@functools.lru_cache(maxsize=64)
def render(data, layout=LAYOUT, background=None) -> Image.Image:
    """The decoded render (cached: many tests compare against the same one; do not modify)."""
    return decode(render_png(data, layout, background)).convert("RGB")


def without(layout: Layout, kind: str) -> Layout:
    return Layout(fields=tuple(f for f in layout.fields if f.type != kind))


def test_png_has_the_template_size_and_no_timestamps(data):
    png = render_png(data)
    image = decode(png)
    assert image.format == "PNG" and image.size == (W, H) and image.mode == "RGB"
    assert set(png_chunk_types(png)) == {b"IHDR", b"pHYs", b"IDAT", b"IEND"}
    assert round(image.info["dpi"][0]) == 150
    uploaded = load_background(png_bytes(template_image((2000, 1414))))
    assert decode(render_png(data, DEFAULT_LAYOUT, uploaded)).size == (2000, 1414)


@pytest.mark.parametrize("kind", list(FIELDS))
def test_text_fields_land_in_their_box(data, kind):
    field = FIELDS[kind]
    full = render(data)
    if kind == "participant_name":
        blank = render(replace(data, holder_name="."), LAYOUT)
        box = diff_box(full, blank)
    else:
        box = diff_box(full, render(data, without(LAYOUT, kind)))
    assert box is not None, f"{kind} drew nothing"
    left, top, right, bottom = box
    x, y, px = field.x * W, field.y * H, field.size * H
    assert y - 0.8 * px <= top < bottom <= y + 0.8 * px, (kind, box)
    assert top < y < bottom
    width = right - left
    if field.max_width is not None:
        assert width <= field.max_width * W + 2
    if field.align == "center":
        assert abs((left + right) / 2 - x) < 0.01 * W, box
    elif field.align == "left":
        assert abs(left - x) < 0.01 * W, box
    else:
        assert abs(right - x) < 0.01 * W, box


def _qr_box() -> tuple[int, int, int, int]:
    side = qr_image(qr_modules(make_data().verify_url), round(QR.size * H)).width
    left, top = round(QR.x * W - side / 2), round(QR.y * H - side / 2)
    return left, top, left + side, top + side


def test_qr_code_matches_segno_for_the_verify_url(data):
    image = render(data)
    left, top, right, _bottom = _qr_box()
    qr = segno.make_qr(data.verify_url, error="m")
    modules = qr.symbol_size(border=4)[0]
    assert (right - left) % modules == 0  # whole pixels per module: crisp edges
    out = io.BytesIO()
    qr.save(out, kind="png", scale=(right - left) // modules, border=4)
    expected = Image.open(out).convert("RGB")
    crop = image.crop((left, top, left + expected.width, top + expected.height))
    assert crop.tobytes() == expected.tobytes()
    assert 0.9 * QR.size * H <= expected.width <= QR.size * H  # close to the size asked for


def test_qr_code_decodes_to_the_verify_url(data):
    try:
        import zxingcpp
    except ImportError:
        missing("zxing-cpp is not installed (requirements-dev.txt)")
    image = render(data)
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [data.verify_url]
    position = codes[0].position
    cx = (position.top_left.x + position.bottom_right.x) / 2
    cy = (position.top_left.y + position.bottom_right.y) / 2
    assert abs(cx - QR.x * W) < 10 and abs(cy - QR.y * H) < 10
    # the default layout on an uploaded template scans too
    uploaded = load_background(png_bytes(template_image((2000, 1414))))
    other = make_data(verify_url="https://certs.example.org/verify/ZZ-99")
    image = decode(render_png(other, DEFAULT_LAYOUT, uploaded))
    assert [c.text for c in zxingcpp.read_barcodes(image)] == [other.verify_url]


@pytest.mark.parametrize(
    "name",
    ["Александра Пушкина", "Ελένη Παπαδοπούλου", "Zoë Ångström-Müller", "Nguyễn Thị Minh Khai"],
)
def test_names_in_other_scripts_render(data, name):
    layout = Layout(fields=(FIELDS["participant_name"],))
    image = render(replace(data, holder_name=name), layout)
    box = diff_box(image, render(replace(data, holder_name="."), layout))
    assert box is not None and box[2] - box[0] > 0.2 * W


@pytest.mark.parametrize("name", ["Ada \U0001f600", "Bob\x01"])
def test_names_nothing_can_draw_raise_listing_the_characters(data, name):
    with pytest.raises(UndrawableTextError) as caught:
        render_png(replace(data, holder_name=name))
    assert caught.value.chars == [name[-1]]
    assert f"U+{ord(name[-1]):04X}" in str(caught.value)


def test_html_in_a_name_is_drawn_literally(data):
    name = '<script>alert("x")</script><b>Bob</b> &amp;'
    field = TextField("participant_name", 0.05, 0.5, size=0.03, align="left")
    layout = Layout(fields=(field,))
    box = diff_box(render(replace(data, holder_name=name), layout), default_background())
    drawn = box[2] - box[0]
    expected = get_font("sans", "regular", round(0.03 * H)).getlength(name)
    assert abs(drawn - expected) < 0.03 * expected, (drawn, expected)


def test_long_text_shrinks_to_max_width_and_stays_on_the_page(data):
    long_name = "Maximilian Alexander Konstantinopoulos-Wolfeschlegelsteinhausen " * 2
    layout = Layout(fields=(FIELDS["participant_name"],))
    image = render(replace(data, holder_name=long_name), layout)
    box = diff_box(image, render(replace(data, holder_name="."), layout))
    assert 0.6 * W < box[2] - box[0] <= 0.7 * W + 2
    # no max_width: still kept inside the page
    edge = Layout(fields=(TextField("participant_name", 0.95, 0.5, size=0.08, align="left"),))
    box = diff_box(render(replace(data, holder_name="Ada Lovelace"), edge), default_background())
    assert box[2] <= W


def test_long_titles_wrap_onto_balanced_lines_instead_of_shrinking(data):
    title = TextField("event_title", 0.5, 0.6, size=0.05, max_width=0.5, max_lines=2)
    layout = Layout(fields=(FIELDS["participant_name"], title))
    data = replace(data, event_title="International Workshop on Reproducible Builds and Tests")
    left, top, right, bottom = diff_box(
        render(data, layout), render(data, without(layout, "event_title"))
    )
    px = 0.05 * H
    assert bottom - top > 1.6 * px  # two lines
    assert right - left <= 0.5 * W + 2
    assert top < 0.6 * H < bottom  # centred on the anchor
    single = replace(title, max_lines=1)
    one = Layout(fields=(FIELDS["participant_name"], single))
    box = diff_box(render(data, one), render(data, without(one, "event_title")))
    assert box[3] - box[1] < 1.2 * px  # one (smaller) line
    # a short title stays on one line at full size even when wrapping is allowed
    short = replace(data, event_title="PyCon 2025")
    box = diff_box(render(short, layout), render(short, without(layout, "event_title")))
    assert box[3] - box[1] < 1.2 * px


@pytest.mark.parametrize(
    "title",
    [
        "国际人工智能与机器学习应用研讨会暨第十届年度学术交流大会",
        "日本語自然言語処理と機械翻訳の国際シンポジウム、東京",
        "المؤتمر الدولي للبرمجيات الحرة ومفتوحة المصدر في الشرق الأوسط",
    ],
)
def test_titles_without_spaces_or_right_to_left_wrap_too(data, title):
    """Chinese and Japanese wrap between characters, Arabic at spaces, on shaped widths."""
    field = TextField("event_title", 0.5, 0.6, size=0.05, max_width=0.5, max_lines=2)
    layout = Layout(fields=(FIELDS["participant_name"], field))
    data = replace(data, event_title=title)
    left, top, right, bottom = diff_box(
        render(data, layout), render(data, without(layout, "event_title"))
    )
    assert bottom - top > 1.6 * 0.05 * H  # two lines
    assert right - left <= 0.5 * W + 2


def test_text_keeps_clear_of_the_qr_code(data):
    title = TextField("event_title", 0.05, QR.y, size=0.05, align="left")
    layout = Layout(fields=(FIELDS["participant_name"], title, QR))
    data = replace(data, event_title="A very long event title " * 6)
    box = diff_box(render(data, layout), render(data, without(layout, "event_title")))
    assert box[2] < _qr_box()[0]


def test_default_layout_on_the_default_template(data):
    image = render(data, DEFAULT_LAYOUT)
    assert image.size == (W, H)
    assert render_png(data) == render_png(data, DEFAULT_LAYOUT, None)
    # layouts may also be given as stored JSON
    assert render_png(
        data, parse_layout('{"fields": [{"type": "participant_name", "x": 0.5, "y": 0.5}]}')
    ) != render_png(data)


def test_renders_are_deterministic_in_process(data):
    uploaded = load_background(png_bytes(template_image((1800, 1273))))
    png, pdf = render_png_pdf(data, DEFAULT_LAYOUT, uploaded)
    other = render_png(replace(data, holder_name="Someone Else"), DEFAULT_LAYOUT, uploaded)
    assert other != png
    assert render_png(data, DEFAULT_LAYOUT, uploaded) == png  # the cached template is intact
    assert render_pdf(data, DEFAULT_LAYOUT, uploaded) == pdf
    assert render_png_pdf(data, DEFAULT_LAYOUT, uploaded) == (png, pdf)


def test_concurrent_renders_give_the_same_bytes_as_one_at_a_time(data):
    """Fonts and backgrounds are shared per process (vc_init serves requests in
    threads): renders of different scripts and templates at once must not mix."""
    from concurrent.futures import ThreadPoolExecutor

    from .scripts import certificate_data

    uploaded = load_background(png_bytes(template_image((1800, 1273))))
    jobs = [
        (certificate_data(script), background)
        for script in ("latin", "mixed")
        for background in (None, uploaded)
    ]
    alone = [render_png_pdf(item, DEFAULT_LAYOUT, background) for item, background in jobs]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        together = list(pool.map(lambda job: render_png_pdf(job[0], DEFAULT_LAYOUT, job[1]), jobs))
    assert together == alone


def test_renders_are_deterministic_across_processes(data, tmp_path):
    uploaded = load_background(png_bytes(template_image((1800, 1273))))
    (tmp_path / "bg.png").write_bytes(uploaded)
    code = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from tests.rendering.helpers import make_data\n"
        "from app.certificates.rendering import DEFAULT_LAYOUT, render_png_pdf\n"
        f"bg = Path({str(tmp_path / 'bg.png')!r}).read_bytes()\n"
        "for background in (None, bg):\n"
        "    png, pdf = render_png_pdf(make_data(), DEFAULT_LAYOUT, background)\n"
        "    print(hashlib.sha256(png).hexdigest(), hashlib.sha256(pdf).hexdigest())\n"
    )
    env = dict(os.environ, TZ="Pacific/Chatham", PYTHONHASHSEED="12345", LC_ALL="C")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    expected = []
    for background in (None, uploaded):
        png, pdf = render_png_pdf(data, DEFAULT_LAYOUT, background)
        expected.append(f"{hashlib.sha256(png).hexdigest()} {hashlib.sha256(pdf).hexdigest()}")
    assert result.stdout.split("\n")[:2] == expected


def test_pdf_is_one_a4_page_with_dates_from_the_certificate(data):
    pdf = render_pdf(data)
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/CreationDate (D:20250314180000Z" in pdf
    # the long side is A4's (297 mm = 841.89 pt); 1754x1240 is A4 landscape to 0.02%
    assert re.search(rb"/MediaBox \[0 0 841\.89 595\.1[78]\d*\]", pdf)


def test_pdf_of_a_portrait_template_keeps_its_aspect(data):
    uploaded = load_background(png_bytes(template_image((1240, 1754))))
    pdf = render_pdf(data, DEFAULT_LAYOUT, uploaded)
    assert re.search(rb"/MediaBox \[0 0 595\.1[78]\d* 841\.89\]", pdf)


def test_preview_is_small_and_uses_the_sample_name():
    preview = decode(render_preview(DEFAULT_LAYOUT, None))
    assert preview.size == (1000, 707)
    other = decode(render_preview(DEFAULT_LAYOUT, None, sample_name="Grace Hopper"))
    assert diff_box(preview, other) is not None
    assert render_preview() == render_preview(DEFAULT_LAYOUT, None, "Ada Lovelace")
