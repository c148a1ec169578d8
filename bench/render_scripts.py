"""Render time per script and what the fonts cost on disk.

    .venv/bin/python bench/render_scripts.py [--runs 5]

Renders the certificate of each sample of tests/rendering/scripts.py (built-in
template, PNG and PDF from one drawing) `--runs` times after one warm-up, and prints
the median per script next to the Latin sample measured in the same run (the ratio
holds on a busy machine), the PNG and PDF sizes, and the size of static/fonts and of
the vendored FriBiDi. Writes bench/results/render_scripts.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.certificates.rendering import render_png_pdf  # noqa: E402
from app.certificates.rendering.fonts import FONT_DIR  # noqa: E402
from app.certificates.rendering.textstack import vendored_path  # noqa: E402
from tests.rendering.scripts import SCRIPTS, certificate_data  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    results = {}
    for script, sample in SCRIPTS.items():
        data = certificate_data(script)
        png, pdf = render_png_pdf(data)  # warm-up: fonts loaded, shaping cached per size
        times = []
        for index in range(runs):
            # a new code each run, so that no cache hands back a whole line
            varied = replace(data, holder_name=f"{sample.name} {index}")
            start = time.perf_counter()
            render_png_pdf(varied)
            times.append(time.perf_counter() - start)
        results[script] = {
            "median_s": statistics.median(times),
            "png_bytes": len(png),
            "pdf_bytes": len(pdf),
        }
    latin = results["latin"]["median_s"]
    print(f"{'script':22} {'median ms':>10} {'vs latin':>9} {'PNG kB':>8} {'PDF kB':>8}")
    for script, row in results.items():
        row["ratio_to_latin"] = row["median_s"] / latin
        print(
            f"{script:22} {row['median_s'] * 1000:10.0f} {row['ratio_to_latin']:9.2f} "
            f"{row['png_bytes'] / 1000:8.0f} {row['pdf_bytes'] / 1000:8.0f}"
        )
    fonts = {path.name: path.stat().st_size for path in sorted(FONT_DIR.iterdir())}
    fribidi = vendored_path().stat().st_size
    print(f"static/fonts: {sum(fonts.values()) / 1e6:.1f} MB in {len(fonts)} files")
    print(f"vendored FriBiDi: {fribidi / 1000:.0f} kB")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    report = {"runs": runs, "scripts": results, "fonts_bytes": fonts, "fribidi_bytes": fribidi}
    (out / "render_scripts.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
