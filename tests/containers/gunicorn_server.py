"""Run the Docker image's own command here, without Docker.

The command and environment are read from the Dockerfile (ENTRYPOINT + CMD,
final-stage ENV), with the image's paths mapped onto this checkout: /app is
the repository root and /opt/venv/bin is the virtual environment running the
tests. So `/bin/sh /app/scripts/prestart.sh gunicorn --config gunicorn.conf.py`
runs exactly as a platform would start it, against whatever database and
storage the caller puts in `env`.

    with gunicorn_server({"DATABASE_URL": url, "SECRET_KEY": key, ...}) as base_url:
        urllib.request.urlopen(base_url + "/healthz")

`start_gunicorn` returns the running server for tests that signal it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.containers import dockerfile

ROOT = dockerfile.ROOT
VENV_BIN = Path(sys.executable).parent
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
IMAGE_VENV_BIN = "/opt/venv/bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _to_checkout(value: str, workdir: str) -> str:
    """An image path (/app/..., /opt/venv/bin) as the same path in this checkout."""
    prefix = workdir.rstrip("/") + "/"
    if value.startswith(prefix):
        return str(ROOT / value[len(prefix) :])
    return value.replace(IMAGE_VENV_BIN, str(VENV_BIN))


def image_command(stage: dockerfile.Stage | None = None) -> list[str]:
    """ENTRYPOINT + CMD of the final stage, with image paths mapped here."""
    stage = stage or dockerfile.parse(base_env={"PATH": SYSTEM_PATH}).final
    if not stage.command:
        raise AssertionError("the Dockerfile has neither ENTRYPOINT nor CMD")
    return [_to_checkout(part, stage.workdir) for part in stage.command]


def image_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The image's ENV (PATH mapped here), a home like the image user's, then `env`."""
    stage = dockerfile.parse(base_env={"PATH": SYSTEM_PATH}).final
    result = {"LANG": "C.UTF-8", "HOME": "/nonexistent"}
    for key, value in stage.env.items():
        result[key] = _to_checkout(value, stage.workdir) if key == "PATH" else value
    result.update(env or {})
    return result


@dataclass
class GunicornServer:
    """A server started from the image's command; output goes to `log_path`."""

    process: subprocess.Popen[bytes]
    base_url: str
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines_with(self, needle: str, timeout: float = 10.0) -> list[str]:
        """The log's lines holding `needle`, waiting for the first: gunicorn
        writes a request's access line after the response has gone out."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [row for row in self.log().splitlines() if needle in row]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> tuple[int, float]:
        """Send `sig` and wait: (exit code, seconds it took)."""
        if self.process.poll() is not None:
            return self.process.returncode, 0.0
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"gunicorn did not exit within {timeout} s of signal {sig}:\n{self.log()}"
            ) from None
        return code, time.monotonic() - started


def wait_until_healthy(server: GunicornServer, timeout: float) -> None:
    """Poll /healthz as a platform's health check does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(
                f"the server exited with {server.process.returncode} before answering:\n"
                f"{server.log()}"
            )
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"/healthz did not answer 200 within {timeout} s:\n{server.log()}")


def start_gunicorn(
    env: Mapping[str, str],
    *,
    port: int | None = None,
    command: list[str] | None = None,
    log_dir: Path | None = None,
    ready_timeout: float = 60.0,
    wait: bool = True,
) -> GunicornServer:
    """Start the image's command with `env` on `port` (a free one by default)."""
    port = port or free_port()
    environment = image_environment({**env, "PORT": str(port)})
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="laurel-gunicorn-"))
    log_path = log_dir / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command or image_command(),
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = GunicornServer(process, f"http://127.0.0.1:{port}", port, log_path)
    if wait:
        try:
            wait_until_healthy(server, ready_timeout)
        except BaseException:
            stop_quietly(server)
            raise
    return server


def stop_quietly(server: GunicornServer) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextmanager
def running_gunicorn(env: Mapping[str, str], **options: object) -> Iterator[GunicornServer]:
    server = start_gunicorn(env, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_quietly(server)


@contextmanager
def gunicorn_server(env: Mapping[str, str], **options: object) -> Iterator[str]:
    """The image's server on a free port for the duration: yields its base URL."""
    with running_gunicorn(env, **options) as server:
        yield server.base_url


def flask_command(*args: str, env: Mapping[str, str], stdin: str | None = None) -> str:
    """Run `flask ...` as the image would (through the entrypoint); its output."""
    stage = dockerfile.parse(base_env={"PATH": SYSTEM_PATH}).final
    entrypoint = [_to_checkout(part, stage.workdir) for part in stage.entrypoint]
    result = subprocess.run(
        [*entrypoint, "flask", *args],
        cwd=ROOT,
        env=image_environment(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"flask {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout + result.stderr


__all__ = [
    "GunicornServer",
    "flask_command",
    "free_port",
    "gunicorn_server",
    "image_command",
    "image_environment",
    "running_gunicorn",
    "start_gunicorn",
]
