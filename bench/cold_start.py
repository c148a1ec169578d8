"""Cold start of Laurel's Vercel function, next to the bare stack.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/cold_start.py [--runs 7] [--compileall] [--func-dir DIR]

Builds the repository with the pinned `vercel build --standalone` (unless
--func-dir names a built `.func`), then starts the function again and again
the way Vercel does: at /var/task, read-only, through its generated handler
and vercel_runtime.vc_init, on a Python 3.12 with no packages of its own. A
cold start is process start to the first response of a page that reads the
database: GET /verify/<code> of a certificate in a freshly migrated
PostgreSQL database (made on TEST_DATABASE_URL's server, dropped after). The
baseline is bench/bare_app.py (flask + flask_sqlalchemy + one query and a
small template) served from the same bundle (same `_vendor`, same handler) in
place of api/index.py, measured in the same run, alternating with Laurel, so
the ratio holds on a busy or slow machine.

--compileall also builds with VERCEL_PYTHON_COMPILEALL=1 (bytecode compiled at
build time and shipped in the bundle) and measures that variant too.

Prints both and the ratio; writes bench/results/cold_start.json. Needs the
tools of .ci/setup/20-vercel.sh, and root or user namespaces (for /var/task).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import PRODUCTION_SETTINGS, database_with_a_certificate  # noqa: E402
from tests.vercel import support  # noqa: E402
from tests.vercel.build import bare_python, prepare_project, vercel_build  # noqa: E402
from tests.vercel.launcher import PlatformClient, built_function  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cold_start.json"


def build(workdir: Path, compileall: bool) -> Path:
    project = prepare_project(workdir / "project")
    env = {"VERCEL_PYTHON_COMPILEALL": "1"} if compileall else None
    print(f"vercel build{' (VERCEL_PYTHON_COMPILEALL=1)' if compileall else ''} ...", flush=True)
    result = vercel_build(project, workdir / "home", env=env)
    if result.result.returncode != 0:
        sys.exit(f"vercel build failed:\n{result.log[-4000:]}")
    (func,) = result.functions()
    return func


def bare_function(func: Path, dest: Path) -> Path:
    """The same function folder with bench/bare_app.py as api/index.py.

    Everything but the app is shared (hard links where possible)."""
    for name in ("_vendor", "_vc_pycache"):
        if (func / name).is_dir():
            shutil.copytree(func / name, dest / name, copy_function=_link_or_copy)
    for name in ("vc__handler__python.py", ".vc-config.json"):
        shutil.copy2(func / name, dest / name)
    (dest / "api").mkdir()
    shutil.copy2(ROOT / "bench" / "bare_app.py", dest / "api" / "index.py")
    return dest


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def cold_start(func: Path, python: Path, env: dict[str, str], path: str) -> float:
    """Seconds from process start to the first response of `path`."""
    with built_function(func, env, python=python) as launched:
        response = PlatformClient(launched.url).get(path)
        answered = time.monotonic()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {response.text[:500]}")
        return answered - launched.started_at


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 1),
        "min_ms": round(min(samples) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
        "runs": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="measured starts of each (default 7)")
    parser.add_argument("--func-dir", type=Path, help="a built .func folder to measure")
    parser.add_argument(
        "--compileall",
        action="store_true",
        help="also measure a build with VERCEL_PYTHON_COMPILEALL=1",
    )
    args = parser.parse_args()
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        sys.exit("set TEST_DATABASE_URL to a PostgreSQL server (a database is made and dropped)")

    with database_with_a_certificate(server_url) as (database_url, code):
        env = {**PRODUCTION_SETTINGS, "DATABASE_URL": database_url}
        samples = measure(args, env, f"/verify/{code}")
    report(args, samples)


def measure(args: argparse.Namespace, env: dict[str, str], path: str) -> dict[str, list[float]]:
    try:
        scratch = Path(tempfile.mkdtemp(prefix="laurel-cold-start-"))
        python = bare_python(scratch / "bare-venv")
        variants: dict[str, Path] = {}
        variants["laurel"] = (
            args.func_dir.resolve() if args.func_dir else build(scratch / "build", compileall=False)
        )
        variants["bare"] = bare_function(variants["laurel"], scratch / "bare.func")
        if args.compileall:
            compiled = build(scratch / "build-compileall", compileall=True)
            variants["laurel+compileall"] = compiled
            variants["bare+compileall"] = bare_function(compiled, scratch / "bare-c.func")
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for func in variants.values():  # one unmeasured start each: warm the page cache
            cold_start(func, python, env, path)
        for run in range(args.runs):
            for name, func in variants.items():
                samples[name].append(cold_start(func, python, env, path))
            print(
                f"run {run + 1}/{args.runs}: "
                + ", ".join(f"{name} {samples[name][-1] * 1000:.0f} ms" for name in variants),
                flush=True,
            )
    except BaseException as exc:  # pytest's skip/fail from the tool checks included
        if type(exc).__name__ in ("Skipped", "Failed"):
            sys.exit(f"cannot run: {exc}")
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return samples


def paired_ratio(samples: dict[str, list[float]], top: str, bottom: str) -> float:
    """The median of run-by-run ratios: each pair started one after the other,
    so a machine that slows down during the bench moves both."""
    pairs = zip(samples[top], samples[bottom], strict=True)
    return round(statistics.median(a / b for a, b in pairs), 2)


def report(args: argparse.Namespace, samples: dict[str, list[float]]) -> None:
    results: dict[str, object] = {name: summary(values) for name, values in samples.items()}
    results["ratio"] = paired_ratio(samples, "laurel", "bare")
    if args.compileall:
        results["ratio_compileall"] = paired_ratio(samples, "laurel+compileall", "bare+compileall")
        results["compileall_speedup"] = paired_ratio(samples, "laurel", "laurel+compileall")
    results["versions"] = support.tool_versions()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    print("\ncold start, process start to the first /verify/<code> page (median, min-max):")
    for name in samples:
        r = results[name]
        print(f"  {name:<20} {r['median_ms']:8.0f} ms  ({r['min_ms']:.0f}-{r['max_ms']:.0f})")
    print(f"  ratio laurel / bare (median of paired runs): {results['ratio']} (goal <= 1.05)")
    if args.compileall:
        print(
            f"  ratio with compileall: {results['ratio_compileall']} (goal <= 1.05), "
            f"compileall speed-up for laurel: {results['compileall_speedup']}x"
        )
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
