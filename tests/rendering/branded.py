"""A branded certificate with a custom field: a logo and two signatures drawn on the fly
(the same pixels every time), the built-in "Branded" design plus a `{role}` line and a
second signer beside the first. Used by the render tests, the parity scenario and probe
under Vercel's launcher and the README's sample (scripts/designs_sample.py)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from .helpers import make_data

FIELD_VALUES = {
    "role": "Keynote speaker",
    "issuer": "Analytical Society",
    "signer_name": "Grace Hopper",
    "signer_title": "Programme chair",
    "signer_2_name": "Charles Babbage",
    "signer_2_title": "Treasurer",
}


def logo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 390, 390), fill="#2f6f4f")
    draw.polygon([(200, 70), (320, 300), (80, 300)], fill="#f2c14e")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def signature_png() -> bytes:
    points = [(20, 150), (80, 40), (120, 160), (180, 60), (230, 150), (300, 80), (360, 140)]
    return _stroke([*points, (440, 70), (580, 120)], "#1a237e")


def second_signature_png() -> bytes:
    points = [(30, 60), (90, 160), (150, 50), (200, 140), (280, 70), (350, 150), (470, 90)]
    return _stroke([*points, (570, 110)], "#3e2723")


def _stroke(points, colour: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(points, fill=colour, width=9)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SIGNER_1_X, SIGNER_2_X, SIGNER_WIDTH = 0.36, 0.64, 0.24


def with_role_and_second_signer(layout: dict) -> dict:
    """The Branded design's JSON (as layout_to_dict or the designer gives it) with its
    "attended" line saying the holder's role, and signature 2 and its signer beside
    signature 1 and theirs."""
    fields = layout["fields"]
    second = []
    for field in fields:
        if field.get("text") == "attended":
            field["text"] = "attended as {role}"
        signer = field["type"] == "signature" or field.get("text") in (
            "{signer_name}",
            "{signer_title}",
        )
        if signer:
            field["x"] = SIGNER_1_X
            if field["type"] == "text":
                field["max_width"] = SIGNER_WIDTH
            twin = {**field, "x": SIGNER_2_X}
            if field["type"] == "signature":
                twin["signer"] = 2
            else:
                twin["text"] = field["text"].replace("signer_", "signer_2_")
            second.append(twin)
    return {**layout, "fields": [*fields, *second]}


def branded_layout():
    """The sample's layout: the built-in Branded design, the role, two signers."""
    from app.certificates.rendering import layout_to_dict, parse_layout
    from app.designs.builtin import BUILT_IN

    return parse_layout(with_role_and_second_signer(layout_to_dict(BUILT_IN["branded"].layout)))


def brand_images() -> dict[str, bytes]:
    """The images by the names layouts give them (Organizer.brand_keys)."""
    return {"logo": logo_png(), "signature": signature_png(), "signature_2": second_signature_png()}


def branded_certificate():
    """(data, layout, images) of the sample."""
    data = replace(make_data(), field_values=json.dumps(FIELD_VALUES, sort_keys=True))
    return data, branded_layout(), brand_images()


def render_branded() -> tuple[bytes, bytes]:
    """The sample's PNG and PDF, with the app's renderer."""
    from app.certificates.rendering import render_png_pdf

    data, layout, images = branded_certificate()
    return render_png_pdf(data, layout, images=images)
