"""Separate processes at once, and processes killed mid-batch: every certificate exactly once.

PostgreSQL runs against S3 (moto on loopback), SQLite against local storage.
"""

from __future__ import annotations

import random
import signal
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.checker.models import CheckerRun, Outcome
from app.checker.run import check_events
from app.database import utcnow
from app.extensions import db
from app.models import Certificate
from tests.checker.helpers import (
    add_participants,
    assert_exactly_once,
    flask_check,
    make_event,
    make_organizer,
    process_env,
    seed,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ctx")]

PROCESSES = 8


@pytest.fixture
def storage_config(request, database_url, tmp_path) -> dict[str, str]:
    if database_url.startswith("sqlite"):
        return {"STORAGE_URL": (tmp_path / "storage").as_uri()}
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return {"STORAGE_URL": f"s3://{bucket}", "S3_ENDPOINT_URL": endpoint}


@pytest.fixture
def app_config(app_config: dict[str, Any], storage_config: dict[str, str]) -> dict[str, Any]:
    return {**app_config, **storage_config}


@pytest.fixture
def env(database_url: str, storage_config: dict[str, str]) -> dict[str, str]:
    return process_env({"DATABASE_URL": database_url, **storage_config})


def output(process) -> str:
    return process.stdout.read().decode(errors="replace")


def certificates() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Certificate.id)))


def test_eight_processes_issue_each_certificate_exactly_once(env, database_url):
    # SQLite renders one batch at a time whatever the number of processes: fewer
    # certificates keep the suite short without weakening what is checked.
    per_event = 80 if database_url.startswith("sqlite") else 200
    owed = seed(events=5, per_event=per_event)
    # Some who did not attend, in one more event: they must get nothing.
    add_participants(make_event(make_organizer("other@example.org")), 20, attended_every=0)
    db.session.commit()

    # One run's budget must hold all the work (every run ends "done"): a certificate in
    # every script, PNG and PDF with embedded fonts, costs about 1 s of CPU on a busy
    # 2-core machine, and 8 processes share 2 cores.
    env = {**env, "CHECKER_BUDGET_SECONDS": "900"}
    processes = [flask_check(env, "--until-done") for _ in range(PROCESSES)]
    outputs = [(process.wait(timeout=1200), output(process)) for process in processes]

    for status, text in outputs:
        assert status == 0, text
    assert_exactly_once(owed, check_digests=100)
    runs = db.session.scalars(sa.select(CheckerRun)).all()
    assert {run.outcome for run in runs} == {Outcome.DONE}
    assert sum(run.issued for run in runs) == len(owed)
    assert sum(1 for run in runs if run.issued) > 1, "the runs should have shared the work"
    assert sum(run.events_moved for run in runs) == 6


def test_runs_killed_mid_batch_leave_nothing_the_next_run_does_not_finish(env):
    owed = seed(events=3, per_event=50)
    rng = random.Random(4)
    killed = 0
    for extra_wait in (0.0, 0.05, 0.17, 0.31, 0.6):
        before = certificates()
        process = flask_check(env, "--until-done")
        deadline = time.monotonic() + 60
        # Wait until this process commits a batch, then kill it somewhere in a later one.
        while certificates() == before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(extra_wait + rng.uniform(0, 0.1))
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
        killed += 1
    assert 0 < certificates() < len(owed), "the kills should land mid-way"

    clean = flask_check(env, "--until-done")
    assert clean.wait(timeout=300) == 0, output(clean)
    assert_exactly_once(owed)

    # The killed runs are still "running"; once past budget and margin they are abandoned.
    running = db.session.scalars(
        sa.select(CheckerRun).where(CheckerRun.outcome == Outcome.RUNNING.value)
    ).all()
    assert len(running) == killed
    db.session.execute(
        sa.update(CheckerRun)
        .where(CheckerRun.outcome == Outcome.RUNNING.value)
        .values(started_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    check_events()
    outcomes = db.session.scalars(sa.select(CheckerRun.outcome)).all()
    assert outcomes.count(Outcome.ABANDONED) == killed
    assert Outcome.RUNNING not in outcomes
