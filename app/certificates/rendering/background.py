"""Certificate backgrounds: validating uploads and drawing the built-in template.

`load_background` decides by decoding, never by file name: only PNG, JPEG and WebP are
accepted, at most 10 MB and 40 megapixels (checked from the header, before the pixels are
decoded). The result is a normalised RGB PNG (EXIF orientation applied, colour profile
converted to sRGB, long side at most 3508 px: A4 at 300 dpi), the same bytes for the same
upload every time.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import struct
from functools import lru_cache

from PIL import Image, ImageDraw, ImageOps

from .fonts import get_font

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_LONG_SIDE = 3508  # A4 at 300 dpi; larger uploads are scaled down to this
MIN_LONG_SIDE = 1000
MIN_SHORT_SIDE = 300
MAX_ASPECT = 3.0

DEFAULT_SIZE = (1754, 1240)  # A4 landscape at 150 dpi

_ACCEPTED = "Upload a PNG, JPEG or WebP image"

_OTHER_FORMATS = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
)


class BackgroundError(ValueError):
    """The uploaded background cannot be used; the message says what to fix."""


def _sniff(data: bytes) -> str | None:
    """PNG, JPEG or WEBP from the magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _unsupported_message(data: bytes) -> str:
    head = data[:2048]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in head.lower() or stripped.startswith((b"<?xml", b"<!doctype svg")):
        return (
            "SVG (vector) images are not supported: export the template as a PNG, JPEG "
            "or WebP image (e.g. 3508x2480 pixels) and upload that."
        )
    for magic, name in _OTHER_FORMATS:
        if head.startswith(magic):
            return f"{name} files are not supported: save the template as PNG, JPEG or WebP."
    if head[4:8] == b"ftyp":
        return "HEIC/AVIF images are not supported: save the template as PNG, JPEG or WebP."
    if stripped.startswith(b"<"):
        return f"This file is an HTML/XML document, not an image. {_ACCEPTED}."
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the 2 KB mark
                return f"This file is not an image Laurel can read. {_ACCEPTED}."
        return f"This file is text, not an image (whatever its name says). {_ACCEPTED}."
    return f"This file is not an image Laurel can read. {_ACCEPTED}."


def _too_many_pixels(width: int, height: int) -> str:
    megapixels = width * height / 1_000_000
    return (
        f"The image is {width}x{height} pixels ({megapixels:.0f} megapixels); the limit is "
        f"{MAX_PIXELS // 1_000_000} megapixels. Scale it down (A4 at 300 dpi is 3508x2480) "
        "and upload it again."
    )


def _png_header_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR, read without Pillow."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def open_checked(data: bytes, formats: tuple[str, ...]) -> Image.Image:
    """Open (header only) and check size limits before any pixel is decoded."""
    header = _png_header_size(data)
    if header is not None and header[0] * header[1] > MAX_PIXELS:
        raise BackgroundError(_too_many_pixels(*header))
    try:
        image = Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f" ({int(found.group(1)) / 1_000_000:.0f} megapixels)" if found else ""
        raise BackgroundError(
            f"The image has far too many pixels{size}; the limit is "
            f"{MAX_PIXELS // 1_000_000} megapixels. Scale it down (A4 at 300 dpi is "
            "3508x2480) and upload it again."
        ) from None
    except Exception:
        raise BackgroundError(
            "The image file is damaged or incomplete and cannot be read. Export it again "
            f"and upload the new file. {_ACCEPTED}."
        ) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise BackgroundError(_too_many_pixels(width, height))
    return image


def _decode(image: Image.Image) -> Image.Image:
    try:
        image.load()
    except Image.DecompressionBombError:
        raise BackgroundError(_too_many_pixels(*image.size)) from None
    except Exception as exc:
        truncated = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
        what = "incomplete (the file is truncated)" if truncated else "damaged"
        raise BackgroundError(
            f"The image is {what} and cannot be decoded. Export it again and upload the whole file."
        ) from None
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=out_mode)
    except Exception:
        return image  # an unusable profile: keep the pixels as they are
    return converted if converted is not None else image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        image = image.convert("RGBA")
        page = Image.new("RGBA", image.size, (255, 255, 255, 255))
        page.alpha_composite(image)
        image = page
    return image.convert("RGB")


def load_background(data: bytes) -> bytes:
    """Validate an uploaded template and return it as normalised PNG bytes.
    Raises BackgroundError with a message that says what to fix."""
    if not data:
        raise BackgroundError(f"The file is empty (0 bytes). {_ACCEPTED}.")
    if len(data) > MAX_BYTES:
        raise BackgroundError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_BYTES // 1024 // 1024} MB. Save it smaller (e.g. as a JPEG, or at "
            "3508x2480 pixels) and upload it again."
        )
    fmt = _sniff(data)
    if fmt is None:
        raise BackgroundError(_unsupported_message(data))

    image = _decode(open_checked(data, (fmt,)))
    with contextlib.suppress(Exception):  # a broken EXIF block: keep the image as stored
        image = ImageOps.exif_transpose(image)
    image = _to_rgb(_to_srgb(image))

    width, height = image.size
    long_side, short_side = max(width, height), min(width, height)
    if long_side < MIN_LONG_SIDE or short_side < MIN_SHORT_SIDE:
        raise BackgroundError(
            f"The image is only {width}x{height} pixels; a template needs at least "
            f"{MIN_LONG_SIDE} pixels on its long side and {MIN_SHORT_SIDE} on its short side "
            "(A4 at 150 dpi is 1754x1240). Upload a larger image."
        )
    if long_side / short_side > MAX_ASPECT:
        raise BackgroundError(
            f"The image is {width}x{height} pixels, too long and narrow for a certificate "
            f"(at most {MAX_ASPECT:g}:1). Crop it closer to A4 (1.41:1) and upload it again."
        )
    if long_side > MAX_LONG_SIDE:
        scale = MAX_LONG_SIDE / long_side
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)

    return encode_png(image)


def encode_png(image: Image.Image, dpi: float | None = None) -> bytes:
    """PNG bytes with no metadata but the optional resolution: no time, no text chunks."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if dpi is None:
        clean.save(out, "PNG")
    else:
        clean.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


# --- the built-in template -------------------------------------------------------------

PAPER = (251, 247, 236)
GOLD = (176, 141, 87)
GOLD_DARK = (140, 108, 60)
LEAF = (120, 137, 86)
LEAF_DARK = (88, 104, 60)
INK = (31, 42, 68)

_SUPERSAMPLE = 3


def _leaf(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    angle: float,
    length: float,
    width: float,
    fill: tuple[int, int, int],
) -> None:
    """A pointed leaf whose base is at (x, y), pointing along `angle` (radians)."""
    steps = 14
    ca, sa = math.cos(angle), math.sin(angle)
    side_a, side_b = [], []
    for i in range(steps + 1):
        t = i / steps
        half = width / 2 * math.sin(math.pi * t) ** 0.9 * (1 - 0.25 * t)
        along = t * length
        for side, sign in ((side_a, 1), (side_b, -1)):
            px = along * ca - sign * half * sa
            py = along * sa + sign * half * ca
            side.append((x + px, y + py))
    draw.polygon(side_a + side_b[::-1], fill=fill)


def _branch(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, mirror: bool, leaf_len: float
) -> None:
    """Half a laurel wreath: an arc from the bottom up one side, with leaves on both sides."""
    start, end = math.radians(100), math.radians(215)
    sign = -1 if mirror else 1
    points = []
    n = 60
    for i in range(n + 1):
        a = start + (end - start) * i / n
        points.append((cx + sign * radius * math.cos(a), cy + radius * math.sin(a)))
    draw.line(points, fill=LEAF_DARK, width=max(1, round(leaf_len * 0.09)), joint="curve")
    count = 8
    for i in range(count):
        t = (i + 0.6) / (count + 0.4)
        a = start + (end - start) * t
        px, py = cx + sign * radius * math.cos(a), cy + radius * math.sin(a)
        tangent = math.atan2(math.cos(a), -sign * math.sin(a))  # towards the tip
        size = leaf_len * (1.0 - 0.35 * t)
        for offset, colour in ((0.55, LEAF), (-0.55, LEAF_DARK)):
            _leaf(draw, px, py, tangent - offset * sign, size, size * 0.42, colour)
    tip_a = end
    tx = cx + sign * radius * math.cos(tip_a)
    ty = cy + radius * math.sin(tip_a)
    tangent = math.atan2(math.cos(tip_a), -sign * math.sin(tip_a))
    _leaf(draw, tx, ty, tangent, leaf_len * 0.6, leaf_len * 0.25, LEAF)


def _wreath(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    leaf_len = radius * 0.42
    _branch(draw, cx, cy, radius, False, leaf_len)
    _branch(draw, cx, cy, radius, True, leaf_len)
    # a small star in the middle
    r_out, r_in = radius * 0.34, radius * 0.14
    star = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        r = r_out if i % 2 == 0 else r_in
        star.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(star, fill=GOLD)


def _corner(draw: ImageDraw.ImageDraw, x: float, y: float, sx: int, sy: int, unit: float) -> None:
    """An ornament in the corner at (x, y); sx, sy point into the page."""
    line = max(1, round(unit * 0.12))
    arm = unit * 3.2
    for k in (0.0, 0.55):
        d = unit * k
        draw.line(
            [
                (x + sx * d, y + sy * (arm + d)),
                (x + sx * d, y + sy * d),
                (x + sx * (arm + d), y + sy * d),
            ],
            fill=GOLD,
            width=line,
            joint="curve",
        )
    # a diamond at the corner
    cx, cy = x + sx * unit * 1.3, y + sy * unit * 1.3
    r = unit * 0.5
    draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=GOLD)
    # small dots along the arms
    for k in (2.2, 2.9):
        for px, py in (
            (x + sx * unit * k, y + sy * unit * 1.3),
            (x + sx * unit * 1.3, y + sy * unit * k),
        ):
            rr = unit * 0.16
            draw.ellipse([px - rr, py - rr, px + rr, py + rr], fill=GOLD)


def _seal(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A round seal: notched gold rim, inner ring, laurel star."""
    points = []
    notches = 36
    for i in range(notches * 2):
        a = i * math.pi / notches
        rr = r if i % 2 == 0 else r * 0.93
        points.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    draw.polygon(points, fill=GOLD)
    ring = r * 0.8
    draw.ellipse([cx - ring, cy - ring, cx + ring, cy + ring], fill=PAPER)
    inner = r * 0.72
    draw.ellipse(
        [cx - inner, cy - inner, cx + inner, cy + inner],
        outline=GOLD,
        width=max(1, round(r * 0.03)),
    )
    _wreath(draw, cx, cy + r * 0.05, r * 0.52)


def _draw_page(width: int, height: int) -> Image.Image:
    s = _SUPERSAMPLE
    w, h = width * s, height * s
    image = Image.new("RGB", (w, h), PAPER)
    draw = ImageDraw.Draw(image)
    unit = h / 100  # 1% of the page height

    # double border: a heavy outer frame and a fine inner line
    m1 = unit * 3.2
    draw.rectangle([m1, m1, w - m1, h - m1], outline=GOLD, width=max(1, round(unit * 0.55)))
    m2 = unit * 4.6
    draw.rectangle([m2, m2, w - m2, h - m2], outline=GOLD, width=max(1, round(unit * 0.16)))

    inset = unit * 5.6
    for x, y, sx, sy in (
        (inset, inset, 1, 1),
        (w - inset, inset, -1, 1),
        (inset, h - inset, 1, -1),
        (w - inset, h - inset, -1, -1),
    ):
        _corner(draw, x, y, sx, sy, unit)

    _wreath(draw, w / 2, unit * 14.6, unit * 6.7)
    _seal(draw, w * 0.145, h * 0.765, unit * 8.5)

    # rules: under the heading and under the name
    for y, half in ((h * 0.305, w * 0.09), (h * 0.56, w * 0.26)):
        draw.line(
            [(w / 2 - half, y), (w / 2 + half, y)], fill=GOLD, width=max(1, round(unit * 0.14))
        )
        r = unit * 0.45
        for x in (w / 2 - half, w / 2 + half):
            draw.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=GOLD)

    return image.resize((width, height), Image.Resampling.LANCZOS)


def _draw_heading(image: Image.Image) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    text = "CERTIFICATE OF ATTENDANCE"
    size = max(8, round(height * 0.055))
    spacing = 0.14  # letter spacing, in em
    while True:
        font = get_font("serif", "bold", size)
        advances = [font.getlength(c) for c in text]
        total = sum(advances) + spacing * size * (len(text) - 1)
        if total <= width * 0.76 or size <= 8:
            break
        size -= 1
    x = (width - total) / 2
    y = height * 0.255
    for char, advance in zip(text, advances, strict=True):
        draw.text((x, y), char, font=font, fill=INK, anchor="lm")
        x += advance + spacing * size


@lru_cache(maxsize=4)
def _default_background_cached(width: int, height: int) -> Image.Image:
    image = _draw_page(width, height)
    _draw_heading(image)
    return image


def default_background(width: int = DEFAULT_SIZE[0], height: int = DEFAULT_SIZE[1]) -> Image.Image:
    """The built-in template (a new RGB image each call), drawn deterministically."""
    if width < 100 or height < 100:
        raise ValueError("the default background needs at least 100x100 pixels")
    return _default_background_cached(width, height).copy()
