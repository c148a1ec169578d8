"""The run history: open a run, close it, and tidy up after runs that were killed."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.checker.claims import write_transaction
from app.checker.models import CheckerRun, Outcome
from app.database import utcnow
from app.extensions import db

# Runs recorded before leases existed: abandoned this long after their budget.
STALE_MARGIN_SECONDS = 60
# Enough history to see when and how the checker ran lately; older runs go.
HISTORY_DAYS = 30


def start_run(
    trigger: str,
    event_id: int | None,
    budget_seconds: float,
    *,
    deadline: float,
    expires_at: datetime,
    adopt: int | None = None,
) -> int:
    """Record a new run (committed), after marking dead ones and pruning old ones; its id.

    `deadline` (time.monotonic) bounds the transaction; `expires_at` is the
    run's first lease, renewed by each batch it claims. `adopt` is the id of a
    fan-out reservation this run is: it becomes that row, while still pending
    (else the run is recorded as a new one).
    """
    with write_transaction(deadline):
        now = utcnow()
        if adopt is not None:
            adopted = db.session.execute(
                sa.update(CheckerRun)
                .where(
                    CheckerRun.id == adopt,
                    CheckerRun.outcome == Outcome.PENDING.value,
                    CheckerRun.expires_at > now,
                    CheckerRun.event_id.is_(None)
                    if event_id is None
                    else CheckerRun.event_id == event_id,
                )
                .values(
                    outcome=Outcome.RUNNING.value,
                    started_at=now,
                    expires_at=expires_at,
                    budget_seconds=budget_seconds,
                )
            )
            if adopted.rowcount == 1:
                return adopt
        abandon_stale_runs(now)
        db.session.execute(
            sa.delete(CheckerRun).where(
                CheckerRun.started_at < now - timedelta(days=HISTORY_DAYS),
                CheckerRun.outcome != Outcome.RUNNING.value,
            )
        )
        run = CheckerRun(
            trigger=trigger,
            event_id=event_id,
            budget_seconds=budget_seconds,
            started_at=now,
            outcome=Outcome.RUNNING.value,
            expires_at=expires_at,
        )
        db.session.add(run)
        db.session.flush()
        run_id = run.id
    return run_id


def abandon_stale_runs(now: datetime) -> int:
    """Mark runs whose lease lapsed (killed, frozen, timed out) as abandoned; the caller commits.

    A run renews its lease with every claim and is stopped by its budget, so
    a lapsed lease means it is no longer working. Its claims have lapsed with
    it, and the next run that takes them over deletes any files it left.
    """
    query = (
        sa.select(CheckerRun)
        .where(CheckerRun.outcome.in_([Outcome.RUNNING.value, Outcome.PENDING.value]))
        .order_by(CheckerRun.id)
    )
    if db.engine.dialect.name != "sqlite":
        # A row locked right now belongs to a run that is writing it: alive. Skipping
        # it also keeps two starting runs from waiting on each other.
        query = query.with_for_update(skip_locked=True)
    running = db.session.scalars(query)
    stale = 0
    for run in running:
        limit = run.expires_at or run.started_at + timedelta(
            seconds=run.budget_seconds + STALE_MARGIN_SECONDS
        )
        if limit < now:
            run.error = (
                "A fan-out invocation that never started."
                if run.outcome == Outcome.PENDING.value
                else "The run stopped without finishing (killed or timed out)."
            )
            run.outcome = Outcome.ABANDONED.value
            stale += 1
    return stale


def finish_run(run_id: int, *, deadline: float, **values: object) -> None:
    """Write a run's results; `values` are CheckerRun columns (issued and failed are
    counted as each batch commits, not here)."""
    with write_transaction(deadline):
        # A run already marked abandoned (its lease lapsed: frozen, or stopped at its
        # hard deadline) keeps that verdict; its committed counts are on the row.
        update = sa.update(CheckerRun).where(
            CheckerRun.id == run_id, CheckerRun.outcome == Outcome.RUNNING.value
        )
        db.session.execute(update.values(finished_at=utcnow(), **values))


def last_scheduled_run() -> CheckerRun | None:
    """The latest run over all events: what cron and the CLI start (not "Issue now")."""
    query = (
        sa.select(CheckerRun)
        .where(CheckerRun.event_id.is_(None), CheckerRun.outcome != Outcome.PENDING.value)
        .order_by(CheckerRun.started_at.desc(), CheckerRun.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)
