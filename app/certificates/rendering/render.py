"""Drawing certificates: the background, the layout's text fields and the QR code.

Same data in, same bytes out: PNG and PDF carry no time, random or environment-dependent
metadata (the PDF's dates come from `issued_at`), the fonts ship with the app and Pillow
lays text out with its basic engine, whichever libraries the machine has.

The PDF is written here, not by Pillow's PDF plugin (which stores RGB pages as lossy
JPEG and stamps the current time): the page image is the PNG's own zlib stream, embedded
losslessly with the PNG predictor, so PNG and PDF show exactly the same pixels.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from PIL import Image, ImageDraw

from .background import BackgroundError, open_checked
from .background import encode_png as _encode_png
from .default_template import DEFAULT_SIZE, default_background
from .fonts import get_font, normalize_text, resolve_family
from .layout import DEFAULT_LAYOUT, Layout, QRField, TextField, parse_layout

A4_LONG_SIDE_INCHES = 297 / 25.4
MIN_FONT_PX = 6
WRAP_BELOW = 0.8  # wrap (when max_lines > 1) rather than shrink text below 80 % of its size
LINE_SPACING = 1.2  # distance between the lines of wrapped text, in font sizes (em)
EDGE_MARGIN = 0.03  # text keeps this fraction of the width away from the template's edges
QR_BORDER = 4  # quiet zone, in modules
PREVIEW_WIDTH = 1000


@dataclass(frozen=True)
class CertificateData:
    holder_name: str
    event_title: str
    event_date: str  # already formatted for display
    code: str
    verify_url: str
    issued_at: datetime  # UTC; used for the PDF's dates


# --- background cache ------------------------------------------------------------------

_BACKGROUNDS: OrderedDict[str, Image.Image] = OrderedDict()
_BACKGROUNDS_LOCK = threading.Lock()
_BACKGROUNDS_MAX = 2  # decoded templates are big (26 MB at 3508x2480): keep few


def _background_image(background_png: bytes | None) -> Image.Image:
    """A fresh copy of the decoded background, decoded once per process per content."""
    if background_png is None:
        return default_background(*DEFAULT_SIZE)
    digest = hashlib.sha256(background_png).hexdigest()
    with _BACKGROUNDS_LOCK:
        cached = _BACKGROUNDS.get(digest)
        if cached is not None:
            _BACKGROUNDS.move_to_end(digest)
            return cached.copy()
    image = open_checked(background_png, ("PNG", "JPEG", "WEBP"))
    try:
        image.load()
    except Exception:
        raise BackgroundError(
            "The stored template image is damaged; upload the template again."
        ) from None
    image = image.convert("RGB")
    with _BACKGROUNDS_LOCK:
        _BACKGROUNDS[digest] = image
        _BACKGROUNDS.move_to_end(digest)
        while len(_BACKGROUNDS) > _BACKGROUNDS_MAX:
            _BACKGROUNDS.popitem(last=False)
    return image.copy()


# --- drawing ---------------------------------------------------------------------------

_ANCHORS = {"left": "lm", "center": "mm", "right": "rm"}


def _field_value(field: TextField, data: CertificateData) -> str:
    if field.type == "text":
        return field.text or ""
    return {
        "participant_name": data.holder_name,
        "event_title": data.event_title,
        "event_date": data.event_date,
        "certificate_code": data.code,
    }[field.type]


def _available_width(
    field: TextField,
    width: int,
    line: tuple[float, float],
    obstacles: list[tuple[int, int, int, int]],
) -> float:
    """How wide the text may be: inside the template's margins, within max_width, and
    clear of any QR code on the same line (unless the anchor itself is on the QR code)."""
    margin = EDGE_MARGIN * width
    x = field.x * width
    right_edge, left_edge = width - margin, margin
    top, bottom = line
    for q_left, q_top, q_right, q_bottom in obstacles:
        if q_bottom <= top or q_top >= bottom or q_left <= x <= q_right:
            continue
        gap = margin / 2
        if q_left > x:
            right_edge = min(right_edge, q_left - gap)
        else:
            left_edge = max(left_edge, q_right + gap)
    if field.align == "left":
        room = right_edge - x
    elif field.align == "right":
        room = x - left_edge
    else:
        room = 2 * min(x - left_edge, right_edge - x)
    if field.max_width is not None:
        room = min(room, field.max_width * width)
    return max(room, 1.0)


def _text_width(font, text: str) -> float:
    left, _top, right, _bottom = font.getbbox(text, anchor="ls")
    return max(font.getlength(text), right - min(left, 0))


def _greedy(words: list[str], widths: list[float], space: float, limit: float) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    used = 0.0
    for word, width in zip(words, widths, strict=True):
        extra = width if not lines[-1] else space + width
        if lines[-1] and used + extra > limit:
            lines.append([word])
            used = width
        else:
            lines[-1].append(word)
            used += extra
    return lines


def _wrap(font, text: str, room: float, max_lines: int) -> list[str] | None:
    """`text` in at most `max_lines` lines no wider than `room`, balanced (lines of similar
    width rather than a full first line and a stub), or None if it cannot be done."""
    if _text_width(font, text) <= room:
        return [text]
    words = text.split(" ")
    if max_lines == 1 or len(words) == 1:
        return None
    widths = [_text_width(font, w) for w in words]
    space = font.getlength(" ")
    if max(widths) > room or len(_greedy(words, widths, space, room)) > max_lines:
        return None
    low, high = max(max(widths), (sum(widths) + space * (len(words) - 1)) / max_lines), room
    for _ in range(16):  # the narrowest limit that still needs no more lines: balanced
        middle = (low + high) / 2
        if len(_greedy(words, widths, space, middle)) <= max_lines:
            high = middle
        else:
            low = middle
    lines = [" ".join(line) for line in _greedy(words, widths, space, high)]
    if any(_text_width(font, line) > room for line in lines):
        return None
    return lines


def _fit(family: str, weight: str, size: int, text: str, room: float, max_lines: int):
    """The largest font size (at most `size`) at which `text` fits `room`, and its lines.
    One line is kept while it needs to shrink by less than WRAP_BELOW; past that the text
    may wrap onto up to `max_lines` lines instead of shrinking further."""
    font = get_font(family, weight, size)
    width = _text_width(font, text)
    if width <= room:
        return font, [text]
    single = max(MIN_FONT_PX, min(size - 1, int(size * room / width)))
    while single > MIN_FONT_PX and _text_width(get_font(family, weight, single), text) > room:
        single -= 1
    if max_lines > 1 and single < WRAP_BELOW * size:
        candidate = size
        while candidate > single:
            font = get_font(family, weight, candidate)
            lines = _wrap(font, text, room, max_lines)
            if lines is not None:
                return font, lines
            candidate = min(candidate - 1, int(candidate * 0.97))
    return get_font(family, weight, single), [text]


def _line_height(font) -> float:
    return LINE_SPACING * font.size


def _draw_text(
    draw: ImageDraw.ImageDraw,
    field: TextField,
    text: str,
    size: tuple[int, int],
    obstacles: list[tuple[int, int, int, int]],
) -> None:
    text = normalize_text(text)
    if not text:
        return
    width, height = size
    family = resolve_family(text, field.font, field.weight)
    px = max(MIN_FONT_PX, round(field.size * height))
    full = get_font(family, field.weight, px)
    _left, top, _right, bottom = full.getbbox("Ag", anchor="lm")
    extra = _line_height(full) * (field.max_lines - 1) / 2
    band = (field.y * height + top - extra, field.y * height + bottom + extra)
    room = _available_width(field, width, band, obstacles)
    font, lines = _fit(family, field.weight, px, text, room, field.max_lines)
    step = _line_height(font)
    for index, line in enumerate(lines):
        offset = (index - (len(lines) - 1) / 2) * step
        draw.text(
            (field.x * width, field.y * height + offset),
            line,
            font=font,
            fill=field.color,
            anchor=_ANCHORS[field.align],
        )


def qr_image(url: str, side: int) -> Image.Image:
    """The QR code for `url` (quiet zone included) as crisp modules, at most `side` px."""
    qr = segno.make_qr(url, error="m")
    rows = list(qr.matrix_iter(scale=1, border=QR_BORDER))
    modules = len(rows)
    pixels = bytes(0 if dark else 255 for row in rows for dark in row)
    image = Image.frombytes("L", (modules, modules), pixels)
    scale = max(1, side // modules)
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def _place_qr(
    canvas_size: tuple[int, int], field: QRField, url: str
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The QR image and its box on the canvas (kept inside the canvas)."""
    width, height = canvas_size
    side = min(round(field.size * height), width, height)
    image = qr_image(url, side).convert("RGB")
    side = image.width
    left = min(max(round(field.x * width - side / 2), 0), width - side)
    top = min(max(round(field.y * height - side / 2), 0), height - side)
    return image, (left, top, left + side, top + side)


def _render_image(
    data: CertificateData, layout: Layout | None, background_png: bytes | None
) -> Image.Image:
    layout = parse_layout(layout if layout is not None else DEFAULT_LAYOUT)
    canvas = _background_image(background_png)
    draw = ImageDraw.Draw(canvas)
    codes = [
        _place_qr(canvas.size, f, data.verify_url) for f in layout.fields if isinstance(f, QRField)
    ]
    boxes = [box for _image, box in codes]
    for field in layout.fields:
        if isinstance(field, TextField):
            _draw_text(draw, field, _field_value(field, data), canvas.size, boxes)
    for image, box in codes:
        canvas.paste(image, box[:2])
    return canvas


def _dpi(image: Image.Image) -> float:
    """The resolution at which the long side is the long side of A4."""
    return max(image.size) / A4_LONG_SIDE_INCHES


# --- PDF -------------------------------------------------------------------------------


def _png_idat(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and the concatenated zlib stream of an 8-bit RGB, non-interlaced PNG."""
    pos, chunks = 8, []
    width = height = 0
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        kind = png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            if (depth, colour, interlace) != (8, 2, 0):
                raise ValueError("expected an 8-bit RGB non-interlaced PNG")
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    return width, height, b"".join(chunks)


def _pdf_text(value: str) -> bytes:
    """A PDF text string: UTF-16BE with BOM, hex-encoded (safe for any character)."""
    return b"<" + ("\ufeff" + value).encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_date(moment: datetime) -> bytes:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return b"(D:" + moment.astimezone(UTC).strftime("%Y%m%d%H%M%S").encode() + b"Z)"


def _number(value: float) -> bytes:
    return (f"{value:.4f}".rstrip("0").rstrip(".")).encode()


def _pdf(png: bytes, dpi: float, data: CertificateData) -> bytes:
    width, height, stream = _png_idat(png)
    page_w, page_h = width * 72 / dpi, height * 72 / dpi
    content = b"q " + _number(page_w) + b" 0 0 " + _number(page_h) + b" 0 0 cm /Im0 Do Q\n"
    info = (
        b"<< /Title "
        + _pdf_text(f"Certificate of Attendance: {data.holder_name}")
        + b" /Subject "
        + _pdf_text(data.event_title)
        + b" /Keywords "
        + _pdf_text(data.code)
        + b" /Creator (Laurel) /Producer (Laurel)"
        + b" /CreationDate "
        + _pdf_date(data.issued_at)
        + b" /ModDate "
        + _pdf_date(data.issued_at)
        + b" >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 "
        + _number(page_w)
        + b" "
        + _number(page_h)
        + b"] /Resources << /XObject << /Im0 4 0 R >> "
        b"/ProcSet [/PDF /ImageC] >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 "
        b"/BitsPerComponent 8 /Columns %d >> /Length %d >>\nstream\n"
        % (width, height, width, len(stream))
        + stream
        + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    file_id = hashlib.sha256(png + info).hexdigest()[:32].upper().encode()
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, file_id, file_id, xref_at)
    )
    return bytes(out)


# --- public ----------------------------------------------------------------------------


def render_png_pdf(
    data: CertificateData, layout: Layout | None = None, background_png: bytes | None = None
) -> tuple[bytes, bytes]:
    """Both files from one drawing (what issuing wants): (PNG bytes, PDF bytes)."""
    image = _render_image(data, layout, background_png)
    dpi = _dpi(image)
    png = _encode_png(image, dpi)
    return png, _pdf(png, dpi, data)


def render_png(
    data: CertificateData, layout: Layout | None = None, background_png: bytes | None = None
) -> bytes:
    image = _render_image(data, layout, background_png)
    return _encode_png(image, _dpi(image))


def render_pdf(
    data: CertificateData, layout: Layout | None = None, background_png: bytes | None = None
) -> bytes:
    """One page, the template's aspect, the long side as long as A4's (297 mm)."""
    return render_png_pdf(data, layout, background_png)[1]


SAMPLE_ISSUED_AT = datetime(2030, 1, 1, tzinfo=UTC)


def render_preview(
    layout: Layout | None = None,
    background_png: bytes | None = None,
    sample_name: str = "Ada Lovelace",
    *,
    event_title: str = "Sample Event",
    event_date: str = "1 January 2030",
    max_width: int = PREVIEW_WIDTH,
) -> bytes:
    """A PNG preview of a layout on a template, with sample data, at most max_width wide."""
    data = CertificateData(
        holder_name=sample_name,
        event_title=event_title,
        event_date=event_date,
        code="SAMPLE-0000",
        verify_url="https://example.com/verify/SAMPLE-0000",
        issued_at=SAMPLE_ISSUED_AT,
    )
    image = _render_image(data, layout, background_png)
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    return _encode_png(image)
