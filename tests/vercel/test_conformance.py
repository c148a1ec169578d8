"""Importing `api.index` and answering /healthz does nothing a cold start must not.

Each case runs conformance_probe.py in a fresh `python -I` (no inherited
PYTHON* settings, no user site) with exactly the environment given, under audit
hooks that refuse and record any socket connect, thread start, subprocess or
file write outside the temporary directory. The production-like case points
DATABASE_URL at an unreachable PostgreSQL; the hooks refuse the connect before
a packet leaves, and no request should try.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.vercel import report
from tests.vercel.support import REPO

PROBE = REPO / "tests" / "vercel" / "conformance_probe.py"
SECRET = "conformance-secret-key-0123456789abcdef"
HEAVY = ["PIL", "alembic", "boto3", "botocore", "flask_migrate", "psycopg"]

CASES = {
    "production": {
        "VERCEL": "1",
        "VERCEL_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": "postgresql://u:p@10.255.255.1:5432/db",
        "CRON_SECRET": "conformance-cron-secret-0123456789",
        "STORAGE_URL": "s3://laurel-conformance/certificates",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example-secret",
        "AWS_REGION": "eu-central-1",
        "S3_ENDPOINT_URL": "https://s3.example.invalid",
    },
    "no-env": {},
    # A deploy with nothing configured must still import and name what is missing.
    "vercel-unconfigured": {"VERCEL": "1"},
}


def probe(env: dict[str, str], paths: list[str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-I", str(PROBE), str(REPO), *paths],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("CONFORMANCE-REPORT ")]
    assert result.returncode == 0 and lines, (
        f"the probe failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    found = json.loads(lines[-1].removeprefix("CONFORMANCE-REPORT "))
    found["stderr"] = result.stderr
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_import_and_healthz_touch_nothing(case: str) -> None:
    paths = ["/healthz", "/"] if case == "vercel-unconfigured" else ["/healthz"]
    found = probe(CASES[case], paths)
    assert found["python"].startswith("3.12"), "Vercel runs python3.12 (.python-version)"
    assert "error" not in found, f"import or request failed: {found['error']}\n{found['stderr']}"
    assert found["violations"] == [], "a cold start must not do this:\n" + "\n".join(
        f"  {v['kind']}: {v['detail']}" for v in found["violations"]
    )
    healthz = found["responses"]["/healthz"]
    assert healthz["status"] == 200, healthz
    assert json.loads(healthz["body"]) == {"status": "ok"}
    assert found["heavy_modules_loaded"] == [], (
        f"loaded at import or by /healthz, should load on first use: "
        f"{found['heavy_modules_loaded']} (of {HEAVY})"
    )
    report.record(f"import api.index ({case})", f"{found['import_seconds'] * 1000:.0f} ms")
    if case == "vercel-unconfigured":
        home = found["responses"]["/"]
        assert home["status"] == 503, home
        assert "SECRET_KEY" in home["body"] and "DATABASE_URL" in home["body"], home["body"]
        assert "SECRET_KEY" in found["stderr"] and "DATABASE_URL" in found["stderr"], (
            "the log should name the missing settings"
        )
