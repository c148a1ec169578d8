"""Run an app under Vercel's own Python launcher, playing the platform's side.

On Vercel a function process runs `vercel_runtime.vc_init` (PyPI package
`vercel-runtime`). It connects to the Unix socket named by VERCEL_IPC_PATH,
imports the entrypoint named by the `__VC_HANDLER_*` variables, starts an HTTP
server on 127.0.0.1 and reports its port over the socket as NUL-terminated
JSON: `{"type": "server-started", "payload": {"httpPort": N, ...}}`; then, per
request, `handler-started`, `log` and `end`. A fatal import error arrives as
`unrecoverable-error`. This module listens on that socket, starts the process
(by default with the project directory mounted read-only, as /var/task is),
waits for the port, and hands back a base URL for real HTTP requests:

    with vercel_launcher(project_dir, {"SECRET_KEY": ...}) as base_url:
        PlatformClient(base_url).get("/healthz")

`launch()` yields the whole `Launch` (IPC messages, decoded logs, timings) for
tests that need more than the URL. It runs the source tree by default (the
launcher's Python plus the project's installed dependencies on PYTHONPATH);
`built_function()` runs a `.func` directory from `vercel build` exactly as its
`.vc-config.json` says, through the generated handler module.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.edge_client import EdgeClient
from tests.vercel import support

# What a Lambda process sees besides the project's own settings.
PLATFORM_ENV = {
    "VERCEL": "1",
    "VERCEL_ENV": "production",
    "VERCEL_REGION": "iad1",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "PYTHONDONTWRITEBYTECODE": "1",
}


class LaunchError(AssertionError):
    """The function never said `server-started`; the message says why."""


@dataclass
class Launch:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    started_at: float
    ready_at: float
    messages: list[dict] = field(default_factory=list)
    stderr_path: Path | None = None

    @property
    def startup_seconds(self) -> float:
        """Process start to `server-started`."""
        return self.ready_at - self.started_at

    def logs(self) -> list[str]:
        """Every line the function logged, decoded, in order."""
        lines = []
        for message in list(self.messages):
            if message.get("type") == "log":
                raw = message.get("payload", {}).get("message", "")
                with suppress(ValueError):
                    lines.append(base64.b64decode(raw).decode(errors="replace"))
        return lines

    def stderr(self) -> str:
        if self.stderr_path and self.stderr_path.exists():
            return self.stderr_path.read_text(errors="replace")
        return ""


class _IpcServer:
    """The platform's end of VERCEL_IPC_PATH: collects messages, signals the port."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[dict] = []
        self.started = threading.Event()
        self.failed = threading.Event()
        self.port: int | None = None
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        self._sock.listen(1)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="vercel-ipc", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection = None
        while not self._stop.is_set() and connection is None:
            with suppress(TimeoutError, OSError):
                connection, _ = self._sock.accept()
        if connection is None:
            return
        connection.settimeout(0.2)
        buffer = b""
        with connection:
            while not self._stop.is_set():
                try:
                    chunk = connection.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    self._handle(json.loads(raw))

    def _handle(self, message: dict) -> None:
        self.messages.append(message)
        if message.get("type") == "server-started":
            self.port = int(message["payload"]["httpPort"])
            self.started.set()
        elif message.get("type") == "unrecoverable-error":
            self.failed.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the process group this module started, by its id."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@contextmanager
def launch(
    project_dir: Path,
    env: Mapping[str, str],
    *,
    python: Path | str | None = None,
    pythonpath: Sequence[str] | None = None,
    entrypoint: str = "api/index.py",
    variable: str = "app",
    handler_module: str | None = None,
    read_only: bool = True,
    at_var_task: bool = False,
    platform_env: bool = True,
    timeout: float = 60,
) -> Iterator[Launch]:
    """Start `entrypoint` in `project_dir` under vercel_runtime.vc_init.

    `env` holds the project's settings; PLATFORM_ENV is added unless
    `platform_env` is false. Without `handler_module` the launcher is run
    directly and told the entrypoint through `__VC_HANDLER_*` (the source
    tree, with the project's dependencies on PYTHONPATH unless `pythonpath`
    says otherwise); with it, that module (a built function's generated
    `vc__handler__python`) is imported and sets those variables itself.
    `read_only` mounts `project_dir` read-only; `at_var_task` mounts it at
    /var/task instead, where Vercel puts a function.
    """
    project_dir = Path(project_dir).resolve()
    task_root = support.LAMBDA_TASK_ROOT if at_var_task else str(project_dir)
    python = str(python or support.vc_python())
    scratch = Path(tempfile.mkdtemp(prefix="vc-launch-"))
    ipc = _IpcServer(scratch / "ipc.sock")
    process: subprocess.Popen[bytes] | None = None
    try:
        (scratch / "tmp").mkdir()
        child_env = {
            "PATH": support.SYSTEM_PATH,
            "HOME": str(scratch),
            "TMPDIR": str(scratch / "tmp"),
        }
        if platform_env:
            child_env.update(PLATFORM_ENV)
            child_env["LAMBDA_TASK_ROOT"] = task_root
        child_env.update(env)
        child_env["VERCEL_IPC_PATH"] = str(ipc.path)
        if handler_module is None:
            child_env.update(
                {
                    "__VC_HANDLER_MODULE_NAME": entrypoint.removesuffix(".py").replace("/", "."),
                    "__VC_HANDLER_ENTRYPOINT": entrypoint,
                    "__VC_HANDLER_ENTRYPOINT_ABS": f"{task_root}/{entrypoint}",
                    "__VC_HANDLER_VARIABLE_NAME": variable,
                }
            )
            paths = list(pythonpath) if pythonpath is not None else [support.deps_site_packages()]
            statement = "import vercel_runtime.vc_init"
        else:
            paths = list(pythonpath or [])
            statement = f"import {handler_module}"
        if paths:
            child_env["PYTHONPATH"] = os.pathsep.join(paths)
        argv = [python, "-c", statement]
        if read_only or at_var_task:
            argv = support.readonly_command(project_dir, argv, at_var_task=at_var_task)
        stderr_path = scratch / "stderr.log"
        started_at = time.monotonic()
        with open(scratch / "stdout.log", "wb") as stdout, open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(
                argv,
                cwd=project_dir,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = started_at + timeout
        while not ipc.started.is_set():
            if ipc.failed.is_set() or process.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.2)  # let the last messages arrive
                errors = [
                    m["payload"].get("message", "")
                    for m in ipc.messages
                    if m.get("type") == "unrecoverable-error"
                ]
                raise LaunchError(
                    f"the function did not start (exit code {process.poll()}):\n"
                    + "\n".join(errors)
                    + "\n--- stderr ---\n"
                    + stderr_path.read_text(errors="replace")[-6000:]
                )
            ipc.started.wait(0.01)
        ready_at = time.monotonic()
        assert ipc.port is not None
        yield Launch(
            url=f"http://127.0.0.1:{ipc.port}",
            port=ipc.port,
            process=process,
            started_at=started_at,
            ready_at=ready_at,
            messages=ipc.messages,
            stderr_path=stderr_path,
        )
    finally:
        if process is not None:
            _stop(process)
        ipc.close()
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def vercel_launcher(project_dir: Path, env: Mapping[str, str], **options: object) -> Iterator[str]:
    """`launch()`, yielding only the base URL."""
    with launch(project_dir, env, **options) as launched:  # type: ignore[arg-type]
        yield launched.url


def function_config(func_dir: Path) -> dict:
    return json.loads((Path(func_dir) / ".vc-config.json").read_text())


@contextmanager
def built_function(
    func_dir: Path, env: Mapping[str, str], *, python: Path | str, **options: object
) -> Iterator[Launch]:
    """Run a `.func` directory from `vercel build` as Vercel would: at
    /var/task, read-only, through its handler module, with its `environment`
    (PYTHONPATH=_vendor, ...), on `python` (which should have no packages of
    its own)."""
    config = function_config(func_dir)
    handler_module = config["handler"].rsplit(".", 1)[0]
    merged = {**config.get("environment", {}), **env}
    pythonpath = [merged.pop("PYTHONPATH")] if "PYTHONPATH" in merged else []
    with launch(
        func_dir,
        merged,
        python=python,
        pythonpath=pythonpath,
        handler_module=handler_module,
        **{"at_var_task": True, **options},  # type: ignore[arg-type]
    ) as launched:
        yield launched


# --- a client standing where Vercel's proxy stands ----------------------------------


class PlatformClient(EdgeClient):
    """What Vercel's edge sends a function: https, a public host in Host and
    X-Forwarded-Host, the client's address."""

    def __init__(
        self, base_url: str, *, host: str = "laurel.example.test", proto: str = "https"
    ) -> None:
        super().__init__(base_url, public_host=host, proto=proto)
