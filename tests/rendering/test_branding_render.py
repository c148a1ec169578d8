"""Logos and signatures on the certificate: placed by their fields, transparency kept,
nothing drawn without an image; brand uploads normalised to RGBA PNGs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.certificates.rendering import (
    BackgroundError,
    load_brand_image,
    parse_layout,
    render_png,
)
from tests.rendering.branded import logo_png
from tests.rendering.helpers import decode, make_data

NAME = {"type": "participant_name", "x": 0.5, "y": 0.5}


def layout(*extra):
    return parse_layout({"fields": [NAME, *extra]})


def test_a_logo_lands_centred_on_its_field_at_its_height():
    plain = decode(render_png(make_data(), layout()))
    logo = {"type": "logo", "x": 0.2, "y": 0.25, "size": 0.2}
    drawn = decode(render_png(make_data(), layout(logo), images={"logo": logo_png()}))
    width, height = drawn.size
    # The logo's centre is its yellow triangle; its corners are transparent.
    centre = (round(0.2 * width), round(0.25 * height) + 20)
    assert drawn.getpixel(centre)[:3] == (0xF2, 0xC1, 0x4E)
    corner = (round(0.2 * width - 0.1 * height) + 3, round(0.15 * height) + 3)
    assert drawn.getpixel(corner) == plain.getpixel(corner)
    # No image uploaded: the field draws nothing at all.
    assert render_png(make_data(), layout(logo)) == render_png(make_data(), layout())


def test_brand_uploads_keep_transparency_and_refuse_tiny_or_odd_images():
    palette = Image.new("P", (300, 120), 0)
    palette.info["transparency"] = 0
    out = io.BytesIO()
    palette.save(out, "PNG")
    image = decode(load_brand_image(out.getvalue()))
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0
    big = io.BytesIO()
    Image.new("RGB", (3000, 1000), "navy").save(big, "JPEG")
    assert decode(load_brand_image(big.getvalue())).size == (1200, 400)
    for size in ((20, 200), (2000, 100)):
        out = io.BytesIO()
        Image.new("RGB", size).save(out, "PNG")
        with pytest.raises(BackgroundError, match="at least 32 pixels a side"):
            load_brand_image(out.getvalue())
