"""`check_events`: the one job every trigger (cron route, CLI, "Issue now") calls.

A run moves events through scheduled, live and ended by the clock, then issues
the missing certificates of attended participants of ended events, batch by
batch, each batch committed on its own, until nothing is due or its time
budget is spent. It commits the session as it goes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from app.checker.claims import ClaimTimeout, claimed_batch, write_transaction
from app.checker.failures import clear_failures, describe, retry_now
from app.checker.issue import Attempt, RunError, issue_one, preflight
from app.checker.models import Outcome, Trigger
from app.checker.runs import finish_run, start_run
from app.checker.work import backlog
from app.database import utcnow
from app.events.models import Event, EventStatus, status_at
from app.extensions import db

BATCH_SIZE = 10
# Time kept in hand for one more certificate: before this run has timed one,
# a guess (at most half the budget); then 1.5 times the slowest so far.
FIRST_RESERVE_SECONDS = 0.5
RESERVE_FACTOR = 1.5
# How long recording a run's start or end may wait for SQLite's write lock.
LOCK_WAIT_SECONDS = 30.0

log = logging.getLogger(__name__)

# on_progress(done, total): certificates attempted so far in this run, of those due at its start.
ProgressCallback = Callable[[int, int], None]


@dataclass
class CheckResult:
    run_id: int
    trigger: str
    event_id: int | None
    outcome: str = Outcome.RUNNING.value
    events_moved: int = 0
    issued: int = 0
    failed: int = 0
    remaining: int = 0  # attended participants of ended events still without a certificate
    deferred: int = 0  # of those, waiting out a back-off after a failure
    duration: float = 0.0
    error: str | None = None

    @property
    def due(self) -> int:
        return self.remaining - self.deferred

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "due": self.due, "duration": round(self.duration, 3)}


@dataclass
class _Clock:
    deadline: float
    budget: float
    slowest: float = field(default=0.0)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def room_for_one(self) -> bool:
        if self.slowest:
            reserve = RESERVE_FACTOR * self.slowest
        else:  # a tiny budget still gets its first certificate
            reserve = min(FIRST_RESERVE_SECONDS, self.budget / 2)
        return self.left() > reserve

    def timed(self, started: float) -> None:
        self.slowest = max(self.slowest, time.monotonic() - started)


def check_events(
    now: datetime | None = None,
    budget_seconds: float | None = None,
    event_id: int | None = None,
    *,
    trigger: str = Trigger.CALL.value,
    retry_failed: bool = False,
    on_progress: ProgressCallback | None = None,
) -> CheckResult:
    """Run the checker once, within `budget_seconds` (default CHECKER_BUDGET_SECONDS).

    `now` is the clock for event states and back-off (tests move it);
    `event_id` limits the run to one event; `retry_failed` makes that event's
    failed certificates due at once; `on_progress(done, total)` follows progress.
    Needs an app context. Raises only if the run cannot even be recorded.
    """
    started = time.monotonic()
    if budget_seconds is None:
        budget_seconds = current_app.config["CHECKER_BUDGET_SECONDS"]
    budget = float(budget_seconds)
    now = now or utcnow()
    clock = _Clock(deadline=started + budget, budget=budget)
    run_id = start_run(trigger, event_id, budget, deadline=started + max(budget, LOCK_WAIT_SECONDS))
    result = CheckResult(run_id=run_id, trigger=trigger, event_id=event_id)
    try:
        try:
            with write_transaction(clock.deadline):
                result.events_moved = move_events(now, event_id)
                if retry_failed and event_id is not None:
                    retry_now(event_id, now)
            progress = _progress(on_progress, now, event_id, result)
            out_of_time = _issue_due(now, event_id, clock, result, progress)
        except ClaimTimeout:
            out_of_time = True  # other runs held SQLite's write lock all along
        left = backlog(now, event_id)
        result.remaining, result.deferred = left.remaining, left.deferred
        result.outcome = (Outcome.TIME_UP if out_of_time and left.due else Outcome.DONE).value
    except Exception as exc:
        db.session.rollback()
        result.outcome = Outcome.FAILED.value
        result.error = str(exc) if isinstance(exc, RunError) else describe(exc)
        log.exception("checker run %s failed", run_id)
    result.duration = time.monotonic() - started
    _finish(result)
    return result


def move_events(now: datetime, event_id: int | None = None) -> int:
    """Set each event's status to what the clock says; count the events this run moved."""
    # Ended events whose end is past are final; only the others can move.
    query = sa.select(Event.id, Event.status, Event.starts_at, Event.ends_at).where(
        sa.or_(Event.status != EventStatus.ENDED.value, Event.ends_at > now)
    )
    if event_id is not None:
        query = query.where(Event.id == event_id)
    moved = 0
    for row in db.session.execute(query).all():
        target = status_at(row.starts_at, row.ends_at, now).value
        if target != row.status:
            # Conditional on the old status: of two overlapping runs, one moves it.
            update = (
                sa.update(Event)
                .where(Event.id == row.id, Event.status == row.status)
                .values(status=target)
            )
            moved += db.session.execute(update).rowcount
    return moved


def _issue_due(
    now: datetime,
    event_id: int | None,
    clock: _Clock,
    result: CheckResult,
    progress: Callable[[], None],
) -> bool:
    """Issue batch after batch; True if the budget stopped it, False if nothing was due."""
    checked = False
    while clock.room_for_one():
        with claimed_batch(now, event_id, BATCH_SIZE, clock.deadline) as batch:
            if not batch:
                return False
            if not checked:
                preflight()
                checked = True
            issued = []
            for participant in batch:
                if not clock.room_for_one():
                    break
                started = time.monotonic()
                attempt = issue_one(participant, now)
                clock.timed(started)
                if attempt == Attempt.ISSUED:
                    result.issued += 1
                    issued.append(participant.id)
                elif attempt == Attempt.FAILED:
                    result.failed += 1
                progress()
            clear_failures(issued)
    return True


def _progress(
    callback: ProgressCallback | None, now: datetime, event_id: int | None, result: CheckResult
) -> Callable[[], None]:
    """A no-argument reporter for the issue loop; counts what is due only if someone listens."""
    if callback is None:
        return lambda: None
    total = backlog(now, event_id).due
    callback(0, total)
    return lambda: callback(result.issued + result.failed, total)


def _finish(result: CheckResult) -> None:
    try:
        finish_run(
            result.run_id,
            deadline=time.monotonic() + LOCK_WAIT_SECONDS,
            outcome=result.outcome,
            events_moved=result.events_moved,
            issued=result.issued,
            failed=result.failed,
            remaining=result.remaining,
            deferred=result.deferred,
            error=result.error,
        )
    except (sa.exc.DBAPIError, ClaimTimeout):
        # The result still reaches the caller; a later run marks this one abandoned.
        db.session.rollback()
        log.exception("could not record the end of checker run %s", result.run_id)
    log.info(
        "checker run %s (%s): %s; moved %s, issued %s, failed %s, remaining %s (%s deferred), "
        "%.1f s",
        result.run_id,
        result.trigger,
        result.outcome,
        result.events_moved,
        result.issued,
        result.failed,
        result.remaining,
        result.deferred,
        result.duration,
    )
