"""Draw docs/scripts-sample.png: one certificate per supported script, on the built-in
template, with the sample names of tests/rendering/scripts.py.

    .venv/bin/python scripts/scripts_sample.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.certificates.rendering import render_png  # noqa: E402
from tests.rendering.helpers import decode  # noqa: E402
from tests.rendering.scripts import SCRIPTS, certificate_data  # noqa: E402

COLUMNS = 4
THUMB = 440


def main() -> int:
    from PIL import Image

    thumbs = []
    for script in SCRIPTS:
        image = decode(render_png(certificate_data(script))).convert("RGB")
        height = round(image.height * THUMB / image.width)
        thumbs.append(image.resize((THUMB, height), Image.Resampling.LANCZOS))
    gap = 12
    rows = -(-len(thumbs) // COLUMNS)
    sheet = Image.new(
        "RGB",
        (COLUMNS * (THUMB + gap) + gap, rows * (thumbs[0].height + gap) + gap),
        (255, 255, 255),
    )
    for index, thumb in enumerate(thumbs):
        row, column = divmod(index, COLUMNS)
        sheet.paste(thumb, (gap + column * (THUMB + gap), gap + row * (thumb.height + gap)))
    target = ROOT / "docs" / "scripts-sample.png"
    sheet.save(target, optimize=True)
    size = target.stat().st_size
    print(f"{target.relative_to(ROOT)}: {sheet.width}x{sheet.height}, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
