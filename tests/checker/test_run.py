"""check_events itself: states, issuing, budget, failures and back-off, the run history."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.checker.models import CheckerRun, IssueClaim, IssueFailure, Outcome
from app.checker.run import check_events
from app.database import utcnow
from app.extensions import db
from app.models import Certificate, Event, Participant
from tests.checker.helpers import (
    ENDED_AT,
    add_participants,
    assert_exactly_once,
    make_event,
    make_organizer,
    seed,
    small_background,
)

pytestmark = pytest.mark.usefixtures("ctx")


def test_moves_events_by_the_clock():
    owner = make_organizer()
    now = utcnow()
    ended = make_event(owner, "Ended", ends_at=now - timedelta(hours=1), status="scheduled")
    live = make_event(owner, "Live", ends_at=now + timedelta(hours=1), status="scheduled")
    later = make_event(owner, "Later", ends_at=now + timedelta(days=2), status="live")
    settled = make_event(owner, "Settled", ends_at=now + timedelta(days=3), status="scheduled")
    db.session.commit()

    result = check_events()

    statuses = dict(db.session.execute(sa.select(Event.id, Event.status)).all())
    assert statuses == {ended: "ended", live: "live", later: "scheduled", settled: "scheduled"}
    assert result.events_moved == 3
    assert check_events().events_moved == 0


def test_issues_only_attended_participants_of_ended_events():
    owner = make_organizer()
    ended = make_event(owner, "Ended")
    upcoming = make_event(owner, "Upcoming", ends_at=utcnow() + timedelta(days=1))
    owed = add_participants(ended, 6, attended_every=2)
    add_participants(upcoming, 3)
    db.session.commit()

    result = check_events()

    assert (result.outcome, result.issued, result.failed, result.remaining) == ("done", 3, 0, 0)
    assert_exactly_once(owed)
    again = check_events()
    assert (again.issued, again.remaining) == (0, 0)


def test_records_each_run():
    owed = seed(events=1, per_event=3)
    result = check_events()
    run = db.session.get(CheckerRun, result.run_id)
    assert run.outcome == Outcome.DONE
    assert (run.events_moved, run.issued, run.failed, run.remaining) == (1, len(owed), 0, 0)
    assert run.trigger == "call"
    assert run.finished_at >= run.started_at


def test_a_short_budget_returns_in_time_and_reports_what_remains():
    owed = seed(events=2, per_event=30)
    warm_up_rendering()

    started = time.monotonic()
    first = check_events(budget_seconds=1)
    elapsed = time.monotonic() - started

    assert elapsed < 1.5
    assert first.outcome == Outcome.TIME_UP
    assert first.issued > 0
    assert first.remaining == len(owed) - first.issued
    runs = 1
    while (result := check_events(budget_seconds=1)).outcome == Outcome.TIME_UP:
        runs += 1
        assert runs < 60
    assert result.remaining == 0
    assert_exactly_once(owed)


def warm_up_rendering() -> None:
    """Load Pillow, the fonts and the template once, as any run after a process's first has."""
    from app.certificates.rendering import render_preview

    render_preview(None, small_background())


def test_a_failing_participant_is_recorded_retried_with_back_off_and_never_blocks_others(
    monkeypatch,
):
    from app.storage import StorageError, get_storage

    owed = seed(events=1, per_event=5)
    unlucky = owed[2]
    storage = get_storage()
    real_put = storage.put

    def put(key, data, content_type="application/octet-stream"):
        # Keys carry the attempt's code; its claim says whose attempt it is.
        code = key.removeprefix("certificates/").rsplit(".", 1)[0]
        claimant = db.session.scalar(
            sa.select(IssueClaim.participant_id).where(IssueClaim.code == code)
        )
        db.session.rollback()
        if claimant == unlucky:
            raise StorageError("storage is down for this one")
        real_put(key, data, content_type)

    monkeypatch.setattr(storage, "put", put)
    now = utcnow()

    first = check_events(now=now)
    assert (first.issued, first.failed, first.remaining, first.deferred) == (4, 1, 1, 1)
    assert first.outcome == Outcome.DONE
    failure = db.session.scalar(sa.select(IssueFailure))
    assert failure.participant_id == unlucky
    assert failure.attempts == 1
    assert "storage is down" in failure.last_error
    assert failure.next_attempt_at == now + timedelta(minutes=1)

    # Before the back-off ends nothing is tried; after it, it is tried and fails again.
    assert check_events(now=now + timedelta(seconds=30)).failed == 0
    second = check_events(now=now + timedelta(minutes=1))
    assert second.failed == 1
    db.session.refresh(failure)
    assert failure.attempts == 2
    assert failure.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)

    monkeypatch.setattr(storage, "put", real_put)
    assert check_events(now=now + timedelta(minutes=2)).issued == 0
    third = check_events(now=now + timedelta(minutes=3))
    assert (third.issued, third.failed, third.remaining) == (1, 0, 0)
    assert db.session.scalar(sa.select(sa.func.count(IssueFailure.id))) == 0
    assert_exactly_once(owed)


def test_back_off_grows_and_is_capped_at_an_hour():
    from app.checker.failures import retry_delay

    minutes = [retry_delay(n).total_seconds() / 60 for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_name_that_cannot_be_drawn_fails_alone():
    from app.participants.models import Participant

    owner = make_organizer()
    event = make_event(owner)
    owed = add_participants(event, 3)
    db.session.get(Participant, owed[0]).name = "Taro \U0001f600"  # no shipped font has emoji
    db.session.commit()

    result = check_events()

    assert (result.issued, result.failed) == (2, 1)
    failure = db.session.scalar(sa.select(IssueFailure))
    assert failure.participant_id == owed[0]
    assert "UndrawableTextError" in failure.last_error


def test_an_unexpected_error_is_recorded_without_its_details(monkeypatch):
    import app.checker.issue as issue

    seed(events=1, per_event=1)

    def broken(draft, storage):
        raise KeyError("internal detail")

    monkeypatch.setattr(issue, "write_files", broken)
    assert check_events().failed == 1
    error = db.session.scalar(sa.select(IssueFailure.last_error))
    assert error == "Unexpected KeyError; the server log has the details."


def test_missing_base_url_fails_the_run_by_name(app):
    seed(events=1, per_event=2)
    app.config["BASE_URL"] = None

    result = check_events()

    assert result.outcome == Outcome.FAILED
    assert "BASE_URL" in result.error
    # A failed run still says what is left, and gave back the claims it took.
    assert (result.issued, result.remaining) == (0, 2)
    assert db.session.scalar(sa.select(sa.func.count(IssueClaim.participant_id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(IssueFailure.id))) == 0
    assert db.session.get(CheckerRun, result.run_id).outcome == Outcome.FAILED


def test_a_run_limited_to_one_event_leaves_the_others():
    owner = make_organizer()
    first, second = make_event(owner, "First"), make_event(owner, "Second")
    owed = add_participants(first, 2)
    add_participants(second, 2)
    db.session.commit()

    result = check_events(event_id=first)

    assert (result.events_moved, result.issued, result.remaining) == (1, 2, 0)
    assert db.session.get(Event, second).status == "live"
    assert set(db.session.scalars(sa.select(Certificate.participant_id))) == set(owed)


def test_runs_whose_lease_lapsed_are_marked_abandoned():
    now = utcnow()
    lapsed = CheckerRun(
        trigger="cron",
        budget_seconds=50,
        started_at=now - timedelta(seconds=20),
        expires_at=now - timedelta(seconds=1),
        outcome="running",
    )
    live = CheckerRun(
        trigger="cli",
        budget_seconds=240,
        started_at=now - timedelta(seconds=200),
        expires_at=now + timedelta(seconds=30),
    )
    # Recorded before leases existed: budget plus a margin.
    legacy = CheckerRun(
        trigger="cron", budget_seconds=50, started_at=now - timedelta(seconds=50 + 61)
    )
    db.session.add_all([lapsed, live, legacy])
    db.session.commit()

    check_events()

    db.session.expire_all()
    assert (lapsed.outcome, legacy.outcome) == (Outcome.ABANDONED, Outcome.ABANDONED)
    assert "killed" in lapsed.error
    assert live.outcome == Outcome.RUNNING


def test_old_history_is_pruned():
    ancient = CheckerRun(
        trigger="cron", budget_seconds=50, started_at=utcnow() - timedelta(days=31), outcome="done"
    )
    db.session.add(ancient)
    db.session.commit()
    check_events()
    assert db.session.scalar(sa.select(sa.func.count(CheckerRun.id))) == 1


def test_the_unique_index_is_only_a_backstop(monkeypatch):
    """An attempt that slips past its claim's checks loses at the index: its files go,
    it is neither failed nor counted."""
    import app.checker.claims as claims

    owed = seed(events=1, per_event=3)
    first = check_events(participant_id=owed[1])
    assert first.issued == 1

    # The claim pretends the participant is still owed, as a stale snapshot would.
    def stale_due(now, event_id=None, participant_id=None):
        return sa.select(Participant).where(Participant.id.in_(owed)).order_by(Participant.id)

    monkeypatch.setattr(claims, "due", stale_due)
    monkeypatch.setattr(claims, "owed", lambda: [Participant.attended.is_(True)])
    monkeypatch.setattr("app.certificates.issuing.current_certificate", lambda _id: None)

    result = check_events()

    assert (result.outcome, result.issued, result.failed) == ("done", 2, 0)
    assert db.session.scalar(sa.select(sa.func.count(IssueFailure.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(IssueClaim.participant_id))) == 0
    assert_exactly_once(owed)


def test_dates_in_the_scenario_are_in_the_past():
    assert utcnow() > ENDED_AT


def test_no_database_connection_is_held_while_files_are_made(monkeypatch):
    import app.checker.issue as issue

    seed(events=1, per_event=12)
    real, seen = issue.write_files, []

    def watched(draft, storage):
        seen.append(db.engine.pool.checkedout())
        return real(draft, storage)

    monkeypatch.setattr(issue, "write_files", watched)
    result = check_events()
    assert result.issued == 12
    assert seen == [0] * 12


def test_work_claimed_by_another_live_run_is_reported_held():
    from app.certificates.codes import new_code

    owed = seed(events=1, per_event=3)
    db.session.add(
        IssueClaim(
            participant_id=owed[0],
            run_id=None,
            token="another-run",
            code=new_code(),
            stale_codes="",
            expires_at=utcnow() + timedelta(minutes=1),
        )
    )
    db.session.commit()

    result = check_events()

    assert (result.outcome, result.issued, result.remaining, result.held) == ("held", 2, 1, 1)
    assert db.session.get(CheckerRun, result.run_id).held == 1


def test_a_lapsed_claim_is_taken_over_and_its_files_deleted():
    from app.certificates.codes import new_code
    from app.storage import get_storage

    owed = seed(events=1, per_event=2)
    dead = new_code()
    get_storage().put(f"certificates/{dead}.png", b"half of a dead run's work", "image/png")
    db.session.add(
        IssueClaim(
            participant_id=owed[0],
            run_id=None,
            token="a-killed-run",
            code=dead,
            stale_codes="",
            expires_at=utcnow() - timedelta(seconds=1),
        )
    )
    db.session.commit()

    result = check_events()

    assert (result.outcome, result.issued) == ("done", 2)
    assert_exactly_once(owed)


def test_the_claim_query_reads_only_participants_still_owed_a_certificate():
    """`participants.certified` follows the certificates, and the claim query's plan
    goes through the partial index of the participants it is False for."""
    from app.certificates.issuing import current_certificate, request_reissue
    from app.checker.work import due

    (first, second) = seed(1, 2)
    check_events()
    certified = dict(db.session.execute(sa.select(Participant.id, Participant.certified)).all())
    assert certified == {first: True, second: True}

    request_reissue(current_certificate(first), utcnow())
    db.session.commit()
    assert db.session.get(Participant, first).certified is False
    assert [p.id for p in db.session.scalars(due(utcnow()))] == [first]
    check_events()
    assert db.session.get(Participant, first).certified is True
    assert_exactly_once([first, second])

    compiled = due(utcnow()).limit(10).compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    else:  # on a table this small PostgreSQL would rather scan it all
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = db.session.execute(sa.text(f"EXPLAIN {compiled}")).all()
    db.session.rollback()
    assert "ix_participants_owed" in " ".join(str(row) for row in plan)
