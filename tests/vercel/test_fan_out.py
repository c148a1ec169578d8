"""Fan-out under Vercel's own launcher: several function instances behind a small
router standing in for the platform's edge. One cron call on a backlog larger than
its budget starts further invocations of the cron route through the router; they
spread over the instances, never more than CHECKER_FAN_OUT at once, each within
its budget, until every attendee has exactly one certificate whose files match."""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager

import sqlalchemy as sa

from tests.vercel import scenario
from tests.vercel.launcher import launch
from tests.vercel.router import running_router
from tests.vercel.test_issue_progress import ended_event

INSTANCES = 3
FAN_OUT = 2
BUDGET = 6.0  # small, so that the backlog needs several (room for a cold first certificate)
ATTENDEES = 30


def test_a_cron_call_fans_out_over_instances_until_the_backlog_is_done(
    project_copy, platform_database, s3_endpoint, s3_bucket
):
    database_url, organizer = platform_database
    event_id = ended_event(database_url, organizer.email, ATTENDEES)
    storage = {
        "STORAGE_URL": f"s3://{s3_bucket}/certificates",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ADDRESSING_STYLE": "path",
    }
    with fanning_instances(project_copy, database_url, storage) as (router, instances):
        request = urllib.request.Request(
            router.url + "/api/cron/check-events",
            headers={"Authorization": f"Bearer {scenario.CRON_SECRET}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200
        except urllib.error.HTTPError as exc:
            logs = "\n".join(line for i in instances for line in [*i.logs(), i.stderr()])
            raise AssertionError(f"{exc.read().decode()}\n{logs[-5000:]}") from None
        app = _app(database_url, storage)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not _finished(app, event_id):
            time.sleep(0.5)
        assert _finished(app, event_id), "the fan-out stopped before the backlog was done"

    with app.app_context():
        _assert_each_attendee_once(event_id)
        runs = _runs()
    fanned = [run for run in runs if run.trigger == "fan_out" and run.outcome != "failed"]
    assert fanned, "the cron run started no invocation"
    assert all(run.fan_out_error is None for run in runs), [r.fan_out_error for r in runs]
    for run in runs:  # each within its budget and the run's hard stop
        assert (run.finished_at - run.started_at).total_seconds() <= run.budget_seconds + 1.0
    # Never more than CHECKER_FAN_OUT invocations at once.
    moments = sorted(
        [(run.started_at, 1) for run in fanned] + [(run.finished_at, -1) for run in fanned]
    )
    live = peak = 0
    for _, step in moments:
        live += step
        peak = max(peak, live)
    assert peak <= FAN_OUT, peak
    assert len(set(router.routed)) > 1, "the invocations should reach several instances"


@contextmanager
def fanning_instances(project_copy, database_url: str, storage: dict[str, str]):
    """INSTANCES launcher processes behind a router, BASE_URL pointing at the router."""
    with running_router() as router, ExitStack() as stack:
        env = {
            **scenario.app_env(database_url),
            **storage,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "BASE_URL": router.url,
            "CHECKER_FAN_OUT": str(FAN_OUT),
            "CHECKER_BUDGET_SECONDS": str(BUDGET),
        }
        instances = [stack.enter_context(launch(project_copy, env)) for _ in range(INSTANCES)]
        router.backends = [instance.url for instance in instances]
        yield router, instances


def _app(database_url: str, storage: dict[str, str]):
    from app import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": scenario.SECRET_KEY,
            "CONFIG_PROBLEMS": [],
            "AWS_ACCESS_KEY_ID": "testing",
            **storage,
        }
    )


def _finished(app, event_id: int) -> bool:
    from app.checker.models import CheckerRun
    from app.extensions import db
    from app.models import Certificate

    with app.app_context():
        issued = db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(Certificate.event_id == event_id)
        )
        working = db.session.scalar(
            sa.select(sa.func.count(CheckerRun.id)).where(
                CheckerRun.outcome.in_(["pending", "running"])
            )
        )
        return issued >= ATTENDEES and working == 0


def _runs():
    from app.checker.models import CheckerRun
    from app.extensions import db

    return db.session.scalars(
        sa.select(CheckerRun).where(CheckerRun.finished_at.is_not(None))
    ).all()


def _assert_each_attendee_once(event_id: int) -> None:
    from app.extensions import db
    from app.models import Certificate, Participant
    from app.storage import get_storage
    from tests.checker.helpers import assert_files_are_its_own

    attendees = set(
        db.session.scalars(sa.select(Participant.id).where(Participant.event_id == event_id))
    )
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.event_id == event_id)
    ).all()
    assert sorted(c.participant_id for c in certificates) == sorted(attendees)
    storage = get_storage()
    for certificate in certificates:
        png = storage.get(certificate.png_key)
        assert hashlib.sha256(png).hexdigest() == certificate.png_sha256
        assert (
            hashlib.sha256(storage.get(certificate.pdf_key)).hexdigest() == certificate.pdf_sha256
        )
    for certificate in certificates[:2]:
        assert_files_are_its_own(certificate, storage)
    # No file without its row (a lost attempt deletes what it stored), none missing.
    rows = db.session.execute(sa.select(Certificate.png_key, Certificate.pdf_key)).all()
    listed = set(storage.list_keys("certificates/"))
    assert listed <= {key for row in rows for key in row}, "files without a row"
    assert {k for c in certificates for k in (c.png_key, c.pdf_key)} <= listed
