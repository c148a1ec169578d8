"""Drawing certificates: the background, the layout's text fields and the QR code.

One drawing, two outputs. `_drawing` decides where everything goes: the background, each
text field as shaped lines of runs (`lines.py`: fallback fonts, bidi order, HarfBuzz
shaping), each QR code's box. The PNG paints that drawing with Pillow; the PDF
(`pdf.py`) writes the same runs as real text in embedded font subsets over the
background, so both show the same certificate.

Same data in, same bytes out: nothing depends on the time, randomness or the machine
(the fonts and FriBiDi ship with the app; the PDF's dates come from `issued_at`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import segno

from . import textstack

textstack.load_fribidi()  # before Pillow's font module is imported: see textstack

from PIL import Image, ImageDraw  # noqa: E402

from .background import BackgroundError, open_checked  # noqa: E402
from .background import encode_png as _encode_png  # noqa: E402
from .default_template import DEFAULT_SIZE, Vectors, default_template_image, vectors  # noqa: E402
from .fonts import get_face, get_font, normalize_text  # noqa: E402
from .layout import (  # noqa: E402
    DEFAULT_LAYOUT,
    ImageField,
    Layout,
    QRField,
    TextField,
    fill_placeholders,
    parse_layout,
)
from .lines import PlacedText, shape_line  # noqa: E402

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
    language: str = "en"  # BCP 47: the PDF's /Lang, and how text is shaped
    # Placeholder values beyond the fields above (custom fields, the signer): a JSON
    # object of strings, as the certificate's row records it.
    field_values: str | None = None

    def placeholder_values(self) -> dict[str, str]:
        values = json.loads(self.field_values) if self.field_values else {}
        return {
            **values,
            "name": self.holder_name,
            "event": self.event_title,
            "date": self.event_date,
            "code": self.code,
        }


Measure = Callable[[str], float]


@dataclass(frozen=True)
class Drawing:
    """Everything a certificate shows, in pixels of the background (which is shared
    between drawings: read it, never draw on it)."""

    background: Image.Image
    texts: tuple[PlacedText, ...]
    codes: tuple[tuple[list[list[bool]], tuple[int, int, int, int]], ...]  # modules, box
    vectors: Vectors | None = None  # the built-in template as shapes, for the PDF
    images: tuple[tuple[Image.Image, tuple[int, int]], ...] = ()  # RGBA, top-left corner
    background_digest: str | None = None  # sha256 of the uploaded template's bytes

    @property
    def size(self) -> tuple[int, int]:
        return self.background.size


# --- background cache ------------------------------------------------------------------

_BACKGROUNDS: OrderedDict[str, Image.Image] = OrderedDict()
_BACKGROUNDS_LOCK = threading.Lock()
_BACKGROUNDS_MAX = 2  # decoded templates are big (26 MB at 3508x2480): keep few


def _background_image(background_png: bytes | None) -> tuple[str | None, Image.Image]:
    """The decoded background and its digest (None: the built-in template), decoded once
    per process per content. The image is shared: painting copies it, nothing writes it."""
    if background_png is None:
        return None, default_template_image(*DEFAULT_SIZE)
    digest = hashlib.sha256(background_png).hexdigest()
    with _BACKGROUNDS_LOCK:
        cached = _BACKGROUNDS.get(digest)
        if cached is not None:
            _BACKGROUNDS.move_to_end(digest)
            return digest, cached
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
    return digest, image


# --- drawing ---------------------------------------------------------------------------

_ANCHORS = {"left": "lm", "center": "mm", "right": "rm"}


def _field_value(field: TextField, data: CertificateData, values: Mapping[str, str]) -> str:
    if field.type == "text":
        return fill_placeholders(field.text or "", values)
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


# Chinese and Japanese break between characters, except before closing punctuation and
# small kana (the basic kinsoku rule); other scripts break at spaces.
_NO_LINE_START = set("、。，．・ー）」』】〕〉》！？：；ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ")


def _breakable_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED", "HIRAGANA", "KATAKANA"))


def _tokens(text: str) -> tuple[list[str], str]:
    """The pieces a line may break between, and what joins them back."""
    if " " in text or not any(_breakable_cjk(c) for c in text):
        return text.split(" "), " "
    tokens: list[str] = []
    for char in text:
        if tokens and (char in _NO_LINE_START or not _breakable_cjk(char)):
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens, ""


def _wrap(measure: Measure, text: str, room: float, max_lines: int) -> list[str] | None:
    """`text` in at most `max_lines` lines no wider than `room`, balanced (lines of similar
    width rather than a full first line and a stub), or None if it cannot be done."""
    if measure(text) <= room:
        return [text]
    words, joiner = _tokens(text)
    if max_lines == 1 or len(words) == 1:
        return None
    widths = [measure(w) for w in words]
    space = measure(joiner) if joiner else 0.0
    if max(widths) > room or len(_greedy(words, widths, space, room)) > max_lines:
        return None
    low, high = max(max(widths), (sum(widths) + space * (len(words) - 1)) / max_lines), room
    for _ in range(16):  # the narrowest limit that still needs no more lines: balanced
        middle = (low + high) / 2
        if len(_greedy(words, widths, space, middle)) <= max_lines:
            high = middle
        else:
            low = middle
    lines = [joiner.join(line) for line in _greedy(words, widths, space, high)]
    if any(measure(line) > room for line in lines):
        return None
    return lines


def _fit(measure_at: Callable[[int], Measure], size: int, text: str, room: float, max_lines: int):
    """The largest font size (at most `size`) at which `text` fits `room`, and its lines.
    One line is kept while it needs to shrink by less than WRAP_BELOW; past that the text
    may wrap onto up to `max_lines` lines instead of shrinking further."""
    width = measure_at(size)(text)
    if width <= room:
        return size, [text]
    single = max(MIN_FONT_PX, min(size - 1, int(size * room / width)))
    while single > MIN_FONT_PX and measure_at(single)(text) > room:
        single -= 1
    if max_lines > 1 and single < WRAP_BELOW * size:
        candidate = size
        while candidate > single:
            lines = _wrap(measure_at(candidate), text, room, max_lines)
            if lines is not None:
                return candidate, lines
            candidate = min(candidate - 1, int(candidate * 0.97))
    return single, [text]


def _place_text(
    field: TextField,
    text: str,
    size: tuple[int, int],
    obstacles: list[tuple[int, int, int, int]],
    language: str | None,
) -> PlacedText | None:
    """Where each shaped line of a field goes: its size, lines and their origins."""
    text = normalize_text(text)
    if not text:
        return None
    width, height = size
    px = max(MIN_FONT_PX, round(field.size * height))
    latin = get_font(field.font, field.weight, px)
    _left, top, _right, bottom = latin.getbbox("Ag", anchor="lm")
    extra = LINE_SPACING * px * (field.max_lines - 1) / 2
    band = (field.y * height + top - extra, field.y * height + bottom + extra)
    room = _available_width(field, width, band, obstacles)

    def measure_at(at: int) -> Measure:
        return lambda part: shape_line(part, field.font, field.weight, at, language).width

    fitted, texts = _fit(measure_at, px, text, room, field.max_lines)
    ascent, descent = get_font(field.font, field.weight, fitted).getmetrics()
    placed = []
    for index, part in enumerate(texts):
        line = shape_line(part, field.font, field.weight, fitted, language)
        middle = field.y * height + (index - (len(texts) - 1) / 2) * LINE_SPACING * fitted
        anchor = field.x * width
        left = {"left": anchor, "center": anchor - line.width / 2, "right": anchor - line.width}
        placed.append((left[field.align], middle + (ascent - descent) / 2, line))
    return PlacedText(field.weight, fitted, field.color, tuple(placed))


def _draw_placed(draw: ImageDraw.ImageDraw, text: PlacedText) -> None:
    for left, baseline, line in text.lines:
        for run in line.runs:
            draw.text(
                (left + run.x, baseline),
                run.text,
                font=get_face(run.face, text.weight, text.size),
                fill=text.color,
                anchor="ls",
                direction=run.direction,
                language=run.language,
            )


def qr_modules(url: str) -> list[list[bool]]:
    """The QR code for `url` as rows of dark (True) modules, quiet zone included."""
    qr = segno.make_qr(url, error="m")
    return [[bool(dark) for dark in row] for row in qr.matrix_iter(scale=1, border=QR_BORDER)]


def qr_image(modules: list[list[bool]], side: int) -> Image.Image:
    """The modules as crisp pixels, a whole number of pixels each, at most `side` px."""
    count = len(modules)
    pixels = bytes(0 if dark else 255 for row in modules for dark in row)
    image = Image.frombytes("L", (count, count), pixels)
    scale = max(1, side // count)
    return image.resize((count * scale, count * scale), Image.Resampling.NEAREST)


def _place_qr(
    canvas_size: tuple[int, int], field: QRField, modules: list[list[bool]]
) -> tuple[int, int, int, int]:
    """The QR code's box on the canvas (kept inside the canvas)."""
    width, height = canvas_size
    count = len(modules)
    side = max(1, min(round(field.size * height), width, height) // count) * count
    left = min(max(round(field.x * width - side / 2), 0), width - side)
    top = min(max(round(field.y * height - side / 2), 0), height - side)
    return (left, top, left + side, top + side)


_BRAND: OrderedDict[str, Image.Image] = OrderedDict()
_BRAND_MAX = 8  # small (at most 1200 px a side), a few organizers' at once


def _brand_image(png: bytes) -> Image.Image:
    """A decoded logo or signature (RGBA), once per process per content."""
    digest = hashlib.sha256(png).hexdigest()
    with _BACKGROUNDS_LOCK:
        cached = _BRAND.get(digest)
        if cached is not None:
            _BRAND.move_to_end(digest)
            return cached
    image = open_checked(png, ("PNG",))
    image.load()
    image = image.convert("RGBA")
    with _BACKGROUNDS_LOCK:
        _BRAND[digest] = image
        while len(_BRAND) > _BRAND_MAX:
            _BRAND.popitem(last=False)
    return image


def _place_image(
    canvas_size: tuple[int, int], field: ImageField, png: bytes
) -> tuple[Image.Image, tuple[int, int]]:
    """The image at the field's height (its own proportions), centred on x, y and kept
    inside the canvas."""
    width, height = canvas_size
    source = _brand_image(png)
    tall = max(1, min(round(field.size * height), height))
    wide = max(1, min(round(source.width * tall / source.height), width))
    image = source.resize((wide, tall), Image.Resampling.LANCZOS)
    left = min(max(round(field.x * width - wide / 2), 0), width - wide)
    top = min(max(round(field.y * height - tall / 2), 0), height - tall)
    return image, (left, top)


def _drawing(
    data: CertificateData,
    layout: Layout | None,
    background_png: bytes | None,
    images: Mapping[str, bytes] | None = None,
) -> Drawing:
    textstack.require()
    layout = parse_layout(layout if layout is not None else DEFAULT_LAYOUT)
    digest, background = _background_image(background_png)
    modules = qr_modules(data.verify_url)
    codes = tuple(
        (modules, _place_qr(background.size, f, modules))
        for f in layout.fields
        if isinstance(f, QRField)
    )
    boxes = [box for _modules, box in codes]
    images = images or {}
    placed_images = tuple(
        _place_image(background.size, f, images[f.image])
        for f in layout.fields
        if isinstance(f, ImageField) and images.get(f.image)
    )
    values = data.placeholder_values()
    texts = []
    for field in layout.fields:
        if isinstance(field, TextField):
            placed = _place_text(
                field, _field_value(field, data, values), background.size, boxes, data.language
            )
            if placed is not None:
                texts.append(placed)
    template = vectors(*background.size) if background_png is None else None
    return Drawing(background, tuple(texts), codes, template, placed_images, digest)


def _paint(drawing: Drawing) -> Image.Image:
    canvas = drawing.background.copy()
    for image, corner in drawing.images:
        canvas.paste(image, corner, image)
    draw = ImageDraw.Draw(canvas)
    for text in drawing.texts:
        _draw_placed(draw, text)
    for modules, (left, top, right, _bottom) in drawing.codes:
        canvas.paste(qr_image(modules, right - left).convert("RGB"), (left, top))
    return canvas


def _dpi(size: tuple[int, int]) -> float:
    """The resolution at which the long side is the long side of A4."""
    return max(size) / A4_LONG_SIDE_INCHES


# --- public ----------------------------------------------------------------------------


# The organizer's PNGs by name: "logo", "signature" (signature 1), "signature_2"...
Images = Mapping[str, bytes] | None


def render_png_pdf(
    data: CertificateData,
    layout: Layout | None = None,
    background_png: bytes | None = None,
    images: Images = None,
) -> tuple[bytes, bytes]:
    """Both files from one drawing (what issuing wants): (PNG bytes, PDF bytes)."""
    from .pdf import write_pdf

    drawing = _drawing(data, layout, background_png, images)
    dpi = _dpi(drawing.size)
    return _encode_png(_paint(drawing), dpi), write_pdf(drawing, data, dpi)


def render_png(
    data: CertificateData,
    layout: Layout | None = None,
    background_png: bytes | None = None,
    images: Images = None,
) -> bytes:
    drawing = _drawing(data, layout, background_png, images)
    return _encode_png(_paint(drawing), _dpi(drawing.size))


def render_pdf(
    data: CertificateData,
    layout: Layout | None = None,
    background_png: bytes | None = None,
    images: Images = None,
) -> bytes:
    """One page, the template's aspect, the long side as long as A4's (297 mm)."""
    from .pdf import write_pdf

    drawing = _drawing(data, layout, background_png, images)
    return write_pdf(drawing, data, _dpi(drawing.size))


SAMPLE_ISSUED_AT = datetime(2030, 1, 1, tzinfo=UTC)


def render_preview(
    layout: Layout | None = None,
    background_png: bytes | None = None,
    sample_name: str = "Ada Lovelace",
    *,
    event_title: str = "Sample Event",
    event_date: str = "1 January 2030",
    language: str = "en",
    max_width: int = PREVIEW_WIDTH,
    images: Images = None,
    field_values: Mapping[str, str] | None = None,
) -> bytes:
    """A PNG preview of a layout on a template, with sample data, at most max_width wide."""
    data = CertificateData(
        holder_name=sample_name,
        event_title=event_title,
        event_date=event_date,
        code="SAMPLE-0000",
        verify_url="https://example.com/verify/SAMPLE-0000",
        issued_at=SAMPLE_ISSUED_AT,
        language=language,
        field_values=json.dumps(dict(field_values or {}), sort_keys=True),
    )
    image = _paint(_drawing(data, layout, background_png, images))
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    return _encode_png(image)
