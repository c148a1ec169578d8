"""Render time per certificate, against raw Pillow doing the same drawing and encoding,
and what each PNG compression setting costs.

    .venv/bin/python bench/render.py [--runs 7]

Two templates: the built-in one (1754x1240) and an uploaded 3508x2480 one (the
rendering tests' gradient template, normalised as an upload is). For each:

- Laurel: `render_png_pdf` (what issuing calls: layout, shaping, PNG and PDF) and
  `render_png` alone, a new holder name each run so that no cache hands back a line;
- raw Pillow: the same drawing (background copy, the same text runs with the same fonts
  at the same places, the QR code made with segno and pasted) and the same PNG
  encoding, with everything decided beforehand: what a hand-written script that knows
  the answer would do. Alternated with `render_png` run by run; the ratio (raw time /
  Laurel time, goal >= 0.95) holds on a busy machine;
- PNG encoding of the painted certificate at each zlib level and strategy: median
  time and size, from which `background.PNG_OPTIONS` is chosen.

Writes bench/results/render.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import zlib
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.certificates.rendering import load_background, render_png, render_png_pdf  # noqa: E402
from app.certificates.rendering import render as laurel  # noqa: E402
from app.certificates.rendering.background import PNG_OPTIONS  # noqa: E402
from app.certificates.rendering.fonts import face_file  # noqa: E402
from tests.rendering.helpers import make_data, png_bytes, template_image  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "render.json"
COMPRESSIONS = {
    "level 1": {"compress_level": 1},
    "level 3": {"compress_level": 3},
    "level 6 (zlib default)": {"compress_level": 6},
    "level 9": {"compress_level": 9},
    "Z_RLE": {"compress_level": 6, "compress_type": zlib.Z_RLE},
    "Z_FILTERED, level 6": {"compress_level": 6, "compress_type": zlib.Z_FILTERED},
}


def _raw_pillow(data, background_png):
    """A function drawing and encoding this certificate with plain Pillow calls."""
    import segno
    from PIL import Image, ImageDraw, ImageFont

    drawing = laurel._drawing(data, None, background_png)
    background = drawing.background.copy()
    fonts = {}
    runs = []
    for text in drawing.texts:
        for left, baseline, line in text.lines:
            for run in line.runs:
                key = (run.face, text.weight, text.size)
                if key not in fonts:
                    fonts[key] = ImageFont.truetype(
                        str(face_file(run.face, text.weight)),
                        text.size,
                        layout_engine=ImageFont.Layout.RAQM,
                    )
                runs.append(((left + run.x, baseline), run, fonts[key], text.color))
    (_modules, (left, top, right, _bottom)), *_ = drawing.codes
    dpi = laurel._dpi(drawing.size)

    def draw() -> bytes:
        canvas = background.copy()
        pen = ImageDraw.Draw(canvas)
        for xy, run, font, color in runs:
            pen.text(xy, run.text, font=font, fill=color, anchor="ls", direction=run.direction,
                     language=run.language)  # fmt: skip
        qr = segno.make_qr(data.verify_url, error="m")
        modules = list(qr.matrix_iter(scale=1, border=laurel.QR_BORDER))
        count = len(modules)
        pixels = bytes(0 if dark else 255 for row in modules for dark in row)
        code = Image.frombytes("L", (count, count), pixels)
        side = (right - left) // count * count
        code = code.resize((side, side), Image.Resampling.NEAREST).convert("RGB")
        canvas.paste(code, (left, top))
        out = io.BytesIO()
        canvas.save(out, "PNG", dpi=(dpi, dpi), **PNG_OPTIONS)
        return out.getvalue()

    return draw


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def _template(name: str, background_png: bytes | None, runs: int) -> dict:
    data = make_data()
    render_png_pdf(data, None, background_png)  # warm-up: fonts, background, caches
    both, png_only, raw = [], [], []
    for index in range(runs):
        varied = replace(data, holder_name=f"{data.holder_name} {index}")
        start = time.perf_counter()
        render_png_pdf(varied, None, background_png)
        both.append(time.perf_counter() - start)
        baseline = _raw_pillow(varied, background_png)
        for first in (index % 2 == 0, index % 2 == 1):  # alternate who goes first
            start = time.perf_counter()
            if first:
                render_png(varied, None, background_png)
                png_only.append(time.perf_counter() - start)
            else:
                baseline()
                raw.append(time.perf_counter() - start)
    ratios = [r / p for r, p in zip(raw, png_only, strict=True)]
    canvas = laurel._paint(laurel._drawing(data, None, background_png))
    compression = {}
    for label, options in COMPRESSIONS.items():
        times = []
        for _ in range(max(3, runs // 2)):
            out = io.BytesIO()
            start = time.perf_counter()
            canvas.save(out, "PNG", **options)
            times.append(time.perf_counter() - start)
        compression[label] = {"ms": _median_ms(times), "bytes": len(out.getvalue())}
    png, pdf = render_png_pdf(data, None, background_png)
    return {
        "template": name,
        "size": list(canvas.size),
        "png_pdf_ms": _median_ms(both),
        "png_ms": _median_ms(png_only),
        "raw_pillow_png_ms": _median_ms(raw),
        "ratio_raw_over_laurel": statistics.median(ratios),
        "png_bytes": len(png),
        "pdf_bytes": len(pdf),
        "compression": compression,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    upload = load_background(png_bytes(template_image((3508, 2480))))
    upload = upload if isinstance(upload, bytes) else upload[0]
    results = [_template("built-in", None, runs), _template("uploaded", upload, runs)]
    for row in results:
        print(
            f"{row['template']} {row['size'][0]}x{row['size'][1]}: PNG+PDF "
            f"{row['png_pdf_ms']:.0f} ms per certificate ({row['png_bytes'] / 1000:.0f} kB + "
            f"{row['pdf_bytes'] / 1000:.0f} kB); PNG {row['png_ms']:.0f} ms, raw Pillow "
            f"{row['raw_pillow_png_ms']:.0f} ms: {row['ratio_raw_over_laurel']:.2f} (goal >= 0.95)"
        )
        for label, figures in row["compression"].items():
            chosen = " (chosen)" if COMPRESSIONS[label] == PNG_OPTIONS else ""
            size = figures["bytes"] / 1000
            print(f"    {label:24} {figures['ms']:6.0f} ms {size:8.0f} kB{chosen}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": runs, "templates": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
