"""`vercel build` with the pinned CLI, on a clean copy, and what it produced.

One build per session (the `built` fixture, --standalone so the function
folder holds every file a deploy uploads). The checks read the Build Output
API files the way Vercel reads them, then run the built function from its own
folder, read-only, with a Python 3.12 that has no packages of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vercel import report, scenario, support
from tests.vercel.build import Build, prepare_project, vercel_build
from tests.vercel.launcher import Launch, built_function, function_config
from tests.vercel.support import REPO

MAX_BUNDLE_BYTES = 250 * 1024 * 1024  # Vercel's limit, unzipped
# Issue #17's goal (README, Performance): what fills the bundle is listed there.
GOAL_BUNDLE_BYTES = 100 * 1024 * 1024
VERCEL_JSON = json.loads((REPO / "vercel.json").read_text())
# What the builder adds to the bundle besides requirements.txt.
BUILDER_ADDED = {"vercel-runtime", "pip"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt must pin exactly: {line!r}"
            pins[normalise(name.split("[")[0])] = version.strip()
    return pins


def bundle_files(func: Path) -> list[str]:
    return sorted(str(p.relative_to(func)) for p in func.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def function(built: Build) -> Path:
    functions = built.functions()
    assert len(functions) == 1, f"expected one function, got {functions}"
    return functions[0]


def test_flask_preset_and_python_version(built: Build) -> None:
    builders = {b["use"]: b for b in built.builds()["builds"]}
    assert builders["@vercel/python"]["config"]["framework"] == "flask"
    # The Flask preset publishes public/ (and only public/) as static files.
    assert builders["@vercel/static"]["src"] == "public/**/*"
    assert "Using Python 3.12 from .python-version" in built.log, built.log[-3000:]


def test_function_config(function: Path) -> None:
    from app.config import load_config

    config = function_config(function)
    assert config["runtime"] == "python3.12"
    assert config["handler"] == "vc__handler__python.vc_handler"
    max_duration = VERCEL_JSON["functions"]["api/index.py"]["maxDuration"]
    assert config["maxDuration"] == max_duration
    budget = load_config({"VERCEL": "1"}, "/nonexistent")["CHECKER_BUDGET_SECONDS"]
    assert max_duration > budget, "a checker run must end before Vercel kills the function"
    handler = (function / "vc__handler__python.py").read_text()
    assert '"__VC_HANDLER_ENTRYPOINT": "api/index.py"' in handler
    assert '"__VC_HANDLER_VARIABLE_NAME": "app"' in handler


def test_cron(built: Build) -> None:
    crons = built.config()["crons"]
    assert crons == VERCEL_JSON["crons"]
    assert [c["path"] for c in crons] == ["/api/cron/check-events"]
    minute, hour, *rest = crons[0]["schedule"].split()
    assert minute.isdigit() and hour.isdigit() and rest == ["*", "*", "*"], (
        "Hobby plans run crons at most once a day"
    )


def test_bundle_holds_the_app_and_nothing_local(built: Build, function: Path) -> None:
    files = bundle_files(function)
    top = {name.split("/", 1)[0] for name in files}
    for unwanted in (
        "tests",
        "docs",
        "bench",
        "instance",
        ".git",
        ".ci",
        ".venv",
        "public",
        ".env",
        ".env.local",
        "scripts",
        ".github",
    ):
        assert unwanted not in top, f"{unwanted} is in the function bundle"
    assert not [f for f in files if "__pycache__" in f and not f.startswith("_vendor/")]
    for needed in (
        "api/index.py",
        "app/__init__.py",
        "app/templates/base.html",
        "migrations/env.py",
        "static/fonts/NotoSans-Regular.ttf",
    ):
        assert needed in files, f"{needed} is missing from the function bundle"
    for planted in ("SECRET_KEY=planted", "planted-instance-secret", "planted local database"):
        leaks = [
            f
            for f in files
            if not f.startswith("_vendor/") and planted.encode() in (function / f).read_bytes()
        ]
        assert not leaks, f"local files reached the bundle: {leaks}"
    size = sum((function / f).stat().st_size for f in files)
    report.record(
        "function bundle (unzipped)", f"{size / 1024 / 1024:.1f} MB in {len(files)} files"
    )
    assert size < MAX_BUNDLE_BYTES
    assert size < GOAL_BUNDLE_BYTES, "the bundle outgrew 100 MB: see what trim_packages keeps"


def test_the_build_command_leaves_out_what_laurel_never_reads(built: Build, function: Path) -> None:
    """scripts/trim_packages.py, vercel.json's buildCommand, runs between the install and
    the packing: Babel keeps the locales of the event languages (and their parents),
    botocore the models of S3 and the credential providers' services; pip, gunicorn and
    lxml go, and so do C sources, the accelerators with pure-Python twins, the AVIF codec
    and the shared objects' debug data."""
    from scripts.trim_packages import ACCELERATED, BOTOCORE_SERVICES, UNUSED_DISTRIBUTIONS

    assert VERCEL_JSON["buildCommand"] == "python scripts/trim_packages.py"
    assert "the database and every import are unchanged" in built.log, built.log[-3000:]
    assert "shared objects left as installed" not in built.log  # the build image has strip
    vendor = function / "_vendor"
    locales = {p.stem for p in (vendor / "babel/locale-data").glob("*.dat")}
    assert {"root", "en", "en_GB", "ar", "zh_Hant", "ja"} <= locales
    assert len(locales) < 60, sorted(locales)
    models = vendor / "botocore/data"
    services = {p.parent.parent.name for p in models.glob("*/*/service-2.json*")}
    assert services == BOTOCORE_SERVICES, services
    assert (models / "endpoints.json").is_file()
    top = {p.name.split("-")[0].lower() for p in vendor.iterdir()}
    assert not top & UNUSED_DISTRIBUTIONS, top & UNUSED_DISTRIBUTIONS
    # vercel-runtime, which the builder installs after the build command, stays as it comes.
    files = [p for p in vendor.rglob("*") if p.is_file() and "vercel_runtime" not in p.parts]
    assert not [p for p in files if p.suffix in {".c", ".h", ".pyx", ".pxd"}]
    assert not [
        p for p in files if p.suffix == ".so" and p.relative_to(vendor).parts[0] in ACCELERATED
    ]
    assert not list(vendor.glob("PIL/_avif.*")) and not list(vendor.glob("pillow.libs/libavif*"))
    assert list(vendor.glob("PIL/_imaging.*.so")), "Pillow's own extension stays"


def test_bundle_has_every_file_of_the_app(built: Build, function: Path) -> None:
    """@vercel/python leaves every `**/public/**` path out of the bundle (it
    means the CDN folder): a package or template folder named `public` would
    silently go missing, so no file of the app may be absent."""
    source = built.project
    runtime = [
        str(p.relative_to(source))
        for folder in ("app", "migrations", "api", "static")
        for p in (source / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert "app/pages/views.py" in runtime
    missing = [name for name in runtime if not (function / name).is_file()]
    assert not missing, f"not in the function bundle: {missing}"
    changed = [n for n in runtime if (function / n).read_bytes() != (source / n).read_bytes()]
    assert not changed, changed


def third_party_imports() -> set[str]:
    """Top-level modules imported anywhere in app/ and api/, lazily or not."""
    from scripts.trim_check import third_party_imports as imported

    return {name.split(".")[0] for name in imported()}


def test_every_third_party_import_resolves_in_the_bundle(
    function: Path, bare_venv_python: Path
) -> None:
    """Also the lazy ones (boto3, PIL, segno, ...), which no request above reaches."""
    modules = sorted(third_party_imports())
    check = (
        "import importlib.util, json, sys; "
        "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]))"
    )
    result = support.run(
        [
            bare_venv_python,
            "-I",
            "-c",
            f"import sys; sys.path[:0] = ['_vendor']; {check}",
            *modules,
        ],
        cwd=function,
    )
    assert result.returncode == 0, result.stderr
    missing = json.loads(result.stdout)
    assert not missing, f"imported by the app but not in the bundle: {missing}"
    assert {"flask", "sqlalchemy", "boto3", "PIL"} <= set(modules)


def test_static_output_is_exactly_the_static_folder(built: Build) -> None:
    published = {
        str(p.relative_to(built.output / "static")): p
        for p in (built.output / "static").rglob("*")
        if p.is_file()
    }
    expected = {
        f"static/{p.relative_to(built.project / 'static')}": p
        for p in (built.project / "static").rglob("*")
        if p.is_file()
    }
    assert sorted(published) == sorted(expected)
    for name, path in published.items():
        assert path.read_bytes() == expected[name].read_bytes(), name
    assert not [
        n
        for n in published
        if n.endswith((".py", ".txt", ".toml", ".json", ".cfg")) and not n.endswith("OFL.txt")
    ]


def test_routes_send_everything_else_to_the_function(built: Build, function: Path) -> None:
    routes = built.config()["routes"]
    name = function.relative_to(built.output / "functions").as_posix().removesuffix(".func")
    assert {"src": "/(.*)", "dest": f"/{name}"}.items() <= routes[-1].items(), routes


# --- the built function, run ------------------------------------------------------


@pytest.fixture(scope="module")
def launched_build(function: Path, bare_venv_python: Path, platform_database) -> Iterator[Launch]:
    database_url, _ = platform_database
    with built_function(function, scenario.app_env(database_url), python=bare_venv_python) as run:
        report.record(
            "built function start (process start to server-started)",
            f"{run.startup_seconds * 1000:.0f} ms",
        )
        yield run


def test_built_function_pages_and_static(launched_build: Launch) -> None:
    scenario.check_basics(launched_build.url)


def test_built_function_sign_in_and_event(launched_build: Launch, platform_database) -> None:
    scenario.check_sign_in_and_event(launched_build.url, platform_database[1])


def test_built_function_cron(launched_build: Launch) -> None:
    scenario.check_cron(launched_build.url)


# --- the CLI's own validation of vercel.json --------------------------------------


def _build_with(tmp_path: Path, change) -> Build:
    project = prepare_project(tmp_path / "project")
    config = json.loads((project / "vercel.json").read_text())
    change(config)
    (project / "vercel.json").write_text(json.dumps(config))
    return vercel_build(project, tmp_path / "home", timeout=300)


def test_an_invalid_key_fails_the_build(tmp_path: Path) -> None:
    def typo(config: dict) -> None:
        config["functions"]["api/index.py"]["maxDurationn"] = 60

    failed = _build_with(tmp_path, typo)
    assert failed.result.returncode != 0
    assert "INVALID_VERCEL_CONFIG" in failed.log and "maxDurationn" in failed.log, failed.log


def test_an_invalid_cron_fails_the_build(tmp_path: Path) -> None:
    def bad_cron(config: dict) -> None:
        config["crons"] = [{"path": "api/cron/check-events", "schedule": "0 6 * * *"}]

    failed = _build_with(tmp_path, bad_cron)
    assert failed.result.returncode != 0
    assert "INVALID_VERCEL_CONFIG" in failed.log, failed.log


def test_top_level_keys_are_known_to_the_cli() -> None:
    """The CLI lets unknown top-level keys through (Vercel's API decides), so
    check them against the keys the CLI itself reads: its schema's properties
    and the project settings it takes from vercel.json."""
    chunks = support.vercel_cli().resolve().parents[1] / "dist" / "chunks"
    schema_keys: set[str] = set()
    settings_keys: set[str] = set()
    for chunk in chunks.glob("*.js"):
        text = chunk.read_text(errors="replace")
        marker = (
            'buildVercelConfigSchema(){return{type:"object",additionalProperties:!0,properties:{'
        )
        if marker in text and not schema_keys:
            schema_keys = _object_keys(text, text.index(marker) + len(marker))
        found = re.search(r'for\(let prop of(\["buildCommand"[^\]]*\])\)', text)
        if found:
            settings_keys = set(json.loads(found.group(1)))
    if not schema_keys or not settings_keys:
        pytest.fail("the Vercel CLI's config schema moved; update this test")
    unknown = set(VERCEL_JSON) - schema_keys - settings_keys - {"$schema"}
    assert not unknown, f"keys the Vercel CLI does not know: {sorted(unknown)}"
    assert {"functions", "crons"} <= schema_keys and "framework" in settings_keys


def _object_keys(text: str, start: int) -> set[str]:
    """Top-level keys of a minified JS object literal starting at `start`."""
    keys, depth, token = set(), 0, ""
    for char in text[start:]:
        if depth == 0 and char == ":":
            keys.add(token.strip(", \n"))
        if char in "{([":
            depth += 1
        elif char in "})]":
            if depth == 0:
                break
            depth -= 1
        token = "" if char in ",{}()[]:" else token + char
    return {key for key in keys if re.fullmatch(r"[A-Za-z$_][\w$]*", key)}
