"""Fan-out under Vercel's own launcher: several function instances behind a small
router standing in for the platform's edge. One cron call on a backlog larger than
its budget starts further invocations of the cron route through the router; they
spread over the instances, never more than CHECKER_FAN_OUT at once, each within
its budget, until every attendee has exactly one certificate whose files match.
Issue now on a large event does the same for that event, and the progress the page
polls follows the whole backlog, whichever instance issued each certificate."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager

import sqlalchemy as sa

from tests.checker.fan_out_checks import assert_runs_kept_their_limits, runs_working, wait_until
from tests.vercel import scenario
from tests.vercel.launcher import PlatformClient, launch
from tests.vercel.router import running_router
from tests.vercel.test_issue_progress import ended_event

INSTANCES = 3
FAN_OUT = 2
BUDGET = 8.0  # small, so that the backlog needs several (room for a cold first certificate)
ATTENDEES = 40
LARGE_EVENT = 60  # for Issue now: far more than a short round and its first invocations cover
ROUND = "3"  # seconds the press asks for: room for a cold instance's first certificates


def test_a_cron_call_fans_out_over_instances_until_the_backlog_is_done(
    project_copy, platform_database, s3_endpoint, s3_bucket
):
    database_url, organizer = platform_database
    event_id = ended_event(database_url, organizer.email, ATTENDEES)
    storage = s3_storage(s3_endpoint, s3_bucket)
    with fanning_instances(project_copy, database_url, storage) as (router, instances):
        request = urllib.request.Request(
            router.url + "/api/cron/check-events",
            headers={"Authorization": f"Bearer {scenario.CRON_SECRET}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{exc.read().decode()}\n{_logs(instances)}") from None
        app = _app(database_url, storage)
        with app.app_context():
            done = wait_until(lambda: _finished(event_id, ATTENDEES), 240)
        assert done, "the fan-out stopped before the backlog was done"

    with app.app_context():
        _assert_each_attendee_once(event_id)
        assert_runs_kept_their_limits(FAN_OUT)
    assert len(set(router.routed)) > 1, "the invocations should reach several instances"


def test_issue_now_on_a_large_event_fans_out_and_its_bar_follows_the_whole_backlog(
    project_copy, platform_database, s3_endpoint, s3_bucket
):
    """One press, as without JavaScript: its round issues a few and starts invocations
    for that event; the progress the page polls then counts theirs, up to the end."""
    database_url, organizer = platform_database
    event_id = ended_event(database_url, organizer.email, LARGE_EVENT)
    storage = s3_storage(s3_endpoint, s3_bucket)
    path = f"/events/{event_id}/issue-now"
    json_only = {"Accept": "application/json"}
    with fanning_instances(project_copy, database_url, storage) as (router, instances):
        browser = PlatformClient(router.url)  # each request to the next instance
        token = scenario.csrf_token(browser.get("/auth/login"))
        browser.post(
            "/auth/login",
            form={"email": organizer.email, "password": organizer.password, "csrf_token": token},
        )
        token = scenario.csrf_token(browser.get(f"/events/{event_id}"))
        pressed = browser.post(
            path, form={"csrf_token": token, "retry": "0", "seconds": ROUND}, headers=json_only
        )
        assert pressed.status == 200, f"{pressed.text[:2000]}\n{_logs(instances)}"
        answer = pressed.json()
        run = answer["run"]
        assert run["fanned_out"] >= 1 and run["fan_out_error"] is None, run
        assert answer["total"] == LARGE_EVENT and answer["due"] > 0, answer
        bar = [answer["issued"]]

        def whole_event_issued() -> bool:
            progress = browser.get(path, headers=json_only)
            assert progress.status == 200, progress.text[:500]
            body = progress.json()
            assert body["total"] == LARGE_EVENT, body
            bar.append(body["issued"])
            return body["due"] == 0 and runs_working() == 0

        app = _app(database_url, storage)
        with app.app_context():
            done = wait_until(whole_event_issued, 240)
        assert done, f"the invocations stopped before the event was done: {bar}"

    assert bar == sorted(bar) and bar[-1] == LARGE_EVENT, bar
    after_press = {n for n in bar if bar[0] < n < LARGE_EVENT}
    assert after_press, f"the bar did not move after the press: {bar}"
    with app.app_context():
        _assert_each_attendee_once(event_id)
        fanned = assert_runs_kept_their_limits(FAN_OUT)
    mine = [r for r in fanned if r.event_id == event_id]
    assert sum(r.issued for r in mine) > 0, "the invocations for this event issued nothing"
    assert len(set(router.routed)) > 1


def s3_storage(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "STORAGE_URL": f"s3://{bucket}/certificates",
        "S3_ENDPOINT_URL": endpoint,
        "S3_ADDRESSING_STYLE": "path",
    }


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


def _logs(instances) -> str:
    return "\n".join(line for i in instances for line in [*i.logs(), i.stderr()])[-5000:]


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


def _finished(event_id: int, attendees: int) -> bool:
    from app.extensions import db
    from app.models import Certificate

    issued = db.session.scalar(
        sa.select(sa.func.count(Certificate.id)).where(Certificate.event_id == event_id)
    )
    return issued >= attendees and runs_working() == 0


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
