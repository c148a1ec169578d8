"""The Vercel tools the tests run, and the ways they run them.

Tools come from `.ci/tools` (installed by `.ci/setup/20-vercel.sh`); the
environment variables LAUREL_VERCEL_CLI and LAUREL_VC_PYTHON point elsewhere.
Outside CI a missing tool skips the test that needs it, saying how to get it;
with CI=true it fails the test instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".ci" / "tools"
SETUP = "bash .ci/setup/20-vercel.sh"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"

# Ids that `vercel build` accepts offline; nothing is ever sent to Vercel.
PLACEHOLDER_PROJECT = {"projectId": "prj_placeholder", "orgId": "team_placeholder", "settings": {}}


def unavailable(message: str) -> None:
    """Skip locally, fail in CI: CI must run every test."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


# --- the tools ---------------------------------------------------------------------


def vercel_cli() -> Path:
    path = Path(
        os.environ.get("LAUREL_VERCEL_CLI")
        or TOOLS / "vercel-cli" / "node_modules" / ".bin" / "vercel"
    )
    if not path.exists() or not shutil.which("node"):
        unavailable(f"the Vercel CLI (and node) are not installed; run `{SETUP}`")
    return path


def node_modules() -> Path:
    """The node_modules folder the CLI was installed into."""
    return vercel_cli().resolve().parents[2]


def vc_python() -> Path:
    """A Python 3.12 with `vercel-runtime` (and `uv`, which `vercel build` uses)."""
    path = Path(os.environ.get("LAUREL_VC_PYTHON") or TOOLS / "vc-venv" / "bin" / "python")
    if not path.exists():
        unavailable(f"the vercel-runtime venv is not installed; run `{SETUP}`")
    return path


def vercel_python_package() -> Path:
    """The installed @vercel/python: what `vercel build` really runs."""
    package = node_modules() / "@vercel" / "python"
    if not (package / "dist" / "index.js").exists():
        unavailable(f"@vercel/python is missing next to the CLI; run `{SETUP}`")
    return package


@cache
def _builder_source() -> str:
    return (vercel_python_package() / "dist" / "index.js").read_text()


def builder_string(name: str) -> str:
    """A `var NAME = "..."` constant of @vercel/python (VERCEL_RUNTIME_VERSION, ...)."""
    match = re.search(rf'^var {name} = "([^"]*)";$', _builder_source(), re.MULTILINE)
    if not match:
        pytest.fail(f"@vercel/python no longer defines {name}; update tests/vercel")
    return match.group(1)


def builder_string_list(name: str) -> list[str]:
    """A `var NAME = ["a", "b"];` constant of @vercel/python."""
    match = re.search(rf"^var {name} = (\[[^\]]*\]);$", _builder_source(), re.MULTILINE)
    if not match:
        pytest.fail(f"@vercel/python no longer defines {name}; update tests/vercel")
    return json.loads(match.group(1))


def tool_versions() -> dict[str, str]:
    cli = node_modules()
    versions = {
        "vercel": json.loads((cli / "vercel" / "package.json").read_text())["version"],
        "@vercel/python": json.loads((cli / "@vercel" / "python" / "package.json").read_text())[
            "version"
        ],
        "VERCEL_RUNTIME_VERSION": builder_string("VERCEL_RUNTIME_VERSION"),
    }
    result = run(
        [vc_python(), "-c", "import importlib.metadata as m; print(m.version('vercel-runtime'))"]
    )
    versions["vercel-runtime (installed)"] = result.stdout.strip()
    return versions


def deps_site_packages() -> str:
    """Where the project's dependencies are installed for this test run."""
    return sysconfig.get_paths()["purelib"]


# --- processes ---------------------------------------------------------------------


def run(
    args: Sequence[str | Path], *, timeout: float = 120, **options: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload]
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **options,
    )


@cache
def base_python_bin() -> Path:
    """The folder of the real Python 3.12 behind the vercel-runtime venv: uv
    (and so `vercel build`) only counts interpreters outside virtual envs."""
    found = run([vc_python(), "-c", "import sys; print(sys._base_executable)"]).stdout.strip()
    return Path(found).resolve().parent


# Settings of the outer shell that must not reach the Vercel CLI or the app.
_NOT_INHERITED = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "FLASK_APP")


def cli_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the Vercel CLI runs in: the machine's own (its CA
    bundle and package index settings), minus anything Vercel- or
    project-specific, with no login, no telemetry, no update check, and the
    vercel-runtime venv (uv) and a real Python 3.12 first on PATH."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _NOT_INHERITED and not name.startswith(("VERCEL", "NOW_", "LAUREL_"))
    }
    node = shutil.which("node")
    env.update(
        {
            "HOME": str(home),
            "PATH": os.pathsep.join(
                [
                    str(vc_python().parent),
                    str(base_python_bin()),
                    *([str(Path(node).parent)] if node else []),
                    os.environ.get("PATH", SYSTEM_PATH),
                ]
            ),
            "VERCEL_TELEMETRY_DISABLED": "1",
            "NO_UPDATE_NOTIFIER": "1",
            "CI": "1",
        }
    )
    env.update(extra or {})
    return env


# --- a clean copy of the repository ---------------------------------------------


def repository_files(root: Path = REPO) -> list[str]:
    """What a deploy sees: tracked files plus untracked files git does not ignore."""
    listing = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root)
    if listing.returncode != 0:
        pytest.fail(f"git ls-files failed in {root}: {listing.stderr}")
    names = sorted({name for name in listing.stdout.split("\0") if name})
    return [name for name in names if (root / name).is_symlink() or (root / name).is_file()]


def copy_repository(dest: Path, root: Path = REPO) -> Path:
    """Copy the repository as git would hand it to Vercel (symlinks kept)."""
    for name in repository_files(root):
        source, target = root / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return dest


def write_project_link(project: Path, settings: Mapping[str, object] | None = None) -> None:
    """The `.vercel/project.json` that `vercel link` would write, with placeholder ids."""
    link = dict(PLACEHOLDER_PROJECT)
    if settings is not None:
        link["settings"] = dict(settings)
    (project / ".vercel").mkdir(exist_ok=True)
    (project / ".vercel" / "project.json").write_text(json.dumps(link))


# --- read-only directories --------------------------------------------------------

LAMBDA_TASK_ROOT = "/var/task"

# Run as `sh -c SCRIPT name DIR argv...` inside a new mount namespace.
_MOUNT_IN_PLACE = 'd="$1"; shift; mount --bind -o ro "$d" "$d" && exec "$@"'
# An empty /var (tmpfs) holding only task/, the directory mounted read-only there.
_MOUNT_AT_VAR_TASK = (
    'd="$1"; shift; mount -t tmpfs -o size=1m tmpfs /var && mkdir /var/task && '
    'mount --bind -o ro "$d" /var/task && cd /var/task && exec "$@"'
)


@cache
def _mount_prefix(script: str) -> tuple[str, ...] | None:
    """An argv prefix running `script` in a private mount namespace (as root)
    or a user and mount namespace (as anyone else); None when neither works."""
    unshare = shutil.which("unshare")
    if not unshare or not shutil.which("mount"):
        return None
    target = LAMBDA_TASK_ROOT if script == _MOUNT_AT_VAR_TASK else "/tmp"
    for flags in (
        ("--mount", "--propagation", "private"),
        ("--user", "--map-root-user", "--mount"),
    ):
        prefix = (unshare, *flags, "--", "sh", "-c", script, "readonly")
        probe = run(
            [*prefix, "/tmp", "sh", "-c", f"! touch {target}/.laurel-ro-probe-$$ 2>/dev/null"]
        )
        if probe.returncode == 0:
            return prefix
    return None


def readonly_command(
    directory: Path, argv: Sequence[str | Path], *, at_var_task: bool = False
) -> list[str]:
    """`argv`, run with `directory` (and everything below it) read-only: in
    place, or, with `at_var_task`, at /var/task as on Vercel (then argv runs
    there, and paths baked in at build time, like PYTHONPYCACHEPREFIX, hold).

    Fails (or skips outside CI) when this machine cannot mount read-only."""
    prefix = _mount_prefix(_MOUNT_AT_VAR_TASK if at_var_task else _MOUNT_IN_PLACE)
    if prefix is None:
        unavailable(
            "cannot mount a directory read-only here (needs `unshare` and `mount`, "
            "as root or with user namespaces)"
        )
    return [*prefix, str(directory), *(str(a) for a in argv)]
