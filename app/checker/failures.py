"""Certificates that failed to issue: recorded with their error, retried with back-off."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.certificates.issuing import IssueError
from app.checker.models import IssueFailure
from app.extensions import db
from app.participants.models import Participant
from app.storage import StorageError

FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600
MAX_ERROR_LENGTH = 1000

# Errors whose message explains the problem to an organizer (a storage outage,
# a template that no longer decodes, a name no shipped font can draw). Any
# other exception is a bug: its details go to the log, not to the page.
EXPLAINED = (IssueError, StorageError, ValueError)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failure, at most an hour."""
    seconds = FIRST_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 16)
    return timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


def describe(error: BaseException) -> str:
    if isinstance(error, EXPLAINED):
        text = f"{type(error).__name__}: {error}"
    else:
        text = f"Unexpected {type(error).__name__}; the server log has the details."
    return text[:MAX_ERROR_LENGTH]


def record_failure(
    participant_id: int, event_id: int, error: BaseException, now: datetime
) -> IssueFailure:
    """Count a failed attempt and schedule the next one (the caller commits)."""
    query = sa.select(IssueFailure).where(IssueFailure.participant_id == participant_id)
    failure = db.session.scalar(query)
    if failure is None:
        failure = IssueFailure(
            participant_id=participant_id,
            event_id=event_id,
            attempts=0,
            first_failed_at=now,
        )
        db.session.add(failure)
    failure.attempts += 1
    failure.last_error = describe(error)
    failure.last_failed_at = now
    failure.next_attempt_at = now + retry_delay(failure.attempts)
    return failure


def clear_failures(participant_ids: Iterable[int]) -> None:
    ids = list(participant_ids)
    if ids:
        db.session.execute(sa.delete(IssueFailure).where(IssueFailure.participant_id.in_(ids)))


def retry_now(event_id: int, now: datetime) -> None:
    """Make an event's failed certificates due again (an organizer asked for it)."""
    db.session.execute(
        sa.update(IssueFailure)
        .where(IssueFailure.event_id == event_id, IssueFailure.next_attempt_at > now)
        .values(next_attempt_at=now)
    )


@dataclass(frozen=True)
class FailureView:
    participant_id: int
    name: str
    email: str
    attempts: int
    last_error: str
    last_failed_at: datetime
    next_attempt_at: datetime


def failures_of(event_id: int) -> list[FailureView]:
    query = (
        sa.select(IssueFailure, Participant.name, Participant.email)
        .join(Participant, Participant.id == IssueFailure.participant_id)
        .where(IssueFailure.event_id == event_id, Participant.attended.is_(True))
        .order_by(Participant.name, Participant.id)
    )
    return [
        FailureView(
            participant_id=failure.participant_id,
            name=name,
            email=email,
            attempts=failure.attempts,
            last_error=failure.last_error,
            last_failed_at=failure.last_failed_at,
            next_attempt_at=failure.next_attempt_at,
        )
        for failure, name, email in db.session.execute(query)
    ]
