"""`vercel build` on a clean copy of the repository, offline from Vercel.

The copy holds what a deploy would upload (git's tracked and untracked,
non-ignored files) plus a hand-written `.vercel/project.json` with placeholder
ids, so the CLI needs no login and no project on Vercel. It does reach PyPI:
the build installs requirements.txt, as Vercel's own build does.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.vercel import support


@dataclass
class Build:
    project: Path
    result: subprocess.CompletedProcess[str]

    @property
    def output(self) -> Path:
        return self.project / ".vercel" / "output"

    @property
    def log(self) -> str:
        return self.result.stdout + self.result.stderr

    def config(self) -> dict:
        return json.loads((self.output / "config.json").read_text())

    def builds(self) -> dict:
        return json.loads((self.output / "builds.json").read_text())

    def functions(self) -> list[Path]:
        return sorted((self.output / "functions").glob("**/*.func"))


def vercel_build(
    project: Path,
    home: Path,
    *,
    standalone: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> Build:
    """Run the pinned CLI's `vercel build` in `project` (which it modifies:
    the Python builder writes pyproject.toml and uv.lock next to the code)."""
    args = [support.vercel_cli(), "build", "--yes", "--global-config", home / "vercel-global"]
    if standalone:
        args.append("--standalone")  # copy files into the .func, as a deploy uploads them
    result = support.run(args, cwd=project, env=support.cli_env(home, env), timeout=timeout)
    return Build(project=project, result=result)


def prepare_project(dest: Path, settings: dict | None = None) -> Path:
    """A clean copy of the repository, linked to a placeholder project."""
    support.copy_repository(dest)
    support.write_project_link(dest, settings)
    return dest


def bare_python(dest: Path) -> Path:
    """A Python 3.12 virtual environment with no packages at all (not even pip)."""
    base = support.run(
        [support.vc_python(), "-c", "import sys; print(sys._base_executable)"]
    ).stdout.strip()
    created = support.run([base, "-m", "venv", "--without-pip", dest])
    assert created.returncode == 0, created.stderr
    python = dest / "bin" / "python"
    names = "import importlib.metadata as m; print([d.name for d in m.distributions()])"
    listing = support.run([python, "-c", names])
    assert listing.stdout.strip() == "[]", f"not bare: {listing.stdout}"
    return python
