"""What people and probes see of the checker: when it last ran, and one event's progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from app.checker.failures import FailureView, failures_of
from app.checker.models import CheckerRun
from app.checker.runs import last_scheduled_run
from app.checker.work import Progress, event_progress
from app.database import utcnow
from app.events.models import Event, EventStatus

# Schedulers start late and runs take their budget; warn only past this slack.
OVERDUE_MARGIN_SECONDS = 300


@dataclass(frozen=True)
class CheckerHealth:
    last_run: CheckerRun | None
    age_seconds: float | None
    expected_interval: int
    overdue: bool

    @property
    def age_text(self) -> str:
        return duration_text(self.age_seconds or 0)

    @property
    def interval_text(self) -> str:
        return duration_text(self.expected_interval)

    def describe(self) -> str:
        if self.last_run is None or self.age_seconds is None:
            return "never run"
        text = f"last run {int(self.age_seconds)} s ago ({self.last_run.outcome})"
        if self.overdue:
            text += f"; overdue, expected every {self.expected_interval} s"
        return text


def duration_text(seconds: float) -> str:
    """Roughly, for people: "45 seconds", "12 minutes", "3 hours", "2 days"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = int(seconds)
    return f"{count} second{'s' if count != 1 else ''}"


def checker_health(now: datetime | None = None) -> CheckerHealth:
    """The latest run over all events, and whether the schedule seems to have stopped."""
    now = now or utcnow()
    config = current_app.config
    interval = int(config["CHECKER_EXPECTED_INTERVAL_SECONDS"])
    run = last_scheduled_run()
    if run is None:
        return CheckerHealth(None, None, interval, overdue=True)
    age = max((now - run.started_at).total_seconds(), 0.0)
    allowed = interval + float(config["CHECKER_BUDGET_SECONDS"]) + OVERDUE_MARGIN_SECONDS
    return CheckerHealth(run, age, interval, overdue=age > allowed)


def readiness() -> tuple[bool, str]:
    """The /readyz entry. Always ok: an instance that serves pages is ready even if the
    scheduler is late, and taking it out of rotation would not bring the scheduler back."""
    from app.extensions import db

    try:
        return True, checker_health().describe()
    except sa.exc.DBAPIError as exc:
        db.session.rollback()
        return True, f"run history unreadable ({type(exc.orig).__name__}); see the database checks"


@dataclass(frozen=True)
class EventIssuing:
    ended: bool  # by the clock, as the page shows it
    progress: Progress
    failures: list[FailureView]

    @property
    def complete(self) -> bool:
        return self.progress.remaining == 0


def event_issuing(event: Event, now: datetime | None = None) -> EventIssuing:
    now = now or utcnow()
    return EventIssuing(
        ended=event.clock_status(now) == EventStatus.ENDED,
        progress=event_progress(event.id, now),
        failures=failures_of(event.id),
    )
