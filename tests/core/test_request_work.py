"""A page request does only the work it needs.

Imports: the public verification page, on a fresh interpreter and a real
database, must not load the libraries only other requests use (cold starts pay
for every import): email checking (CSV import and forms), migrations, images,
S3, an async SQLite driver, or the event checker's run.

Sessions: a request without a session cookie gets an empty session without
Flask building the cookie's signer; a cookie is still read and written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_A_PAGE = [
    "email_validator",
    "aiosqlite",
    "alembic",
    "flask_migrate",
    "PIL",
    "boto3",
    "app.checker.run",  # the checker's code, loaded when a run starts
]

PROBE = """
import json, sys
from app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True, "CONFIG_PROBLEMS": []})
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/", "/verify/LAU-0000-0000-0000-0000")]
print(json.dumps({"statuses": statuses, "loaded": [m for m in NAMES if m in sys.modules]}))
""".replace("NAMES", repr(NOT_FOR_A_PAGE))


def test_a_page_request_loads_nothing_it_does_not_use(database_url, tmp_path):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    output = subprocess.check_output(
        [sys.executable, "-c", PROBE, database_url], env=env, cwd=tmp_path, text=True, timeout=60
    )
    found = json.loads(output.strip().splitlines()[-1])
    assert found["statuses"] == [200, 404]
    assert found["loaded"] == []


def test_a_request_without_a_cookie_builds_no_signer_and_gets_no_cookie(app, client, monkeypatch):
    interface = app.session_interface
    built = []
    original = interface.get_signing_serializer
    monkeypatch.setattr(
        interface, "get_signing_serializer", lambda a: built.append(1) or original(a)
    )
    response = client.get("/verify")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert built == []


def test_sessions_still_read_and_write_their_cookie(auth, client):
    auth.create()
    signed_in = auth.login()
    assert signed_in.status_code == 302 and "Set-Cookie" in signed_in.headers
    assert client.get("/events/").status_code == 200


def test_a_forged_session_cookie_is_an_empty_session(app, client):
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), "forged.value.here")
    response = client.get("/events/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
