"""A run's budget bounds everything it does: with storage or the database hanging
mid-call, the answer comes within budget + 2 s, from the CLI and the cron route.

The hang is real: a TCP server that accepts and never answers stands in for
storage, and a TCP proxy in front of PostgreSQL stops forwarding mid-run (a
network partition, which no server-side timeout can see).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from app.checker.models import CheckerRun
from app.extensions import db
from tests.checker.hanging import proxy_to, silent_server
from tests.checker.helpers import (
    CRON_SECRET,
    ROOT,
    flask_check,
    gunicorn_env,
    process_env,
    seed,
)
from tests.edge_client import EdgeClient

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ctx")]

BUDGET = 3.0
SLACK = 2.0  # the promise: an answer within budget + 2 s
ROUTE = "/api/cron/check-events"


def startup_seconds(env) -> float:
    """What a CLI process spends outside the run: loading the app and the command."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "flask", "events", "check", "--help"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.monotonic() - started


def cron_call(base_url: str) -> tuple[float, int, dict]:
    started = time.monotonic()
    response = EdgeClient(base_url).get(ROUTE, headers={"Authorization": f"Bearer {CRON_SECRET}"})
    return time.monotonic() - started, response.status, response.json()


def server_env(env) -> dict[str, str]:
    return gunicorn_env(env, CRON_SECRET=CRON_SECRET, CHECKER_BUDGET_SECONDS=str(BUDGET))


def run_started() -> bool:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(CheckerRun.id))) > 0


def test_a_hanging_storage_endpoint_cannot_stretch_a_run(database_url):
    from tests.containers.gunicorn_server import running_gunicorn

    seed(events=1, per_event=20, background=False)
    with silent_server() as port:
        env = process_env(
            {
                "DATABASE_URL": database_url,
                "STORAGE_URL": "s3://hanging-bucket",
                "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            }
        )
        started = time.monotonic()
        process = flask_check(env, "--budget", str(BUDGET))
        text = process.communicate(timeout=120)[0].decode()
        elapsed = time.monotonic() - started
        assert elapsed < BUDGET + SLACK + startup_seconds(env), text
        # The certificate failed at the storage timeout, or the run was stopped at its
        # hard deadline while still waiting: either way exit 1, and nothing issued.
        assert process.returncode == 1 and "issued 0" in text, text
        assert "failed 0" not in text or "stopped answering" in text, text

        with running_gunicorn(server_env(env)) as server:
            elapsed, status, body = cron_call(server.base_url)
    assert elapsed < BUDGET + SLACK, body
    assert body["issued"] == 0, body
    if status == 200:  # the certificate failed at the storage timeout
        assert body["failed"] >= 1 and body["remaining"] == 20, body
    else:  # still waiting at the hard deadline
        assert status == 500 and "stopped answering" in body["error"], body
    db.session.rollback()
    runs = db.session.scalars(sa.select(CheckerRun)).all()
    assert sum(run.issued for run in runs) == 0


def test_a_database_that_stops_answering_cannot_stretch_a_run(database_url, tmp_path):
    from tests.containers.gunicorn_server import running_gunicorn

    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no network to partition")
    url = sa.engine.make_url(database_url)
    seed(events=2, per_event=40)
    storage = {"STORAGE_URL": (tmp_path / "storage").as_uri()}

    with proxy_to(url.host, url.port) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = process_env({"DATABASE_URL": proxied, **storage})
        started = time.monotonic()
        process = flask_check(env, "--budget", str(BUDGET))
        while not run_started() and process.poll() is None:
            time.sleep(0.01)
        proxy.partition()
        text = process.communicate(timeout=120)[0].decode()
        elapsed = time.monotonic() - started
    assert elapsed < BUDGET + SLACK + startup_seconds(env), text
    assert process.returncode == 1 and "stopped answering" in text, text

    db.session.execute(sa.delete(CheckerRun))
    db.session.commit()
    with proxy_to(url.host, url.port) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = process_env({"DATABASE_URL": proxied, **storage})
        with running_gunicorn(server_env(env)) as server:
            proxy.partition()
            elapsed, status, body = cron_call(server.base_url)
            proxy.close()  # the stuck connections fail now, so the server can stop
    assert elapsed < BUDGET + SLACK, body
    assert status == 500 and "stopped answering" in body["error"], body
