"""What the checker remembers: its runs, and the certificates that failed to issue."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime
from app.extensions import db


class Outcome(enum.StrEnum):
    PENDING = "pending"  # a fan-out invocation reserved, not started yet
    RUNNING = "running"
    DONE = "done"  # no claimable work was left
    HELD = "held"  # work is left, but other live runs hold its claims
    TIME_UP = "time_up"  # the budget ran out; the next run continues
    FAILED = "failed"  # the run itself broke (database, configuration); see `error`
    ABANDONED = "abandoned"  # killed mid-run: a later run found it still "running"


class Trigger(enum.StrEnum):
    CRON = "cron"  # the HTTP route
    CLI = "cli"  # flask events check
    BUTTON = "button"  # an organizer's "Issue now"
    ISSUE = "issue"  # an organizer's Issue or Re-issue of one participant
    CALL = "call"  # check_events() called from code
    FAN_OUT = "fan_out"  # the cron route, called by another run to share its backlog


class CheckerRun(db.Model):
    __tablename__ = "checker_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trigger: so.Mapped[str] = so.mapped_column(sa.String(16))
    # Set when the run was limited to one event; deliberately no foreign key,
    # so that the history outlives deleted events.
    event_id: so.Mapped[int | None] = so.mapped_column()
    budget_seconds: so.Mapped[float] = so.mapped_column(sa.Float)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16), default=Outcome.RUNNING.value)
    events_moved: so.Mapped[int] = so.mapped_column(default=0)
    issued: so.Mapped[int] = so.mapped_column(default=0)
    failed: so.Mapped[int] = so.mapped_column(default=0)
    remaining: so.Mapped[int | None] = so.mapped_column()
    deferred: so.Mapped[int | None] = so.mapped_column()
    held: so.Mapped[int | None] = so.mapped_column()
    # The run's lease: past it, the run is dead (killed, frozen) and gets marked
    # abandoned; renewed with each batch it claims.
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Fan-out: the invocations of the cron route this run started, and why any
    # were not (a bad BASE_URL, a refused call); the run's own outcome stands.
    fanned_out: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    fan_out_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<CheckerRun {self.id} {self.outcome}>"


class IssueFailure(db.Model):
    """A participant whose certificate could not be issued, and when to try again."""

    __tablename__ = "issue_failures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    event_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    attempts: so.Mapped[int] = so.mapped_column(default=1)
    last_error: so.Mapped[str] = so.mapped_column(sa.Text)
    first_failed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    last_failed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<IssueFailure participant={self.participant_id} attempts={self.attempts}>"


class IssueClaim(db.Model):
    """One attempt's right to issue a participant's certificate, until `expires_at`.

    The attempt writes its files under its own `code`, so no two attempts
    share an object; the commit succeeds only while `token` still matches and
    the lease holds (a fence against a resumed, stale attempt). `stale_codes`
    are earlier attempts whose lease lapsed: their files get deleted.
    """

    __tablename__ = "issue_claims"

    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: so.Mapped[int | None] = so.mapped_column()
    token: so.Mapped[str] = so.mapped_column(sa.String(32))
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    stale_codes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)

    def codes(self) -> list[str]:
        return [self.code, *self.stale_codes.split()]

    def __repr__(self) -> str:
        return f"<IssueClaim participant={self.participant_id} until {self.expires_at}>"
