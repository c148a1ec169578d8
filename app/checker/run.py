"""`check_events`: the one job every trigger (cron route, CLI, Issue buttons) calls.

A run moves events through scheduled, live and ended by the clock, then issues
the missing certificates of attended participants of ended events, batch by
batch, until nothing is due or its time budget is spent. Each batch is three
short steps: claim (a committed transaction), render and store (no database
connection held), record (a committed, fenced transaction).

The run works in a thread of its own that the caller waits for: with budget
B the caller has its answer within B + HARD_STOP_SECONDS even if storage or
the database stops answering mid-call. A run stopped that way is marked
abandoned by the next one once its lease lapses, and its claims are taken over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.certificates.issuing import verify_base
from app.checker.claims import ClaimTimeout, claim_batch, release, write_transaction
from app.checker.failures import describe, retry_now
from app.checker.fan_out import Dispatch, fan_out, record_fan_out, settle, wanted
from app.checker.hygiene import sweep_storage
from app.checker.issue import RunError, commit_batch, preflight, write_batch
from app.checker.models import Outcome, Trigger
from app.checker.runs import finish_run, start_run
from app.checker.work import Backlog, backlog
from app.database import utcnow
from app.events.models import Event, EventStatus, status_at
from app.extensions import db
from app.storage import Storage, get_storage

BATCH_SIZE = 10
# Until a run has timed a certificate its leases are a guess, and a cold process (a
# new worker, a fresh serverless instance) renders its first ones slowly: it claims
# this few first, so that a lapsed guess never costs others a whole batch.
FIRST_BATCH_SIZE = 2
# Time kept in hand for one more certificate: before this run has timed one,
# a guess (at most half the budget); then 1.5 times the slowest so far.
FIRST_RESERVE_SECONDS = 0.5
RESERVE_FACTOR = 1.5
# The caller's answer comes at most this long after the budget, whatever hangs.
HARD_STOP_SECONDS = 1.0
# A batch's lease: three times what its certificates are expected to take,
# within these bounds, and never past the run's hard stop.
LEASE_FACTOR = 3.0
LEASE_MIN_SECONDS = 10.0
LEASE_MAX_SECONDS = 120.0
# A certificate's storage calls stop this long before the deadline, leaving time to
# delete a half-stored attempt and record the failure.
RECORD_RESERVE_SECONDS = 1.0
# Starting successors after the run is recorded needs a transaction and a moment to
# hear refusals, inside the hard stop.
SUCCESSOR_RESERVE_SECONDS = 0.7
# Storage housekeeping needs a listing or two; only with this much time left.
SWEEP_RESERVE_SECONDS = 3.0

log = logging.getLogger(__name__)

# on_progress(done, total): certificates attempted so far in this run, of those due at its start.
ProgressCallback = Callable[[int, int], None]


@dataclass
class CheckResult:
    run_id: int | None
    trigger: str
    event_id: int | None
    outcome: str = Outcome.RUNNING.value
    events_moved: int = 0
    issued: int = 0  # committed in this run
    failed: int = 0
    mailed: int = 0  # messages sent in this run
    mail_failed: int = 0  # send attempts that failed (retried later or given up)
    remaining: int | None = 0  # attended participants of ended events still owed a certificate
    deferred: int | None = 0  # of those, waiting out a back-off after a failure
    held: int | None = 0  # of those, claimed by another live run
    duration: float = 0.0
    error: str | None = None
    fanned_out: int = 0  # invocations of the cron route this run started
    fan_out_error: str | None = None
    codes: list[str] = field(default_factory=list, repr=False)  # issued in this run
    dispatches: list[Dispatch] = field(default_factory=list, repr=False)
    # Stopped at the hard deadline: its thread may still be stuck in a call.
    stopped: bool = field(default=False, repr=False)

    @property
    def due(self) -> int | None:
        if self.remaining is None or self.deferred is None:
            return None
        return self.remaining - self.deferred

    def as_dict(self) -> dict[str, object]:
        hidden = {"codes", "stopped", "dispatches"}  # dispatches hold threads: no copying
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
        return {**data, "due": self.due, "duration": round(self.duration, 3)}


@dataclass
class _Clock:
    started: float
    budget: float
    cancelled: threading.Event
    slowest: float = 0.0

    @property
    def deadline(self) -> float:
        return self.started + self.budget

    @property
    def hard_stop(self) -> float:
        return self.deadline + HARD_STOP_SECONDS

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def room_for_one(self) -> bool:
        if self.cancelled.is_set():
            return False
        if self.slowest:
            reserve = RESERVE_FACTOR * self.slowest
        else:  # a tiny budget still gets its first certificate
            reserve = min(FIRST_RESERVE_SECONDS, self.budget / 2)
        return self.left() > reserve

    def storage(self, first: bool = False) -> Storage | None:
        """Storage bounded by the time left, or None when no certificate fits any more.

        A batch's first certificate only needs time left: the room for it was
        checked before the claim, which may have waited for a lock.
        """
        room = self.left() > 0 and not self.cancelled.is_set() if first else self.room_for_one()
        if not room:
            return None
        # Calls give up early enough to delete what they may have left and record why.
        return get_storage().bounded(self.left() - RECORD_RESERVE_SECONDS)

    def cleanup_storage(self) -> Storage:
        """Storage for deleting a lost attempt's files: at most until the hard stop."""
        return get_storage().bounded(self.hard_stop - time.monotonic() - 0.3)

    @contextmanager
    def timed(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.slowest = max(self.slowest, time.monotonic() - started)

    def lease_until(self) -> datetime:
        expected = BATCH_SIZE * max(self.slowest, FIRST_RESERVE_SECONDS / 5)
        seconds = min(max(LEASE_FACTOR * expected, LEASE_MIN_SECONDS), LEASE_MAX_SECONDS)
        seconds = min(seconds, self.hard_stop - time.monotonic())
        return utcnow() + timedelta(seconds=max(seconds, 0.1))


@dataclass(frozen=True)
class _Scope:
    now: datetime
    event_id: int | None
    participant_id: int | None
    verify_base: str | None
    adopt: int | None = None


def check_events(
    now: datetime | None = None,
    budget_seconds: float | None = None,
    event_id: int | None = None,
    *,
    participant_id: int | None = None,
    trigger: str = Trigger.CALL.value,
    retry_failed: bool = False,
    on_progress: ProgressCallback | None = None,
    adopt: int | None = None,
) -> CheckResult:
    """Run the checker once, within `budget_seconds` (default CHECKER_BUDGET_SECONDS).

    `now` is the clock for event states, back-off and storage housekeeping
    (tests move it); `event_id` limits the run to one event, `participant_id`
    to one participant; `retry_failed` makes that event's failed certificates
    due at once; `on_progress(done, total)` follows progress; `adopt` is the
    fan-out reservation this run fulfils (see app.checker.fan_out). Needs an app
    context; commits the caller's session first (the run uses its own
    connections). Never raises for the database or storage: a run that could
    not even be recorded comes back failed, with run_id None.
    """
    started = time.monotonic()
    if budget_seconds is None:
        budget_seconds = current_app.config["CHECKER_BUDGET_SECONDS"]
    # The caller's connection goes back to the pool: a pool of one must serve the run.
    db.session.commit()
    clock = _Clock(started=started, budget=float(budget_seconds), cancelled=threading.Event())
    scope = _Scope(now or utcnow(), event_id, participant_id, verify_base(), adopt)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    box: dict[str, object] = {}

    def work() -> None:
        with app.app_context():
            try:
                box["result"] = _run(scope, clock, trigger, retry_failed, on_progress, box)
            except BaseException as exc:
                box["error"] = exc
            finally:
                db.session.remove()

    # A daemon: if it hangs in a socket read past the hard stop, it must not
    # keep a CLI process alive; its lease then lapses and the next run takes over.
    thread = threading.Thread(target=work, name="laurel-checker-run", daemon=True)
    thread.start()
    thread.join(max(clock.hard_stop - time.monotonic(), 0))
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    if "result" in box:
        return box["result"]  # type: ignore[return-value]
    clock.cancelled.set()
    partial: CheckResult = box.get("partial") or CheckResult(None, trigger, event_id)  # type: ignore[assignment]
    partial.outcome = Outcome.FAILED.value
    partial.stopped = True
    partial.remaining = partial.deferred = partial.held = None
    partial.error = (
        "Storage or the database stopped answering and the run was stopped at its "
        f"time budget ({clock.budget:g} s); the next run continues."
    )
    partial.duration = time.monotonic() - started
    log.error("checker run %s stopped at its hard deadline", partial.run_id)
    return partial


def _run(
    scope: _Scope,
    clock: _Clock,
    trigger: str,
    retry_failed: bool,
    on_progress: ProgressCallback | None,
    box: dict[str, object],
) -> CheckResult:
    try:
        run_id = start_run(
            trigger,
            scope.event_id,
            clock.budget,
            deadline=clock.deadline,
            expires_at=clock.lease_until(),
            adopt=scope.adopt,
        )
    except (sa.exc.DBAPIError, ClaimTimeout) as exc:
        # Nothing was claimed: the caller gets a failed result to show, not an exception.
        db.session.rollback()
        log.exception("the checker could not record a run")
        reason = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
        return CheckResult(
            None,
            trigger,
            scope.event_id,
            outcome=Outcome.FAILED.value,
            remaining=None,
            deferred=None,
            held=None,
            duration=time.monotonic() - clock.started,
            error=f"The checker could not record a run: {reason}",
        )
    result = CheckResult(run_id=run_id, trigger=trigger, event_id=scope.event_id)
    box["partial"] = result
    mail_held, mail_left = 0, False
    claimable = 0
    try:
        try:
            with write_transaction(clock.deadline):
                result.events_moved = move_events(scope.now, scope.event_id)
                if retry_failed and scope.event_id is not None:
                    retry_now(scope.event_id, scope.now)
            progress = _progress(on_progress, scope, clock, result)
            out_of_time = _issue_due(scope, clock, result, progress, run_id)
            if not out_of_time and scope.participant_id is None:
                mail_left, mail_held = _send_mail(scope, clock, result)
            if scope.event_id is None and clock.left() > SWEEP_RESERVE_SECONDS:
                storage = get_storage().bounded(clock.left() - 1)
                sweep_storage(scope.now, storage, run_id, clock.deadline)
        except ClaimTimeout:
            out_of_time = True  # other runs held SQLite's write lock all along
        left = _backlog(scope, clock.hard_stop - 0.5)
        result.remaining, result.deferred, result.held = left.remaining, left.deferred, left.held
        result.outcome = _outcome(out_of_time, left).value
        if result.outcome != Outcome.TIME_UP and mail_left:
            result.outcome = Outcome.TIME_UP.value  # messages are still due
        elif result.outcome == Outcome.DONE and mail_held:
            result.outcome = Outcome.HELD.value  # other runs are still sending
        claimable = left.due - left.held
    except Exception as exc:
        db.session.rollback()
        result.outcome = Outcome.FAILED.value
        result.error = str(exc) if isinstance(exc, RunError) else describe(exc)
        log.exception("checker run %s failed", run_id)
        result.remaining = result.deferred = result.held = None
        try:  # what is left, if the database still answers
            left = _backlog(scope, clock.hard_stop - 0.5)
            result.remaining, result.deferred = left.remaining, left.deferred
            result.held = left.held
        except Exception:
            db.session.rollback()
    _settle(result, clock)
    result.duration = time.monotonic() - clock.started
    _finish(result, clock)
    progressed = result.issued + result.failed > 0
    in_time = clock.hard_stop - time.monotonic() > SUCCESSOR_RESERVE_SECONDS
    if result.outcome == Outcome.TIME_UP and progressed and claimable > 0 and in_time:
        # Out of time with work left: successors carry on. Started once this run is
        # recorded as finished, so that its slot is free and the cap holds throughout.
        before = len(result.dispatches)
        _fan_out(scope, clock, result, run_id, claimable, own_seconds=0.0)
        if len(result.dispatches) > before:
            earlier = result.fanned_out, result.fan_out_error
            result.dispatches = result.dispatches[before:]
            _settle(result, clock)
            result.fanned_out += earlier[0]
            problems = filter(None, (earlier[1], result.fan_out_error))
            result.fan_out_error = "; ".join(dict.fromkeys(problems))  # each problem once
            result.fan_out_error = result.fan_out_error or None
            record_fan_out(run_id, result.fanned_out, result.fan_out_error, clock.hard_stop - 0.2)
    return result


def _send_mail(scope: _Scope, clock: _Clock, result: CheckResult) -> tuple[bool, int]:
    """Drain the outbox after issuing, within what is left of the budget; whether
    the budget ran out, and how many messages other runs are sending."""
    from app.mail.outbox import drain

    # Claimed until the run's hard stop: each send ends by the deadline (its
    # timeout is capped), so no live run's message is ever taken over.
    until = utcnow() + timedelta(seconds=max(clock.hard_stop - time.monotonic(), 0.1))
    sent = drain(scope.now, clock.deadline, scope.event_id, until)
    result.mailed, result.mail_failed = sent.sent, sent.failed
    return sent.out_of_time, sent.held


def _settle(result: CheckResult, clock: _Clock) -> None:
    if not result.dispatches:
        return
    try:
        result.fanned_out, result.fan_out_error = settle(result.dispatches, clock.hard_stop - 0.4)
    except (sa.exc.DBAPIError, ClaimTimeout):
        db.session.rollback()
        log.exception("could not record the fan-out of checker run %s", result.run_id)


def _fan_out(
    scope: _Scope, clock: _Clock, result: CheckResult, run_id: int, due: int, own_seconds: float
) -> None:
    """Start the invocations the due work needs beyond this run (bounded by CHECKER_FAN_OUT)."""
    if scope.participant_id is not None or not current_app.config["CHECKER_FAN_OUT"]:
        return
    seconds_each = clock.slowest or FIRST_RESERVE_SECONDS
    budget = float(current_app.config["CHECKER_BUDGET_SECONDS"])
    count = wanted(due, seconds_each, own_seconds, budget)
    if count:
        result.dispatches.append(
            fan_out(count, event_id=scope.event_id, deadline=clock.hard_stop - 0.5)
        )


def _outcome(out_of_time: bool, left: Backlog) -> Outcome:
    claimable = left.due - left.held
    if out_of_time and claimable > 0:
        return Outcome.TIME_UP
    # Due work this run could not claim is held by others: by their claims, or
    # (PostgreSQL) by the row locks of a claim that is being taken right now.
    if left.held > 0 or claimable > 0:
        return Outcome.HELD
    return Outcome.DONE


def _backlog(scope: _Scope, deadline: float) -> Backlog:
    with write_transaction(deadline, write=False):
        return backlog(scope.now, scope.event_id, scope.participant_id)


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
    scope: _Scope,
    clock: _Clock,
    result: CheckResult,
    progress: Callable[[], None],
    run_id: int,
) -> bool:
    """Issue batch after batch; True if the budget stopped it, False if nothing was claimable."""
    checked = fanned = False
    # A tiny budget still gets its first batch started, as long as any time is left.
    while clock.room_for_one() or (not checked and clock.left() > 0):
        claims = claim_batch(
            run_id=run_id,
            now=scope.now,
            event_id=scope.event_id,
            participant_id=scope.participant_id,
            size=BATCH_SIZE if clock.slowest else FIRST_BATCH_SIZE,
            lease_until=clock.lease_until(),
            deadline=clock.deadline,
            verify_base=scope.verify_base,
        )
        if not claims:
            return False
        if not checked:
            try:
                preflight(scope.verify_base)
            except RunError:
                with write_transaction(clock.hard_stop - 0.5):
                    release(claims)
                raise
            checked = True
        outcomes = write_batch(claims, clock)
        batch = commit_batch(
            claims,
            outcomes,
            run_id=run_id,
            now=scope.now,
            deadline=clock.hard_stop - 0.5,
            storage=clock.cleanup_storage(),
        )
        result.issued += len(batch.issued)
        result.failed += batch.failed
        result.codes += batch.issued
        progress()
        if not fanned and clock.slowest and current_app.config["CHECKER_FAN_OUT"]:
            fanned = True
            # The first timed batch tells how far this run's budget goes; the rest of
            # the due work goes to further invocations at once, not one after another.
            due = _backlog(scope, clock.deadline)
            _fan_out(scope, clock, result, run_id, due.due - due.held, own_seconds=clock.left())
        if batch.skipped:
            return True
    return True


def _progress(
    callback: ProgressCallback | None, scope: _Scope, clock: _Clock, result: CheckResult
) -> Callable[[], None]:
    """A no-argument reporter for the issue loop; counts what is due only if someone listens."""
    if callback is None:
        return lambda: None
    total = _backlog(scope, clock.deadline).due
    callback(0, total)
    return lambda: callback(result.issued + result.failed, total)


def _finish(result: CheckResult, clock: _Clock) -> None:
    try:
        finish_run(
            result.run_id,
            deadline=max(clock.hard_stop - 0.2, time.monotonic() + 0.2),
            outcome=result.outcome,
            events_moved=result.events_moved,
            remaining=result.remaining,
            deferred=result.deferred,
            held=result.held,
            error=result.error,
            fanned_out=result.fanned_out,
            fan_out_error=result.fan_out_error,
        )
    except (sa.exc.DBAPIError, ClaimTimeout):
        # The result still reaches the caller; a later run marks this one abandoned.
        db.session.rollback()
        log.exception("could not record the end of checker run %s", result.run_id)
    log.info(
        "checker run %s (%s): %s; moved %s, issued %s, failed %s, remaining %s (%s deferred, "
        "%s held), %.1f s",
        result.run_id,
        result.trigger,
        result.outcome,
        result.events_moved,
        result.issued,
        result.failed,
        result.remaining,
        result.deferred,
        result.held,
        result.duration,
    )
