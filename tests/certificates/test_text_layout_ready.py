"""/readyz names the text layout stack: ready with the shipped FriBiDi, a named problem
(and a refused render) when Pillow got another one first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
{before}
from app import create_app
secret = "s" * 32
config = {{"DATABASE_URL": "sqlite:///" + sys.argv[1], "TESTING": True}}
app = create_app({{**config, "CRON_SECRET": secret}})
# The checks' details are shown only to the cron bearer.
headers = {{"Authorization": "Bearer " + secret}}
checks = app.test_client().get("/readyz", headers=headers).get_json()["checks"]
print(json.dumps(checks["text_layout"]))
"""


def readyz_text_layout(tmp_path, before: str = "") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(before=before), str(tmp_path / "db.sqlite")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_readyz_reports_raqm_with_the_vendored_fribidi(tmp_path):
    check = readyz_text_layout(tmp_path)
    assert check["ok"] is True
    assert "FriBiDi 1.0.8 (vendored)" in check["detail"] and "HarfBuzz" in check["detail"]


def test_readyz_names_a_fribidi_that_is_not_the_shipped_one(tmp_path):
    check = readyz_text_layout(tmp_path, before="from PIL import ImageFont")
    assert check["ok"] is False
    assert check["detail"].startswith(("fribidi:", "raqm:")), check
