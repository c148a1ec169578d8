"""Helpers for the rendering tests: sample data and images made on the fly."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

from PIL import Image, ImageChops, ImageDraw

from app.certificates.rendering import CertificateData


def make_data(**overrides) -> CertificateData:
    values = {
        "holder_name": "Ada Lovelace",
        "event_title": "Analytical Engines Summit 2025",
        "event_date": "14 March 2025",
        "code": "LRL-7K3M-Q9XP",
        "verify_url": "https://laurel.example.com/verify/LRL-7K3M-Q9XP",
        "issued_at": datetime(2025, 3, 14, 18, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return CertificateData(**values)


def png_bytes(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def template_image(size=(2000, 1414)) -> Image.Image:
    """A made-up uploaded template: a blue gradient with a dark band top and bottom."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.merge(
        "RGB",
        (
            image.getchannel(0).point(lambda v: 235 - v // 5),
            image.getchannel(0).point(lambda v: 230 - v // 5),
            image.getchannel(0).point(lambda v: 250 - v // 10),
        ),
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, height // 12], fill=(20, 40, 90))
    draw.rectangle([0, height - height // 14, width, height], fill=(20, 40, 90))
    return image


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be width x height (no real pixel data)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b""))
        + png_chunk(b"IEND", b"")
    )


def png_chunk_types(data: bytes) -> list[bytes]:
    pos, kinds = 8, []
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kinds.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds


def diff_box(a: Image.Image, b: Image.Image, threshold: int = 24):
    """Bounding box of the pixels that differ by more than `threshold` (or None)."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
    return diff.point(lambda v: 255 if v > threshold else 0).getbbox()


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image
