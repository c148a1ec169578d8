"""Draw the README's design images: docs/designs/<key>.png for each built-in design
(with the sample logo, signature and signer of tests/rendering/branded.py where the
design has them) and docs/branded-sample.png, the branded certificate with two signers
and a custom field.

    .venv/bin/python scripts/designs_sample.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.certificates.rendering import render_preview  # noqa: E402
from app.designs.builtin import BUILT_IN  # noqa: E402
from tests.rendering.branded import FIELD_VALUES, brand_images, render_branded  # noqa: E402
from tests.rendering.helpers import decode  # noqa: E402

WIDTH = 800


def main() -> int:
    from PIL import Image

    images = brand_images()
    folder = ROOT / "docs" / "designs"
    folder.mkdir(exist_ok=True)
    for key, design in BUILT_IN.items():
        png = render_preview(
            design.layout, images=images, field_values=FIELD_VALUES, max_width=WIDTH
        )
        (folder / f"{key}.png").write_bytes(png)
    # The certificate itself, as issued (tests/rendering/branded.py), at screen size.
    png, _pdf = render_branded()
    image = decode(png).convert("RGB")
    image = image.resize((1000, round(image.height * 1000 / image.width)), Image.Resampling.LANCZOS)
    image.save(ROOT / "docs" / "branded-sample.png", optimize=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
