"""buildah and podman for the image tests: build the repository's Dockerfile,
run the image, read what it did.

Every call uses the store and settings of tests/containers/images/ (vfs
storage under $LAUREL_CACHE, runc with cgroupfs and explicit ulimits, chroot
isolation), the ones `.ci/setup/40-images.sh` prepared, together with the
stand-in base images it assembled (see images/base.sh). Outside CI a missing
tool or base image skips, saying how to get it; with CI=true it fails.

Containers run the way the serverless side lives: `--read-only` with a tmpfs
on /tmp and nothing else writable (podman's extra tmpfs mounts on /run and
/var/tmp are turned off), unless a test says otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.containers.conftest import unavailable
from tests.containers.dockerfile import ROOT

IMAGES = ROOT / "tests" / "containers" / "images"
CACHE = Path(os.environ.get("LAUREL_CACHE", "/var/cache/laurel"))
WHEELHOUSE = CACHE / "wheelhouse"
SETUP = "bash .ci/setup/40-images.sh"
PYTHON_BASE = "docker.io/library/python:3.12-slim"
DEBIAN_BASE = "localhost/laurel-standin/debian:bookworm"
# docker-compose.yml's `image:` for the app, so that compose finds it built.
IMAGE = "localhost/laurel:local"
READ_ONLY = ("--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,mode=1777")


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What podman, buildah and podman-compose need to find the test store;
    nothing else of this process's environment (no SECRET_KEY for compose
    to interpolate by accident)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "CONTAINERS_CONF": str(IMAGES / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(CACHE / "storage.conf"),
        "BUILDAH_ISOLATION": "chroot",
        **(extra or {}),
    }


def require() -> None:
    """podman, buildah, runc and the stand-in bases, or skip/fail saying how."""
    for tool in ("podman", "buildah", "runc"):
        if not shutil.which(tool):
            unavailable(f"{tool} is not installed; run `{SETUP}`")
    if not (CACHE / "storage.conf").exists() or not WHEELHOUSE.is_dir():
        unavailable(f"the image store under {CACHE} is not prepared; run `{SETUP}`")
    for base in (PYTHON_BASE, DEBIAN_BASE):
        if podman("image", "exists", base, check=False).returncode != 0:
            unavailable(f"the stand-in base image {base} is missing; run `{SETUP}`")


def podman(
    *args: str, check: bool = True, timeout: float = 120, tool: str = "podman", **options: object
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(  # type: ignore[call-overload]
        [tool, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=options.pop("env", None) or environment(),
        **options,
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"`{tool} {' '.join(args)[:300]}` exited {completed.returncode}:\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
        )
    return completed


def build(
    tag: str, context: Path, *, build_args: Mapping[str, str] | None = None, label: str = ""
) -> float:
    """`buildah bud` in docker format (which keeps HEALTHCHECK), never pulling,
    the wheelhouse mounted for pip; the seconds it took. A failed build fails
    with the builder's own output."""
    started = time.monotonic()
    args = ["bud", "--format", "docker", "--pull=never", "--network", "host"]
    args += ["--isolation", "chroot", "--volume", f"{WHEELHOUSE}:/wheelhouse:ro", "--tag", tag]
    args += [f"--build-arg={key}={value}" for key, value in (build_args or {}).items()]
    if label:
        args += ["--label", label]
    completed = podman(*args, str(context), tool="buildah", check=False, timeout=900)
    if completed.returncode != 0:
        raise AssertionError(
            f"buildah could not build {tag} from {context}:\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-6000:]}"
        )
    # The image this tag named before, so that runs do not pile up in the store.
    podman("image", "prune", "--force", check=False)
    return time.monotonic() - started


def labels(image: str) -> dict[str, str]:
    """The image's labels, empty when there is no such image."""
    found = podman("image", "inspect", image, check=False)
    return (json.loads(found.stdout)[0]["Labels"] or {}) if found.returncode == 0 else {}


def inspect_image(image: str) -> dict:
    return json.loads(podman("image", "inspect", image).stdout)[0]


def _env_args(env: Mapping[str, str]) -> list[str]:
    return [f"--env={key}={value}" for key, value in env.items()]


def run_once(
    image: str,
    command: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    options: Sequence[str] = READ_ONLY,
    stdin: str | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """`podman run --rm` on the host network; the entrypoint stays the image's."""
    args = ["run", "--rm", "--network", "host", *options, *_env_args(env or {})]
    if stdin is not None:
        args.append("--interactive")
    return podman(*args, image, *command, check=False, timeout=timeout, input=stdin)


@dataclass
class Container:
    name: str

    def logs(self) -> str:
        completed = podman("logs", self.name, check=False)
        return completed.stdout + completed.stderr

    def exec(self, *command: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return podman("exec", self.name, *command, check=check)

    def inspect(self) -> dict:
        return json.loads(podman("container", "inspect", self.name).stdout)[0]

    def running(self) -> bool:
        return self.inspect()["State"]["Running"]

    def wait(self, timeout: float = 120) -> int:
        return int(podman("wait", self.name, timeout=timeout).stdout.strip())

    def remove(self) -> None:
        podman("rm", "--force", "--time", "5", self.name, check=False, timeout=60)


@contextmanager
def started(
    image: str,
    env: Mapping[str, str],
    command: Sequence[str] = (),
    *,
    options: Sequence[str] = READ_ONLY,
    name: str | None = None,
) -> Iterator[Container]:
    """A detached container on the host network, removed afterwards."""
    container = Container(name or f"laurel-test-{uuid.uuid4().hex[:8]}")
    args = ["run", "--detach", "--name", container.name, "--network", "host", *options]
    podman(*args, *_env_args(env), image, *command)
    try:
        yield container
    finally:
        container.remove()


def wait_for_http(container: Container, url: str, timeout: float = 90) -> None:
    """Until `url` answers 200; fails with the container's log if it exits or
    never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if not container.running():
            raise AssertionError(
                f"{container.name} exited before {url} answered:\n{container.logs()}"
            )
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s:\n{container.logs()}")
