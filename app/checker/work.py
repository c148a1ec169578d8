"""Which participants still need a certificate: one definition, used to claim and to count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.certificates.models import Certificate
from app.checker.models import IssueClaim, IssueFailure
from app.database import utcnow
from app.events.models import Event, EventStatus
from app.extensions import db
from app.participants.models import Participant


def _waiting(now: datetime) -> sa.Exists:
    """The participant failed recently and waits out its back-off."""
    return sa.exists().where(
        IssueFailure.participant_id == Participant.id, IssueFailure.next_attempt_at > now
    )


def _current(*conditions: sa.ColumnElement[bool]) -> sa.Exists:
    return sa.exists().where(
        Certificate.participant_id == Participant.id,
        Certificate.replaced_by_code.is_(None),
        *conditions,
    )


def _certified() -> sa.ColumnElement[bool]:
    """Has a current certificate that nobody asked to replace."""
    return _current(Certificate.reissue_requested_at.is_(None))


def _claimed() -> sa.Exists:
    return sa.exists().where(IssueClaim.participant_id == Participant.id)


def _held() -> sa.Exists:
    """Claimed by an attempt whose lease still runs (real time: leases are about processes)."""
    return sa.exists().where(
        IssueClaim.participant_id == Participant.id, IssueClaim.expires_at > utcnow()
    )


def owed(event_id: int | None = None, participant_id: int | None = None):
    """Attended, in an ended event (by its status column), without a current certificate
    (or with one the organizer asked to re-issue)."""
    ended = sa.select(Event.id).where(Event.status == EventStatus.ENDED.value)
    if event_id is not None:
        ended = ended.where(Event.id == event_id)
    conditions = [
        # These two first: the partial index ix_participants_owed holds just these rows.
        Participant.attended.is_(True),
        Participant.certified.is_(False),
        Participant.event_id.in_(ended),
        ~_certified(),
    ]
    if participant_id is not None:
        conditions.append(Participant.id == participant_id)
    return conditions


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def due(
    now: datetime, event_id: int | None = None, participant_id: int | None = None
) -> sa.Select[tuple[Participant]]:
    """Unclaimed participants to issue now, oldest first (the caller adds locking and a limit)."""
    conditions = owed(event_id, participant_id)
    query = sa.select(Participant).where(*conditions, ~_claimed(), ~_waiting(now))
    return query.order_by(Participant.id)


@dataclass(frozen=True)
class Backlog:
    remaining: int  # owed a certificate, back-off or not
    deferred: int  # of those, waiting out a back-off after a failure
    held: int = 0  # of those, claimed by an attempt whose lease still runs

    @property
    def due(self) -> int:
        return self.remaining - self.deferred


def backlog(
    now: datetime, event_id: int | None = None, participant_id: int | None = None
) -> Backlog:
    """What the checker still owes, in ended events (all of them, one, or one participant)."""
    query = sa.select(
        sa.func.count(), _count(_waiting(now)), _count(_held() & ~_waiting(now))
    ).where(*owed(event_id, participant_id))
    remaining, deferred, held = db.session.execute(query).one()
    return Backlog(remaining=int(remaining), deferred=int(deferred), held=int(held))


@dataclass(frozen=True)
class Progress(Backlog):
    total: int = 0  # attended participants
    issued: int = 0  # of those, with a current certificate


def event_progress(event_id: int, now: datetime) -> Progress:
    """One event's certificates, whatever its status column says (the page uses the clock)."""
    query = sa.select(
        sa.func.count(), _count(_certified()), _count(~_certified() & _waiting(now))
    ).where(Participant.event_id == event_id, Participant.attended.is_(True))
    total, issued, deferred = (int(value) for value in db.session.execute(query).one())
    return Progress(remaining=total - issued, deferred=deferred, total=total, issued=issued)
