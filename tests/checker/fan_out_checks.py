"""What every fan-out test checks once the backlog is done, whichever server ran it
(Vercel's launcher behind the router, gunicorn's workers): each run within its budget,
never more than CHECKER_FAN_OUT invocations at once, no self-call refused.
Needs an app context on the database the servers used."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from app.checker.models import CheckerRun, Outcome, Trigger
from app.checker.run import HARD_STOP_SECONDS
from app.extensions import db


def wait_until(done: Callable[[], bool], timeout: float) -> bool:
    """Poll `done` every half second until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def runs_working() -> int:
    """Reserved or running runs: while there are any, the chain may still go on."""
    db.session.rollback()  # a fresh snapshot
    working = [Outcome.PENDING.value, Outcome.RUNNING.value]
    query = sa.select(sa.func.count(CheckerRun.id)).where(CheckerRun.outcome.in_(working))
    return int(db.session.scalar(query) or 0)


def assert_runs_kept_their_limits(cap: int) -> list[CheckerRun]:
    """Every finished run ended within its budget and hard stop, no self-call was
    refused, and at no moment did more than `cap` fan-out invocations run; returns
    the fan-out invocations that ran (at least one)."""
    db.session.rollback()
    runs = db.session.scalars(sa.select(CheckerRun).where(CheckerRun.finished_at.is_not(None)))
    runs = list(runs)
    assert all(run.fan_out_error is None for run in runs), [r.fan_out_error for r in runs]
    table = "\n".join(
        f"run {r.id} {r.trigger} {r.outcome}: budget {r.budget_seconds:g} s, "
        f"{(r.finished_at - r.started_at).total_seconds():.2f} s, issued {r.issued}, "
        f"fanned out {r.fanned_out}, from {r.started_at:%H:%M:%S.%f}"
        for r in runs
    )
    for run in runs:
        seconds = (run.finished_at - run.started_at).total_seconds()
        assert seconds <= run.budget_seconds + HARD_STOP_SECONDS, f"run {run.id}:\n{table}"
    fanned = [r for r in runs if r.trigger == Trigger.FAN_OUT and r.outcome != Outcome.FAILED]
    assert fanned, "no run started a fan-out invocation"
    moments = sorted(
        [(run.started_at, 1) for run in fanned] + [(run.finished_at, -1) for run in fanned]
    )
    live = peak = 0
    for _, step in moments:
        live += step
        peak = max(peak, live)
    assert peak <= cap, f"{peak} fan-out invocations at once, CHECKER_FAN_OUT={cap}"
    return fanned
