"""Multi-script certificates, and a branded one with a custom field, render to the same
bytes under Vercel's launcher as in this process: from the source tree, and from the
function `vercel build` bundles (its _vendor dependencies, its copy of the fonts and of
the vendored FriBiDi).

The comparison with the container image is the image tests' (see tests/containers).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.certificates.rendering import render_png_pdf
from tests.rendering.branded import render_branded
from tests.rendering.scripts import certificate_data
from tests.vercel import report
from tests.vercel.launcher import Launch, function_config, launch

MAX_FONT_BYTES = 25 * 1024 * 1024  # the fonts' share of the bundle
# "branded": a logo, two signatures, their signers and a custom field (tests/rendering/branded.py)
SCRIPTS = ("latin", "arabic", "hebrew", "devanagari", "thai", "japanese", "korean", "mixed")
SCRIPTS += ("branded",)
PROBE = "tests/vercel/render_probe.py"
# What the probe needs beside the bundle: itself and the samples it renders.
PROBE_FILES = ("tests/__init__.py", "tests/rendering/__init__.py", "tests/rendering/helpers.py")
PROBE_FILES += ("tests/rendering/scripts.py", "tests/rendering/branded.py")
PROBE_FILES += ("tests/vercel/__init__.py", PROBE)


def in_process(script: str) -> dict[str, str]:
    png, pdf = render_branded() if script == "branded" else render_png_pdf(certificate_data(script))
    return {"png": hashlib.sha256(png).hexdigest(), "pdf": hashlib.sha256(pdf).hexdigest()}


def served(launched: Launch, script: str) -> dict:
    with urllib.request.urlopen(f"{launched.url}/{script}", timeout=120) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def source_tree(project_copy) -> Iterator[Launch]:
    with launch(project_copy, {}, entrypoint=PROBE, timeout=120) as running:
        yield running


@pytest.fixture(scope="module")
def built_bundle(built, tmp_path_factory) -> Iterator[Launch]:
    (func,) = built.functions()
    copy = tmp_path_factory.mktemp("render-func") / "index.func"
    shutil.copytree(func, copy, symlinks=True)
    for name in PROBE_FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(__file__).resolve().parents[2] / name, copy / name)
    pythonpath = function_config(copy).get("environment", {}).get("PYTHONPATH", "")
    with launch(
        copy,
        {},
        entrypoint=PROBE,
        pythonpath=[pythonpath] if pythonpath else [],
        at_var_task=True,
        timeout=120,
    ) as running:
        yield running


@pytest.mark.parametrize("script", SCRIPTS)
def test_source_tree_under_vc_init_renders_the_same_bytes(source_tree, script):
    answer = served(source_tree, script)
    assert answer["text_layout"][0], answer["text_layout"]
    assert {k: answer[k] for k in ("png", "pdf")} == in_process(script)


@pytest.mark.parametrize("script", SCRIPTS)
def test_built_function_renders_the_same_bytes(built_bundle, script):
    answer = served(built_bundle, script)
    assert answer["text_layout"][0], answer["text_layout"]
    assert {k: answer[k] for k in ("png", "pdf")} == in_process(script)


def test_bundle_ships_the_fonts_and_fribidi(built):
    """The bundle as a whole is test_build's (Vercel's 250 MB); this records it and
    keeps the fonts' share within budget."""
    (func,) = built.functions()
    for name in (
        "static/fonts/NotoSansCJKsc-Regular.subset.otf",
        "static/fonts/NotoSansArabic-Bold.ttf",
        "static/fonts/OFL.txt",
        "app/certificates/rendering/vendor/fribidi/x86_64/libfribidi.so.0",
    ):
        assert (func / name).is_file(), name
    files = [p for p in func.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    fonts = sum(p.stat().st_size for p in (func / "static" / "fonts").iterdir())
    report.record(
        "function bundle with fonts (unzipped)",
        f"{size / 1024 / 1024:.1f} MB, of which fonts {fonts / 1024 / 1024:.1f} MB",
    )
    assert fonts < MAX_FONT_BYTES
