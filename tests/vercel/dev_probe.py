"""Start `vercel dev --local` in a project, send a few requests, report as JSON.

Run by test_dev.py inside a fresh network namespace (loopback only), so any
attempt to reach the internet fails instead of quietly succeeding:

    python dev_probe.py VERCEL_CLI PROJECT_DIR GLOBAL_CONFIG_DIR

The environment (PATH, VIRTUAL_ENV, HOME, ...) is the caller's.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

PATHS = ("/healthz", "/", "/static/css/laurel.css")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return {
        "status": response.status,
        "content_type": response.headers.get("Content-Type", ""),
        "sha256": hashlib.sha256(body).hexdigest(),
        "text": body.decode("utf-8", errors="replace")[:400],
    }


def main() -> None:
    cli, project, global_config = sys.argv[1:4]
    port = free_port()
    log_path = Path(global_config) / "dev.log"
    argv = [
        cli,
        "dev",
        "--local",
        "--yes",
        "--listen",
        f"127.0.0.1:{port}",
        "--queue-port",
        str(free_port()),
        "--runtime-cache-port",
        str(free_port()),
        "--schedules-port",
        str(free_port()),
        "--global-config",
        global_config,
    ]
    report: dict[str, object] = {"responses": {}}
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=project,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = started + 120
        while time.monotonic() < deadline and process.poll() is None:
            with suppress(OSError, http.client.HTTPException):
                if get(port, "/healthz")["status"] == 200:
                    break
            time.sleep(0.5)
        report["ready_seconds"] = time.monotonic() - started
        for path in PATHS:
            try:
                report["responses"][path] = get(port, path)  # type: ignore[index]
            except (OSError, http.client.HTTPException) as exc:
                report["responses"][path] = {"error": repr(exc)}  # type: ignore[index]
        time.sleep(0.5)  # let the app's access log reach the file
    finally:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    report["exit_code"] = process.returncode
    report["log"] = log_path.read_text(errors="replace")[-20000:]
    print("DEV-REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
