"""A page request loads only what it needs (cold starts pay for every import).

The public verification page, on a fresh interpreter and a real database,
must not load the libraries only other requests use: email checking (CSV
import and forms), migrations, images, S3, or an async SQLite driver.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_A_PAGE = ["email_validator", "aiosqlite", "alembic", "flask_migrate", "PIL", "boto3"]

PROBE = """
import json, sys
from app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True, "CONFIG_PROBLEMS": []})
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/", "/verify/LAU-0000-0000-0000-0000")]
print(json.dumps({"statuses": statuses, "loaded": [m for m in NAMES if m in sys.modules]}))
""".replace("NAMES", repr(NOT_FOR_A_PAGE))


def test_a_page_request_loads_nothing_it_does_not_use(database_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, database_url],
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["statuses"] == [200, 404]
    assert found["loaded"] == []
