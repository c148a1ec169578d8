"""`vercel dev --local` serves the app, offline and without a Vercel login.

A copy of the repository (no `.vercel/project.json`, no token, an empty HOME)
runs `vercel dev --local` with the project's virtual environment active,
inside a network namespace of its own with nothing but loopback. The dev
server wants `vercel-runtime` in `.vercel/python` and fetches it from PyPI on
first use; the copy gets it from the vercel-runtime venv beforehand, which is
what makes the offline start work (see docs/vercel.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.vercel import report, support
from tests.vercel.support import REPO

PROBE = REPO / "tests" / "vercel" / "dev_probe.py"


@cache
def offline_prefix() -> tuple[str, ...] | None:
    """argv prefix for a new network namespace holding only a loopback device."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        return None
    script = f'{ip} link set lo up && exec "$@"'
    for flags in (("--net",), ("--user", "--map-root-user", "--net")):
        prefix = (unshare, *flags, "--", "sh", "-c", script, "offline")
        if support.run([*prefix, "true"]).returncode == 0:
            return prefix
    return None


def seed_vercel_runtime(project: Path) -> None:
    """Put the pinned vercel-runtime where `vercel dev` looks before fetching it."""
    version = support.builder_string("VERCEL_RUNTIME_VERSION")
    site = support.run(
        [support.vc_python(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    target = project / ".vercel" / "python"
    target.mkdir(parents=True)
    for name in ("vercel_runtime", f"vercel_runtime-{version}.dist-info"):
        shutil.copytree(Path(site) / name, target / name)


@pytest.fixture(scope="module")
def dev_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cli = support.vercel_cli()
    root = tmp_path_factory.mktemp("vercel-dev")
    project = support.copy_repository(root / "project")
    assert not (project / ".vercel" / "project.json").exists()
    seed_vercel_runtime(project)
    prefix = offline_prefix()
    if prefix is None:
        support.unavailable("cannot make a network namespace here (needs unshare and ip)")
    venv_bin = Path(sys.executable).parent
    env = support.cli_env(
        root / "home",
        {"VIRTUAL_ENV": sys.prefix, "PATH": f"{venv_bin}:{support.cli_env(root / 'h')['PATH']}"},
    )
    (root / "global").mkdir()
    result = support.run(
        [*prefix, sys.executable, PROBE, cli, project, root / "global"],
        env=env,
        timeout=240,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("DEV-REPORT ")]
    assert lines, f"the dev probe failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    found = json.loads(lines[-1].removeprefix("DEV-REPORT "))
    report.record("vercel dev --local ready (offline)", f"{found['ready_seconds']:.1f} s")
    return found


def test_healthz(dev_report: dict) -> None:
    response = dev_report["responses"]["/healthz"]
    assert response.get("status") == 200, (response, dev_report["log"][-4000:])
    assert json.loads(response["text"]) == {"status": "ok"}


def test_home_page(dev_report: dict) -> None:
    response = dev_report["responses"]["/"]
    assert response.get("status") == 200, (response, dev_report["log"][-4000:])
    assert response["content_type"].startswith("text/html")
    assert "Laurel" in response["text"]


def test_static_file_comes_from_public_not_flask(dev_report: dict) -> None:
    response = dev_report["responses"]["/static/css/laurel.css"]
    assert response.get("status") == 200, (response, dev_report["log"][-4000:])
    assert response["content_type"].startswith("text/css")
    expected = hashlib.sha256((REPO / "static" / "css" / "laurel.css").read_bytes()).hexdigest()
    assert response["sha256"] == expected
    # Flask logs every request it serves; this one was answered from public/,
    # as Vercel's CDN answers it.
    assert '"GET /healthz' in dev_report["log"], dev_report["log"][-4000:]
    assert '"GET /static/css/laurel.css' not in dev_report["log"]


def test_nothing_needed_the_network(dev_report: dict) -> None:
    log = dev_report["log"]
    for symptom in ("EAI_AGAIN", "ENOTFOUND", "ENETUNREACH", "failed with code"):
        assert symptom not in log, log[-4000:]
