"""create_app() stays cheap and honest: no I/O, clear configuration errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from app.config import load_config, normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["boto3", "botocore", "PIL", "psycopg", "alembic", "flask_migrate", "resend", "requests"]

AUDITED_IMPORT = r"""
import json, os, sys, threading, time
events = []
def hook(event, args):
    if event == "socket.connect":
        events.append(f"connect {args[1]!r}")
    elif event == "subprocess.Popen":
        events.append(f"subprocess {args[1]!r}")
    elif event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        ):
            events.append(f"write {path}")
sys.addaudithook(hook)
threads = threading.active_count()
started = time.perf_counter()
import app
flask_app = app.create_app()
with flask_app.test_client() as client:
    status = client.get("/healthz").status_code
print(json.dumps({
    "events": events,
    "threads": threading.active_count() - threads,
    "seconds": time.perf_counter() - started,
    "status": status,
    "heavy": [m for m in HEAVY if m in sys.modules],
}))
""".replace("HEAVY", repr(HEAVY))


def run_audited(env: dict[str, str], cwd: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", AUDITED_IMPORT],
        env={"PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "LAUREL_ENV": "production",
            "DATABASE_URL": "postgresql://u:p@10.255.255.1:5432/db",
            "SECRET_KEY": "x" * 40,
        },
    ],
    ids=["local", "production-unreachable-db"],
)
def test_create_app_does_no_io_and_loads_no_heavy_library(env, tmp_path):
    report = run_audited({**env, "PYTHONDONTWRITEBYTECODE": "1"}, tmp_path)
    assert report["status"] == 200
    assert report["events"] == []
    assert report["threads"] == 0
    assert report["heavy"] == []
    assert report["seconds"] < 10  # an unreachable database must not be waited for


def test_unreachable_database_gives_503_with_a_hint():
    app = create_app(
        {
            "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/nothing",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    started = time.monotonic()
    assert app.test_client().get("/auth/login").status_code == 200  # needs no database
    page = app.test_client().post("/auth/login", data={"email": "a@b.org", "password": "x"})
    assert page.status_code == 503
    assert "DATABASE_URL" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    api = app.test_client().get("/readyz")
    assert api.status_code == 503
    checks = api.get_json()["checks"]
    assert checks["database"]["ok"] is False
    assert "u:p" not in api.get_data(as_text=True)
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_urls_are_normalised(raw, expected):
    assert normalise_database_url(raw) == expected


def test_unsupported_database_url_is_a_named_problem(tmp_path):
    config = load_config({"DATABASE_URL": "mysql://x@y/z"}, str(tmp_path))
    assert [p.setting for p in config["CONFIG_PROBLEMS"]] == ["DATABASE_URL"]
    assert "mysql" in config["CONFIG_PROBLEMS"][0].message


@pytest.mark.parametrize("secret", [None, "changeme", "short"])
def test_production_refuses_placeholder_secret_on_every_page(secret, caplog):
    env = {"LAUREL_ENV": "production", "DATABASE_URL": "sqlite://"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    import os
    from unittest import mock

    with mock.patch.dict(os.environ, env, clear=True):
        app = create_app()
    client = app.test_client()
    page = client.get("/auth/login")
    assert page.status_code == 503
    assert "SECRET_KEY" in page.get_data(as_text=True)
    api = client.get("/api/anything")
    assert api.status_code == 503 and "SECRET_KEY" in api.get_json()["message"]
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    detail = ready.get_json()["checks"]["settings"]["detail"]
    assert detail == "missing or invalid: SECRET_KEY, CRON_SECRET, BASE_URL"
    assert sum("SECRET_KEY" in r.getMessage() for r in caplog.records) == 1


def test_platform_sets_pool(tmp_path):
    url = "postgres://u@h/d"
    serverless = load_config({"VERCEL": "1", "DATABASE_URL": url}, str(tmp_path))
    server = load_config(
        {"RENDER": "true", "DATABASE_URL": url, "GUNICORN_THREADS": "8"}, str(tmp_path)
    )
    assert serverless["PLATFORM"] == "vercel" and serverless["SERVERLESS"]
    assert serverless["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 4
    assert server["PLATFORM"] == "render" and not server["SERVERLESS"]
    assert server["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 8


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"]["migrations"]["ok"] is True


def test_readiness_logs_nothing(client, caplog):
    """A platform calls /readyz every few seconds: it must not fill the log
    (Alembic's MigrationContext logged two INFO lines per call)."""
    caplog.set_level("DEBUG")
    for _ in range(2):
        assert client.get("/readyz").status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []


def test_no_vercel_entrypoint_names_outside_api():
    names = {"app.py", "index.py", "server.py", "main.py", "wsgi.py", "asgi.py"}
    for folder in (ROOT, ROOT / "src", ROOT / "app"):
        assert not {p.name for p in folder.glob("*.py")} & names, folder
