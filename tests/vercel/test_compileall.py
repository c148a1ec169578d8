"""VERCEL_PYTHON_COMPILEALL: bytecode built by `vercel build`, shipped in the bundle.

@vercel/python reads the variable from the build's own environment
(`isCompileAllFlagEnabled` in its dist/index.js): `1` or `true` turns it on,
and it stays off in `vercel dev`, with a custom install command and with a
pre-deploy command. A project sets it as an environment variable available at
build time (docs/vercel.md, *Cold starts*); `build.env` in vercel.json does
not reach `vercel build`. Without it every cold start compiles every module
it imports (the bundle ships no `__pycache__` and is read-only).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vercel import support
from tests.vercel.build import Build, prepare_project, vercel_build
from tests.vercel.launcher import PlatformClient, built_function

pytestmark = pytest.mark.slow

APP_ENV = {
    "SECRET_KEY": "compileall-test-secret-key-0123456789",
    "DATABASE_URL": "postgresql://laurel:laurel@127.0.0.1:9/laurel",
    "CRON_SECRET": "compileall-test-cron-secret-0123456789",
    "STORAGE_URL": "s3://laurel-test/certificates",
    "AWS_REGION": "us-east-1",
}


def test_the_builder_reads_the_flag_from_the_build_environment() -> None:
    source = (support.vercel_python_package() / "dist" / "index.js").read_text()
    assert "process.env.VERCEL_PYTHON_COMPILEALL" in source
    assert 'lower === "1" || lower === "true"' in source


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Build:
    root = tmp_path_factory.mktemp("compileall")
    build = vercel_build(
        prepare_project(root / "project"), root / "home", env={"VERCEL_PYTHON_COMPILEALL": "1"}
    )
    assert build.result.returncode == 0, f"vercel build failed:\n{build.log[-8000:]}"
    return build


def _bytecode_for(func: Path, source: Path) -> list[Path]:
    """The .pyc files the bundle holds for `source` (a path inside `func`),
    next to it or under the builder's runtime prefix (_vc_pycache)."""
    name = f"{source.stem}.cpython-312.pyc"
    relative = source.relative_to(func)
    candidates = [source.parent / "__pycache__" / name]
    candidates += (func / "_vc_pycache").glob(f"**/{relative.parent}/__pycache__/{name}")
    candidates += (func / "_vc_pycache").glob(f"**/{relative.parent}/{name}")
    return [c for c in candidates if c.is_file()]


def test_every_module_of_the_app_ships_compiled(compiled: Build) -> None:
    assert "Compiling Python bytecode" in compiled.log, compiled.log[-4000:]
    (func,) = compiled.functions()
    sources = [*sorted((func / "app").rglob("*.py")), func / "api" / "index.py"]
    missing = [str(s.relative_to(func)) for s in sources if not _bytecode_for(func, s)]
    assert not missing, f"no bytecode in the bundle for {missing}"


def test_the_compiled_function_starts(compiled: Build, tmp_path: Path) -> None:
    from tests.vercel.build import bare_python

    (func,) = compiled.functions()
    python = bare_python(tmp_path / "bare")
    with built_function(func, APP_ENV, python=python) as launched:
        assert PlatformClient(launched.url).get("/healthz").status == 200
