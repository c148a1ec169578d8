"""Import `api.index` under audit hooks, serve GET /healthz, report as JSON.

Run in a fresh interpreter by test_conformance.py:

    python -I tests/vercel/conformance_probe.py REPO_ROOT [PATH ...]

Everything the import and the requests do is watched through `sys.addaudithook`:
a socket connect, a thread start, a subprocess, or a file opened for writing
outside the temporary directory is recorded and refused (so nothing ever
leaves this machine, and no stray file is left behind). The report also says
which heavy libraries got imported and how long the import took.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time

HEAVY = ("boto3", "botocore", "PIL", "psycopg", "alembic", "flask_migrate")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
SUBPROCESS_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
}
THREAD_EVENTS = {"_thread.start_new_thread", "_thread.start_joinable_thread"}
FILE_CHANGE_EVENTS = {
    "os.mkdir",
    "os.rename",
    "os.remove",
    "os.rmdir",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.chmod",
    "os.chown",
    "os.utime",
    "shutil.rmtree",
    "shutil.copyfile",
    "shutil.move",
}

violations: list[dict[str, str]] = []
watching = False
temp_root = os.path.realpath(tempfile.gettempdir())


class Refused(PermissionError):
    pass


def _outside_temp(path: object) -> bool:
    if isinstance(path, int):  # a descriptor someone already opened
        return False
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return True
    resolved = os.path.realpath(path)
    return not (resolved == temp_root or resolved.startswith(temp_root + os.sep))


def _writes(mode: object, flags: object) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & WRITE_FLAGS)


def _refuse(kind: str, detail: str) -> None:
    violations.append({"kind": kind, "detail": detail})
    raise Refused(f"conformance probe refused {kind}: {detail}")


def hook(event: str, args: tuple) -> None:
    if not watching:
        return
    if event == "socket.connect":
        _refuse("socket connect", repr(args[1]))
    elif event == "socket.getaddrinfo":
        _refuse("name lookup", repr(args[:2]))
    elif event in THREAD_EVENTS:
        violations.append({"kind": "thread start", "detail": repr(args[0])})
    elif event in SUBPROCESS_EVENTS:
        _refuse("subprocess", f"{event} {args!r}"[:300])
    elif event == "open":
        path, mode, flags = args
        if _writes(mode, flags) and _outside_temp(path):
            _refuse("file write", f"{path} ({mode or flags})")
    elif event == "sqlite3.connect":
        _refuse("sqlite connect", repr(args))
    elif event in FILE_CHANGE_EVENTS:
        path = args[0] if args else None
        if _outside_temp(path):
            _refuse("file change", f"{event} {args!r}"[:300])


def call(app: object, path: str) -> dict[str, object]:
    """One GET through the WSGI callable, as a server would make it."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    seen: dict[str, object] = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> object:
        seen["status"] = int(status.split()[0])
        return lambda data: None

    chunks = app(environ, start_response)  # type: ignore[operator]
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    seen["body"] = body.decode("utf-8", errors="replace")[:2000]
    return seen


def main() -> None:
    global watching
    sys.dont_write_bytecode = True  # as on Vercel (PYTHONDONTWRITEBYTECODE=1)
    sys.path.insert(0, sys.argv[1])
    paths = sys.argv[2:] or ["/healthz"]
    report: dict[str, object] = {"python": sys.version.split()[0], "temp_root": temp_root}
    sys.addaudithook(hook)
    watching = True
    started = time.perf_counter()
    try:
        import api.index as entry

        report["import_seconds"] = time.perf_counter() - started
        report["responses"] = {path: call(entry.app, path) for path in paths}
    except Exception as exc:  # reported, not raised: the report is the result
        report["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        watching = False
    report["violations"] = violations
    report["heavy_modules_loaded"] = sorted(
        name
        for name in HEAVY
        if name in sys.modules or any(loaded.startswith(name + ".") for loaded in sys.modules)
    )
    print("CONFORMANCE-REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()
