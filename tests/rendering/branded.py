"""A branded certificate with a custom field: a logo and a signature drawn on the fly
(the same pixels every time), the built-in "Branded" design plus a `{role}` line.
Used by the render tests, the parity probe under Vercel's launcher and the README's
sample (scripts/branded_sample.py)."""

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
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    points = [(20, 150), (80, 40), (120, 160), (180, 60), (230, 150), (300, 80), (360, 140)]
    ImageDraw.Draw(image).line([*points, (440, 70), (580, 120)], fill="#1a237e", width=9)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def branded_layout():
    """The built-in "Branded" design, its "attended" line saying the holder's role."""
    from app.certificates.rendering import layout_to_dict, parse_layout
    from app.designs.builtin import BUILT_IN

    layout = layout_to_dict(BUILT_IN["branded"].layout)
    for field in layout["fields"]:
        if field.get("text") == "attended":
            field["text"] = "attended as {role}"
    return parse_layout(layout)


def branded_certificate():
    """(data, layout, images) of the sample."""
    data = replace(make_data(), field_values=json.dumps(FIELD_VALUES, sort_keys=True))
    return data, branded_layout(), {"logo": logo_png(), "signature": signature_png()}


def render_branded() -> tuple[bytes, bytes]:
    """The sample's PNG and PDF, with the app's renderer."""
    from app.certificates.rendering import render_png_pdf

    data, layout, images = branded_certificate()
    return render_png_pdf(data, layout, images=images)
