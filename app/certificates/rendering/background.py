"""Certificate backgrounds: validating and normalising uploads.

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
import threading

from PIL import Image, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow's own bomb check, as a second line behind the header checks below: past
# twice this it refuses to decode at all.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# A 40-megapixel decode holds 120-160 MB; this many may run at once per process,
# the rest wait their turn (a few seconds each) instead of exhausting memory.
LARGE_DECODE_PIXELS = 8_000_000
LARGE_DECODE_SLOTS = 2
LARGE_DECODE_WAIT_SECONDS = 60
_large_decodes = threading.BoundedSemaphore(LARGE_DECODE_SLOTS)
MAX_LONG_SIDE = 3508  # A4 at 300 dpi; larger uploads are scaled down to this
MIN_LONG_SIDE = 1000
MIN_SHORT_SIDE = 300
MAX_ASPECT = 3.0
BRAND_MIN_SIDE = 32
BRAND_LONG_SIDE = 1200  # a logo is a fraction of the page: this is plenty at 300 dpi
# How every PNG Laurel writes is compressed, chosen from bench/render.py's figures.
PNG_OPTIONS: dict[str, int] = {"compress_level": 6}


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


class BackgroundBusy(RuntimeError):
    """Too many large images are being decoded right now; try again shortly."""


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
    # Never "40 megapixels; the limit is 40": show the decimals that make the difference.
    shown = (
        f"{megapixels:.0f}" if round(megapixels) * 1_000_000 > MAX_PIXELS else f"{megapixels:.2f}"
    )
    return (
        f"The image is {width}x{height} pixels ({shown} megapixels); the limit is "
        f"{MAX_PIXELS // 1_000_000} megapixels ({MAX_PIXELS:,} pixels). Scale it down "
        "(A4 at 300 dpi is 3508x2480) and upload it again."
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
    """Decode the pixels; a JPEG at the smallest DCT scale that keeps the long side at
    MAX_LONG_SIDE or more (an eighth of the memory at best), others in full."""
    width, height = image.size
    scale = MAX_LONG_SIDE / max(width, height)
    if scale < 1 and image.format == "JPEG":
        image.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
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


def _reduce(image: Image.Image) -> Image.Image:
    """Shrink by a whole factor while the long side stays at MAX_LONG_SIDE or more, so
    that every later copy (orientation, colour, alpha) is small. Deterministic."""
    factor = max(image.size) // MAX_LONG_SIDE
    if factor < 2:
        return image
    try:
        reduced = image.reduce(factor)
    except ValueError:  # modes reduce() does not support (e.g. palette): keep as is
        return image
    reduced.info = dict(image.info)
    image.close()
    return reduced


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


def _opened(data: bytes) -> Image.Image:
    """The upload opened (pixels not decoded yet) once its bytes, format and header pass."""
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
    return open_checked(data, (fmt,))


def _in_decode_slot(image: Image.Image, normalise) -> bytes:
    """`normalise(image)`, in one of the few slots for large decodes if it is large."""
    if image.size[0] * image.size[1] <= LARGE_DECODE_PIXELS:
        return normalise(image)
    if not _large_decodes.acquire(timeout=LARGE_DECODE_WAIT_SECONDS):
        image.close()
        raise BackgroundBusy(
            "The server is busy checking other large images; upload the image again in a minute."
        )
    try:
        return normalise(image)
    finally:
        _give_back_memory()
        _large_decodes.release()


def load_background(data: bytes) -> bytes:
    """Validate an uploaded template and return it as normalised PNG bytes.
    Raises BackgroundError with a message that says what to fix."""
    image = _opened(data)
    _check_shape(image)
    return _in_decode_slot(image, _normalise)


def load_brand_image(data: bytes) -> bytes:
    """Validate an uploaded logo or signature: the same formats, limits and decode
    checks as a background, any proportions up to 10:1, at least 32 pixels a side;
    kept with its transparency (RGBA PNG), the long side at most BRAND_LONG_SIDE."""
    image = _opened(data)
    width, height = image.size
    if min(width, height) < BRAND_MIN_SIDE or max(width, height) / min(width, height) > 10:
        image.close()
        raise BackgroundError(
            f"The image is {width}x{height} pixels; a logo or signature needs at least "
            f"{BRAND_MIN_SIDE} pixels a side and proportions of at most 10:1."
        )
    return _in_decode_slot(image, _normalise_brand)


def _normalise_brand(image: Image.Image) -> bytes:
    image = _reduce(_decode(image))
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    image = _to_srgb(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "PA", "CMYK"):
        image = _to_rgb(image)  # 16-bit and float images: no transparency to keep
    image = image.convert("RGBA")
    if max(image.size) > BRAND_LONG_SIDE:
        image.thumbnail((BRAND_LONG_SIDE, BRAND_LONG_SIDE), Image.Resampling.LANCZOS)
    return encode_png(image)


def _give_back_memory() -> None:
    """Return the freed pixel buffers to the system. glibc keeps freed memory in the
    arena of the thread that used it, so without this every request thread would keep
    its own ~200 MB after a large decode; with it, peak memory is what the decode
    slots hold at once. A no-op where glibc is absent."""
    import ctypes
    import ctypes.util

    global _malloc_trim
    if _malloc_trim is None:
        name = ctypes.util.find_library("c")
        try:
            _malloc_trim = ctypes.CDLL(name).malloc_trim if name else False
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _check_shape(image: Image.Image) -> None:
    """Size and proportions, from the header (orientation does not change them)."""
    width, height = image.size
    long_side, short_side = max(width, height), min(width, height)
    if long_side < MIN_LONG_SIDE or short_side < MIN_SHORT_SIDE:
        image.close()
        raise BackgroundError(
            f"The image is only {width}x{height} pixels; a template needs at least "
            f"{MIN_LONG_SIDE} pixels on its long side and {MIN_SHORT_SIDE} on its short side "
            "(A4 at 150 dpi is 1754x1240). Upload a larger image."
        )
    if long_side / short_side > MAX_ASPECT:
        image.close()
        raise BackgroundError(
            f"The image is {width}x{height} pixels, too long and narrow for a certificate "
            f"(at most {MAX_ASPECT:g}:1). Crop it closer to A4 (1.41:1) and upload it again."
        )


def _normalise(image: Image.Image) -> bytes:
    image = _reduce(_decode(image))
    with contextlib.suppress(Exception):  # a broken EXIF block: keep the image as stored
        image = ImageOps.exif_transpose(image)
    image = _to_rgb(_to_srgb(image))

    width, height = image.size
    long_side = max(width, height)
    if long_side > MAX_LONG_SIDE:
        scale = MAX_LONG_SIDE / long_side
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)

    return encode_png(image)


def encode_png(image: Image.Image, dpi: float | None = None) -> bytes:
    """PNG bytes with no metadata but the optional resolution: no time, no text chunks."""
    if image.info:  # a decoded file's profile or transparency would be written: drop them
        clean = Image.new(image.mode, image.size)
        clean.paste(image)
        image = clean
    out = io.BytesIO()
    options = dict(PNG_OPTIONS) if dpi is None else {**PNG_OPTIONS, "dpi": (dpi, dpi)}
    image.save(out, "PNG", **options)
    return out.getvalue()
