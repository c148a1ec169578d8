"""Fan-out under gunicorn: the Dockerfile's command with several worker processes and
BASE_URL pointing at itself. One cron call on a backlog larger than its budget starts
further invocations of the cron route, which the workers serve beside it, never more
than CHECKER_FAN_OUT at once, each within its budget, until every attendee has exactly
one certificate and storage holds exactly the rows' files. PostgreSQL with S3 (moto on
loopback), SQLite with a local folder."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate
from tests.checker.fan_out_checks import assert_runs_kept_their_limits, runs_working, wait_until
from tests.checker.helpers import CRON_SECRET, assert_exactly_once, gunicorn_env, process_env, seed
from tests.edge_client import EdgeClient

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ctx")]

WORKERS = 3  # gunicorn processes, each able to run the checker
FAN_OUT = 2
BUDGET = 8.0  # small enough that the backlog needs several runs; room for a cold worker
ATTENDEES = 40


@pytest.fixture
def app_config(app_config: dict[str, Any], storage_config: dict[str, str]) -> dict[str, Any]:
    return {**app_config, **storage_config}


def certificates() -> int:
    db.session.rollback()
    return int(db.session.scalar(sa.select(sa.func.count(Certificate.id))) or 0)


def test_a_cron_call_fans_out_over_gunicorn_workers(database_url, storage_config):
    from tests.containers.gunicorn_server import free_port, running_gunicorn

    owed = seed(events=1, per_event=ATTENDEES, background=False)
    port = free_port()
    env = gunicorn_env(
        process_env({"DATABASE_URL": database_url, **storage_config}),
        BASE_URL=f"http://127.0.0.1:{port}",
        CRON_SECRET=CRON_SECRET,
        CHECKER_FAN_OUT=str(FAN_OUT),
        CHECKER_BUDGET_SECONDS=str(BUDGET),
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS="2",
    )
    with running_gunicorn(env, port=port) as server:
        answer = EdgeClient(server.base_url).get(
            "/api/cron/check-events", headers={"Authorization": f"Bearer {CRON_SECRET}"}
        )
        assert answer.status == 200, answer.text[:2000]
        body = answer.json()
        assert body["fanned_out"] >= 1 and body["fan_out_error"] is None, body
        done = wait_until(lambda: certificates() >= ATTENDEES and runs_working() == 0, 180)
        if not done:
            runs = db.session.execute(sa.text("SELECT * FROM checker_runs ORDER BY id")).all()
            raise AssertionError(f"the chain stopped early: {runs}\n{server.log()[-6000:]}")

    assert_exactly_once(owed, check_digests=3)
    assert_runs_kept_their_limits(FAN_OUT)
