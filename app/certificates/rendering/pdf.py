"""The certificate as a PDF with real text, written by fpdf2.

fpdf2 (LGPL, pure Python, maintained) was chosen over reportlab and pikepdf because it
embeds TrueType and CFF fonts as subsets with a ToUnicode map through fontTools, which
the fallback chain already uses, shapes text with HarfBuzz (uharfbuzz, a self-contained
wheel), embeds images losslessly (Flate with the PNG predictor) and writes the same
bytes for the same input once the creation date is fixed.

The page draws the `Drawing` that the PNG paints: the background image (or, for the
built-in template, its shapes as vector paths), each run of
each text line at the position and size the PNG uses (converted from pixels to points
at the PNG's resolution), shaped in the run's direction and language, and the QR code
as filled rectangles. So `pdftotext` reads the holder's name and a screen reader
speaks it, while the page looks like the PNG.
"""

from __future__ import annotations

import copy
import hashlib
import io
import threading
from collections import OrderedDict
from datetime import UTC

from fpdf.image_parsing import RasterImageInfo, get_img_info

from .default_template import Shape, Vectors
from .fonts import face_file
from .lines import PlacedText
from .pdf_fonts import CachedFontPDF as PDF
from .render import CertificateData, Drawing

BASELINE = 0.8  # fpdf2 puts a cell's baseline 0.5 h + 0.3 font size below its top


def _font_key(face: str, weight: str) -> str:
    return f"{face}-{weight}"


def _document(data: CertificateData, width: float, height: float) -> PDF:
    pdf = PDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    issued = data.issued_at if data.issued_at.tzinfo else data.issued_at.replace(tzinfo=UTC)
    pdf.set_creation_date(issued.astimezone(UTC))
    pdf.set_title(f"Certificate of Attendance: {data.holder_name}")
    pdf.set_subject(data.event_title)
    pdf.set_keywords(data.code)
    pdf.set_lang(data.language)
    pdf.set_creator("Laurel")
    pdf.set_producer("Laurel")
    pdf.set_display_mode("fullpage")
    pdf.add_page()
    return pdf


# fpdf2's parsed background (its PNG re-encoded, decoded and deflated again: 0.8 s at
# 3508x2480), by template digest: the same for every certificate of an event.
_IMAGES: OrderedDict[str, tuple[str, RasterImageInfo]] = OrderedDict()
_IMAGES_LOCK = threading.Lock()
_IMAGES_MAX = 2


def _image_info(drawing: Drawing, image_filter: str) -> tuple[str, RasterImageInfo]:
    """What `FPDF.image` makes of the background: its cache name and image info."""
    key = f"{drawing.background_digest}:{image_filter}"
    with _IMAGES_LOCK:
        found = _IMAGES.get(key)
        if found is not None:
            _IMAGES.move_to_end(key)
            return found
    out = io.BytesIO()
    drawing.background.save(out, "PNG")
    # named as fpdf2 names a BytesIO image, so the document is the same as without cache
    name = hashlib.md5(out.getvalue().strip(), usedforsecurity=False).hexdigest()
    found = (name, get_img_info(name, out, image_filter))
    with _IMAGES_LOCK:
        _IMAGES[key] = found
        while len(_IMAGES) > _IMAGES_MAX:
            _IMAGES.popitem(last=False)
    return found


def _background(pdf: PDF, drawing: Drawing, width: float, height: float) -> None:
    images = pdf.image_cache.images
    name, info = _image_info(drawing, pdf.image_cache.image_filter)
    if info.get("iccp") is None:  # a profile is registered per document: no shortcut
        # the entry preload_image would add (it counts this use); a copy: output() writes it
        entry = copy.copy(info)
        entry.update(i=len(images) + 1, usages=0, iccp_i=None)
        images[name] = entry
        pdf.image(name, x=0, y=0, w=width, h=height)
        return
    out = io.BytesIO()
    drawing.background.save(out, "PNG")
    pdf.image(out, x=0, y=0, w=width, h=height)


def _images(pdf: PDF, drawing: Drawing, scale: float) -> None:
    """Logos and signatures as the PNG pastes them: the same resized pixels, alpha kept."""
    for image, (left, top) in drawing.images:
        out = io.BytesIO()
        image.save(out, "PNG")
        pdf.image(out, x=left * scale, y=top * scale, w=image.width * scale, h=image.height * scale)


def _shape(pdf: PDF, shape: Shape, k: float) -> None:
    pdf.set_fill_color(*shape.colour)
    pdf.set_draw_color(*shape.colour)
    points = [(x * k, y * k) for x, y in shape.points]
    if shape.kind == "polygon":
        pdf.polygon(points, style="F")
        return
    width = (shape.width or 0) * k
    pdf.set_line_width(width)
    if shape.kind == "line":
        with pdf.local_context(stroke_join_style="ROUND" if shape.round_joins else "MITER"):
            pdf.polyline(points, style="D")
        return
    (x0, y0), (x1, y1) = points
    if shape.width is not None:  # Pillow strokes inside the box: the path runs mid-stroke
        x0, y0, x1, y1 = x0 + width / 2, y0 + width / 2, x1 - width / 2, y1 - width / 2
    style = "F" if shape.width is None else "D"
    paint = pdf.rect if shape.kind == "rectangle" else pdf.ellipse
    paint(x0, y0, x1 - x0, y1 - y0, style=style)


def _vector_background(pdf: PDF, vectors: Vectors, width: float, height: float, scale: float):
    """The built-in template as paths and text: a fraction of its image's bytes."""
    pdf.set_fill_color(*vectors.paper)
    pdf.rect(0, 0, width, height, style="F")
    for shape in vectors.shapes:
        _shape(pdf, shape, scale / vectors.supersample)


def _texts(pdf: PDF, texts: tuple[PlacedText, ...], scale: float) -> None:
    fonts: set[str] = set()
    for text in texts:
        size = text.size * scale
        red, green, blue = (int(text.color[i : i + 2], 16) for i in (1, 3, 5))
        pdf.set_text_color(red, green, blue)
        for left, baseline, line in text.lines:
            for run in line.runs:
                key = _font_key(run.face, text.weight)
                if key not in fonts:
                    pdf.add_cached_font(key, face_file(run.face, text.weight))
                    fonts.add(key)
                pdf.set_font(key, size=size)
                pdf.set_text_shaping(
                    use_shaping_engine=True, direction=run.direction, language=run.language
                )
                pdf.set_xy((left + run.x) * scale, baseline * scale - BASELINE * size)
                pdf.cell(w=run.width * scale, h=size, text=run.text)


def _codes(pdf: PDF, drawing: Drawing, scale: float) -> None:
    pdf.set_fill_color(255, 255, 255)
    for _modules, (left, top, right, bottom) in drawing.codes:
        pdf.rect(left * scale, top * scale, (right - left) * scale, (bottom - top) * scale, "F")
    pdf.set_fill_color(0, 0, 0)
    for modules, (left, top, right, _bottom) in drawing.codes:
        step = (right - left) / len(modules) * scale
        for row, cells in enumerate(modules):
            column = 0
            while column < len(cells):  # one rectangle per horizontal run of dark modules
                if not cells[column]:
                    column += 1
                    continue
                end = column
                while end < len(cells) and cells[end]:
                    end += 1
                y = top * scale + row * step
                pdf.rect(left * scale + column * step, y, (end - column) * step, step, "F")
                column = end


def write_pdf(drawing: Drawing, data: CertificateData, dpi: float) -> bytes:
    """One page of the drawing's aspect, `dpi` pixels to the inch of the background."""
    scale = 72 / dpi
    width, height = (side * scale for side in drawing.size)
    pdf = _document(data, width, height)
    if drawing.vectors is None:
        _background(pdf, drawing, width, height)
    else:
        _vector_background(pdf, drawing.vectors, width, height, scale)
    _images(pdf, drawing, scale)
    _texts(pdf, drawing.texts, scale)
    _codes(pdf, drawing, scale)
    return bytes(pdf.output())
