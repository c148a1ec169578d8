"""Which participants still need a certificate: one definition, used to claim and to count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.certificates.models import Certificate
from app.checker.models import IssueFailure
from app.events.models import Event, EventStatus
from app.extensions import db
from app.participants.models import Participant


def _waiting(now: datetime) -> sa.Exists:
    """The participant failed recently and waits out its back-off."""
    return sa.exists().where(
        IssueFailure.participant_id == Participant.id, IssueFailure.next_attempt_at > now
    )


def _certified() -> sa.Exists:
    return sa.exists().where(Certificate.participant_id == Participant.id)


def _owed(event_id: int | None) -> list[sa.ColumnElement[bool]]:
    """Attended, in an ended event (by its status column), and no certificate yet."""
    ended = sa.select(Event.id).where(Event.status == EventStatus.ENDED.value)
    if event_id is not None:
        ended = ended.where(Event.id == event_id)
    return [Participant.attended.is_(True), Participant.event_id.in_(ended), ~_certified()]


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def due(now: datetime, event_id: int | None = None) -> sa.Select[tuple[Participant]]:
    """Participants to issue now, oldest first (the caller adds locking and a limit)."""
    query = sa.select(Participant).where(*_owed(event_id), ~_waiting(now))
    return query.order_by(Participant.id)


@dataclass(frozen=True)
class Backlog:
    remaining: int  # owed a certificate, back-off or not
    deferred: int  # of those, waiting out a back-off after a failure

    @property
    def due(self) -> int:
        return self.remaining - self.deferred


def backlog(now: datetime, event_id: int | None = None) -> Backlog:
    """What the checker still owes, in ended events (all of them, or one)."""
    query = sa.select(sa.func.count(), _count(_waiting(now))).where(*_owed(event_id))
    remaining, deferred = db.session.execute(query).one()
    return Backlog(remaining=int(remaining), deferred=int(deferred))


@dataclass(frozen=True)
class Progress(Backlog):
    total: int  # attended participants
    issued: int  # of those, with a certificate


def event_progress(event_id: int, now: datetime) -> Progress:
    """One event's certificates, whatever its status column says (the page uses the clock)."""
    query = sa.select(
        sa.func.count(), _count(_certified()), _count(~_certified() & _waiting(now))
    ).where(Participant.event_id == event_id, Participant.attended.is_(True))
    total, issued, deferred = (int(value) for value in db.session.execute(query).one())
    return Progress(remaining=total - issued, deferred=deferred, total=total, issued=issued)
