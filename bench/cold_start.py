"""Cold start of Laurel's Vercel function, next to a one-file Flask app.

    .venv/bin/python bench/cold_start.py [--runs 7] [--compileall] [--func-dir DIR]

Builds the repository with the pinned `vercel build --standalone` (unless
--func-dir names a built `.func`), then starts the function again and again
the way Vercel does: at /var/task, read-only, through its generated handler
and vercel_runtime.vc_init, on a Python 3.12 with no packages of its own. A
cold start is process start to the first response of GET /healthz. The
baseline is bench/hello_flask.py served from the same bundle (same `_vendor`,
same handler) in place of api/index.py, measured in the same run, alternating
with Laurel, so the ratio holds on a busy or slow machine.

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

from tests.vercel import support  # noqa: E402
from tests.vercel.build import bare_python, prepare_project, vercel_build  # noqa: E402
from tests.vercel.launcher import PlatformClient, built_function  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cold_start.json"
# Production settings; /healthz touches none of the services they name.
LAUREL_ENV = {
    "SECRET_KEY": "cold-start-bench-secret-key-0123456789",
    "DATABASE_URL": "postgresql://laurel:laurel@127.0.0.1:9/laurel",
    "CRON_SECRET": "cold-start-bench-cron-secret-0123456789",
    "STORAGE_URL": "s3://laurel-bench/certificates",
    "AWS_REGION": "us-east-1",
}


def build(workdir: Path, compileall: bool) -> Path:
    project = prepare_project(workdir / "project")
    env = {"VERCEL_PYTHON_COMPILEALL": "1"} if compileall else None
    print(f"vercel build{' (VERCEL_PYTHON_COMPILEALL=1)' if compileall else ''} ...", flush=True)
    result = vercel_build(project, workdir / "home", env=env)
    if result.result.returncode != 0:
        sys.exit(f"vercel build failed:\n{result.log[-4000:]}")
    (func,) = result.functions()
    return func


def hello_function(func: Path, dest: Path) -> Path:
    """The same function folder with bench/hello_flask.py as api/index.py.

    Everything but the app is shared (hard links where possible)."""
    for name in ("_vendor", "_vc_pycache"):
        if (func / name).is_dir():
            shutil.copytree(func / name, dest / name, copy_function=_link_or_copy)
    for name in ("vc__handler__python.py", ".vc-config.json"):
        shutil.copy2(func / name, dest / name)
    (dest / "api").mkdir()
    shutil.copy2(ROOT / "bench" / "hello_flask.py", dest / "api" / "index.py")
    return dest


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def cold_start(func: Path, python: Path) -> float:
    """Seconds from process start to the first /healthz response."""
    with built_function(func, LAUREL_ENV, python=python) as launched:
        response = PlatformClient(launched.url).get("/healthz")
        answered = time.monotonic()
        if response.status != 200:
            raise SystemExit(f"/healthz answered {response.status}: {response.text[:500]}")
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

    try:
        scratch = Path(tempfile.mkdtemp(prefix="laurel-cold-start-"))
        python = bare_python(scratch / "bare-venv")
        variants: dict[str, Path] = {}
        variants["laurel"] = (
            args.func_dir.resolve() if args.func_dir else build(scratch / "build", compileall=False)
        )
        variants["hello"] = hello_function(variants["laurel"], scratch / "hello.func")
        if args.compileall:
            compiled = build(scratch / "build-compileall", compileall=True)
            variants["laurel+compileall"] = compiled
            variants["hello+compileall"] = hello_function(compiled, scratch / "hello-c.func")
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for func in variants.values():  # one unmeasured start each: warm the page cache
            cold_start(func, python)
        for run in range(args.runs):
            for name, func in variants.items():
                samples[name].append(cold_start(func, python))
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

    results = {name: summary(values) for name, values in samples.items()}
    results["ratio"] = round(results["laurel"]["median_ms"] / results["hello"]["median_ms"], 2)
    if args.compileall:
        results["ratio_compileall"] = round(
            results["laurel+compileall"]["median_ms"] / results["hello+compileall"]["median_ms"], 2
        )
        results["compileall_speedup"] = round(
            results["laurel"]["median_ms"] / results["laurel+compileall"]["median_ms"], 2
        )
    results["versions"] = support.tool_versions()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    print("\ncold start, process start to first /healthz response (median, min-max):")
    for name in variants:
        r = results[name]
        print(f"  {name:<20} {r['median_ms']:8.0f} ms  ({r['min_ms']:.0f}-{r['max_ms']:.0f})")
    print(f"  ratio laurel / hello: {results['ratio']}")
    if args.compileall:
        print(
            f"  ratio with compileall: {results['ratio_compileall']}, "
            f"compileall speed-up for laurel: {results['compileall_speedup']}x"
        )
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
