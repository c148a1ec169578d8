"""Server time of the designer's preview: the built-in template at preview size.

    .venv/bin/python bench/preview.py [--runs 20]

Each run renders `render_preview` (what POST /events/<id>/design/preview answers)
with the built-in layout, its name field moved a little each time as a drag would,
after one warm-up (fonts loaded, template drawn); then the same for a branded design
(the built-in "Branded" layout with a logo, two signatures, their signers and a
custom field: tests/rendering/branded.py). Prints the medians and the worst in ms against
the editor's goal of 300 ms, next to the same machine's time to encode a blank PNG of
that size (the floor any preview pays), measured alternately, and their ratios.
Writes bench/results/preview.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.certificates.rendering import DEFAULT_LAYOUT, render_preview  # noqa: E402

GOAL_MS = 300


def moved(step: int, layout=DEFAULT_LAYOUT, index: int = 2):
    fields = list(layout.fields)
    fields[index] = replace(fields[index], y=fields[index].y + 0.001 * (step % 50))
    return replace(layout, fields=tuple(fields))


def blank_png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (251, 247, 236)).save(out, "PNG")
    return out.getvalue()


def main() -> int:
    runs = argparse.ArgumentParser()
    runs.add_argument("--runs", type=int, default=20)
    count = runs.parse_args().runs
    from PIL import Image

    from tests.rendering.branded import FIELD_VALUES, branded_certificate

    _data, branded, images = branded_certificate()

    def branded_preview(step: int) -> bytes:
        return render_preview(moved(step, branded, 3), images=images, field_values=FIELD_VALUES)

    size = Image.open(io.BytesIO(render_preview(moved(0)))).size  # warm-up
    branded_preview(0)
    preview, brand, floor = [], [], []
    for step in range(1, count + 1):
        start = time.perf_counter()
        render_preview(moved(step))
        preview.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        branded_preview(step)
        brand.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        blank_png(size)
        floor.append((time.perf_counter() - start) * 1000)
    blank = statistics.median(floor)
    result = {
        "size": size,
        "median_ms": round(statistics.median(preview), 1),
        "worst_ms": round(max(preview), 1),
        "branded_median_ms": round(statistics.median(brand), 1),
        "branded_worst_ms": round(max(brand), 1),
        "blank_png_median_ms": round(blank, 1),
        "ratio_to_blank_png": round(statistics.median(preview) / blank, 2),
        "branded_ratio_to_blank_png": round(statistics.median(brand) / blank, 2),
        "goal_ms": GOAL_MS,
    }
    print(json.dumps(result))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "preview.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if max(result["median_ms"], result["branded_median_ms"]) <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
