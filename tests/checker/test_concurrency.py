"""Separate processes at once, and processes killed mid-batch: every certificate exactly once.

PostgreSQL runs against S3 (moto on loopback), SQLite against local storage.
"""

from __future__ import annotations

import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
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
    # Enough certificates that all eight processes contend for batches; more only
    # lengthens the suite (each real-text certificate costs about 1 s of CPU here).
    # SQLite renders one batch at a time whatever the number of processes.
    per_event = 30 if database_url.startswith("sqlite") else 60
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
        print(text)
        # Runs that found the rest claimed by others said so, then waited for it.
        assert text.strip().splitlines()[-1].split(": ")[1].startswith("done"), text
    assert_exactly_once(owed, check_digests=20)
    runs = db.session.scalars(sa.select(CheckerRun)).all()
    assert {run.outcome for run in runs} <= {Outcome.DONE, Outcome.HELD}
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

    # The clean run waited for the killed runs' claims to lapse, took them over and
    # deleted what they had stored. The killed runs' leases lapse with their claims;
    # the first run after that marks them abandoned, keeping what they had committed.
    leases = db.session.scalars(
        sa.select(CheckerRun.expires_at).where(CheckerRun.outcome == Outcome.RUNNING.value)
    ).all()
    time.sleep(max(0.0, max(leases, default=utcnow()).timestamp() - time.time()) + 0.1)
    check_events()
    db.session.rollback()
    runs = db.session.scalars(sa.select(CheckerRun).order_by(CheckerRun.id)).all()
    outcomes = [run.outcome for run in runs]
    assert outcomes[:killed] == [Outcome.ABANDONED] * killed
    assert Outcome.RUNNING not in outcomes
    assert sum(run.issued for run in runs) == len(owed)


# --- every trigger at once, against a real server ----------------------------------

PASSWORD = "correct horse racing 9"


def signed_in(base_url: str, email: str):
    from tests.edge_client import EdgeClient

    client = EdgeClient(base_url)
    token = client.csrf_token("/auth/login")
    response = client.form(
        "/auth/login", {"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status == 302, response.text[:500]
    return client


def test_issue_clicks_race_checker_runs_and_issue_now(env, database_url):
    """Per-participant Issue clicks, Issue now, the cron route and CLI runs, all at
    once on one event, through gunicorn: no 5xx, every certificate once, every
    file its own row's, nothing else in storage."""
    from concurrent.futures import ThreadPoolExecutor

    from app.auth.accounts import create_organizer
    from tests.checker.helpers import CRON_SECRET, gunicorn_env
    from tests.containers.gunicorn_server import running_gunicorn

    per_event = 24 if database_url.startswith("sqlite") else 60
    owner = create_organizer("racer@example.org", PASSWORD).id
    event = make_event(owner, "Race")
    owed = add_participants(event, per_event)
    db.session.commit()
    statuses: list[tuple[str, int]] = []
    server_env = gunicorn_env(env, CRON_SECRET=CRON_SECRET, CHECKER_BUDGET_SECONDS="20")
    with running_gunicorn(server_env) as server:
        clients = [signed_in(server.base_url, "racer@example.org") for _ in range(4)]
        token = clients[0].csrf_token(f"/events/{event}")

        def clicks(client, seed: int) -> None:
            order = list(owed)
            random.Random(seed).shuffle(order)
            page_token = client.csrf_token(f"/events/{event}")
            for pid in order:
                path = f"/events/{event}/certificates/issue/{pid}"
                statuses.append((path, client.form(path, {"csrf_token": page_token}).status))

        def issue_now(client) -> None:
            page_token = client.csrf_token(f"/events/{event}")
            for _ in range(12):
                path = f"/events/{event}/issue-now"
                response = client.request(
                    "POST",
                    path,
                    form={"csrf_token": page_token},
                    headers={"Accept": "application/json"},
                )
                statuses.append((path, response.status))

        def cron() -> None:
            from tests.edge_client import EdgeClient

            machine = EdgeClient(server.base_url)
            for _ in range(6):
                response = machine.get(
                    "/api/cron/check-events", headers={"Authorization": f"Bearer {CRON_SECRET}"}
                )
                statuses.append(("cron", response.status))

        processes = [flask_check(env, "--until-done") for _ in range(2)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            jobs = [pool.submit(clicks, clients[n], n) for n in range(3)]
            jobs += [pool.submit(issue_now, clients[3]), pool.submit(cron), pool.submit(cron)]
            for job in jobs:
                job.result()
        for process in processes:
            assert process.wait(timeout=600) in (0, 1), output(process)
        assert token
        log = server.log()
    errors = [s for s in statuses if s[1] >= 500]
    assert errors == [], "\n".join(line for line in log.splitlines() if "Error" in line)
    clean = flask_check(env, "--until-done")
    assert clean.wait(timeout=300) == 0, output(clean)
    assert_exactly_once(owed)


def claims_held() -> list[tuple[str, object]]:
    from app.checker.models import IssueClaim

    db.session.rollback()
    return db.session.execute(sa.select(IssueClaim.code, IssueClaim.expires_at)).all()


# A stopped SQLite writer holds the whole database's lock.
@pytest.mark.only_with("postgresql")
def test_a_run_frozen_past_its_claims_resumes_without_harm(env, database_url):
    """SIGSTOP a run while it holds claims, let them lapse and another run finish the
    work, then SIGCONT: the stale run records nothing, and after the runs that
    follow, no object of its is left."""
    owed = seed(events=1, per_event=40)
    frozen = flask_check(env, "--budget", "4")
    deadline = time.monotonic() + 60
    while not claims_held() and time.monotonic() < deadline:
        time.sleep(0.01)
    frozen.send_signal(signal.SIGSTOP)
    try:
        held = claims_held()
        assert held, "the run should have claimed a batch"
        lapse = max(expires for _code, expires in held)
        time.sleep(max(0.0, lapse.timestamp() - time.time()) + 0.2)
        clean = flask_check(env, "--until-done")
        assert clean.wait(timeout=300) == 0, output(clean)
        assert certificates() == len(owed)
    finally:
        frozen.send_signal(signal.SIGCONT)
    frozen.wait(timeout=60)
    issued = {code for (code,) in db.session.execute(sa.select(Certificate.code))}
    assert not issued & {code for code, _ in held}, "a lapsed claim's code was recorded"
    # Each run sweeps one slice of certificates/ for files no row accounts for.
    for _ in range(32):
        check_events()
    assert_exactly_once(owed)
    frozen_run = db.session.scalars(sa.select(CheckerRun).order_by(CheckerRun.id)).first()
    assert frozen_run.outcome in (Outcome.ABANDONED, Outcome.FAILED)


# SQLite's write lock serialises claims; the race is PostgreSQL's.
@pytest.mark.only_with("postgresql")
def test_a_batch_comes_back_empty_only_when_the_rest_is_being_claimed(app):
    """Claimers racing for one backlog: a claim whose snapshot predates another's
    committed claims finds those rows unlocked (SKIP LOCKED does not skip them) and
    its inserts for them do nothing. It must take the next due participants, not
    come back empty while work is due: an empty batch ends a run as "held"."""
    from app.checker.claims import claim_batch
    from app.checker.run import move_events
    from app.checker.work import due

    threads, size = 4, 10
    owed = seed(events=1, per_event=600, background=False)
    move_events(utcnow())  # the event's status becomes "ended": its participants are due
    db.session.commit()
    lease = utcnow() + timedelta(seconds=120)
    claimed: list[int] = []

    def claim_until_empty() -> int:
        """Claims batch after batch; how many were still due after the empty one."""
        with app.app_context():
            while True:
                batch = claim_batch(
                    run_id=None,
                    now=utcnow(),
                    event_id=None,
                    participant_id=None,
                    size=size,
                    lease_until=lease,
                    deadline=time.monotonic() + 60,
                    verify_base="http://localhost",
                )
                if not batch:
                    # Counted after the empty batch: no more than were due when it ran.
                    query = sa.select(sa.func.count()).select_from(due(utcnow()).subquery())
                    return db.session.scalar(query)
                claimed.extend(claim.participant_id for claim in batch)

    with ThreadPoolExecutor(threads) as pool:
        left_when_empty = [pool.submit(claim_until_empty) for _ in range(threads)]
        left_when_empty = [job.result(timeout=120) for job in left_when_empty]
    assert sorted(claimed) == sorted(owed)
    # An empty batch is right only while the other claimers' batches are in flight.
    assert max(left_when_empty) <= size * (threads - 1), left_when_empty


def test_workers_share_the_backlog_each_certificate_exactly_once(env):
    """`--workers N`: N processes, each its own runs and budget, claiming from one queue."""
    owed = seed(events=3, per_event=6)
    # Small enough that each worker makes several runs; large enough for a cold
    # process's first certificate on a busy machine.
    budget = 15.0
    worker = flask_check(env, "--until-done", "--workers", "3", "--budget", str(budget))
    assert worker.wait(timeout=300) == 0, output(worker)

    assert_exactly_once(owed)
    runs = db.session.scalars(sa.select(CheckerRun)).all()
    assert sum(run.issued for run in runs) == len(owed)
    assert len(runs) >= 3, "each worker makes at least one run"
    for run in runs:
        assert run.outcome in {Outcome.DONE, Outcome.HELD, Outcome.TIME_UP}
        # Within the budget and the run's hard stop (check_events.HARD_STOP_SECONDS).
        assert (run.finished_at - run.started_at).total_seconds() <= budget + 1.0
