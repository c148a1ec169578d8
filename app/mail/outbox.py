"""Writing messages into the outbox and draining it: the one place that sends mail.

Guarantees: a message row is committed with the row that makes it due (the
certificate, in the checker's fenced commit), so none is lost. A run claims
due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers)
by setting them `sending` with a lease and a fresh token, commits, sends with
no connection held, then records `sent` only while its token still holds.
The one window: a process that dies after the server accepted a message and
before `sent` is committed leaves it `sending`; once the lease lapses the
next run sends it again. The HTTP API transport sends the message's fixed
`Idempotency-Key`, so the provider drops that repeat; over SMTP the repeat
carries the same Message-ID, which lets mail clients fold it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.database import utcnow
from app.extensions import db
from app.mail.models import MailKind, MailState, OutboxMessage

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)
BATCH = 20
# Below this much budget a run stops sending and leaves the rest to the next run.
MIN_SEND_SECONDS = 1.5
RECORD_GRACE_SECONDS = 0.5
# Back-off after a transient failure: 1, 4, 16, 64, 256 minutes.
BACKOFF_MINUTES = 4


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES ** max(attempts - 1, 0))


def queue_certificate(certificate, now: datetime) -> OutboxMessage:
    """Queue the certificate's email (inside the caller's transaction)."""
    message = OutboxMessage(
        kind=MailKind.CERTIFICATE.value,
        certificate_id=certificate.id,
        event_id=certificate.event_id,
        to_address=certificate.participant.email,
        state=MailState.QUEUED.value,
        next_attempt_at=now,
        idempotency_key=secrets.token_hex(16),
    )
    db.session.add(message)
    return message


def queue_text(to: str, subject: str, body: str, now: datetime) -> OutboxMessage:
    """Queue a plain message (a password reset link; its body is cleared once sent)."""
    message = OutboxMessage(
        kind=MailKind.PASSWORD_RESET.value,
        to_address=to,
        subject=subject,
        body_text=body,
        next_attempt_at=now,
        idempotency_key=secrets.token_hex(16),
    )
    db.session.add(message)
    return message


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0  # attempts that failed (retried later or given up)
    out_of_time: bool = False  # stopped by the budget; messages may still be due
    held: int = 0  # being sent by other live runs


@dataclass(frozen=True)
class _Claimed:
    id: int
    token: str
    key: str
    attempts: int
    kind: str


def drain(
    now: datetime,
    deadline: float,
    event_id: int | None = None,
    lease_until: datetime | None = None,
    message_id: int | None = None,
) -> DrainResult:
    """Send due messages until none is left or `deadline` (time.monotonic) comes.

    Claims last until `lease_until` (the run's own lease): a killed run's
    messages become due again when it lapses. `event_id` or `message_id`
    narrow what is sent (an event's button, the password reset page).
    """
    from app.checker.claims import ClaimTimeout, write_transaction

    settings = current_app.config["MAIL"]
    result = DrainResult()
    if not settings.enabled:
        return result
    lease_until = lease_until or utcnow() + LEASE
    scope = _scope(event_id, message_id)
    while True:
        if deadline - time.monotonic() <= MIN_SEND_SECONDS:
            # Out of time only if something is left: a short run with nothing to
            # send is done, not cut short.
            result.out_of_time = _anything_due(now, scope, deadline)
            return result
        try:
            with write_transaction(deadline):
                claimed = _claim(now, scope, lease_until)
        except ClaimTimeout:
            result.out_of_time = True
            return result
        if not claimed:
            break
        for item in claimed:
            left = deadline - time.monotonic()
            if left <= MIN_SEND_SECONDS:
                # Not attempted: give the claim back at once.
                with write_transaction(deadline + RECORD_GRACE_SECONDS):
                    _release(item)
                result.out_of_time = True
                continue
            # The transport's timeout never outlasts the run's budget.
            bounded = replace(settings, timeout=min(settings.timeout, left - 1.0))
            _attempt(item, bounded, now, deadline, result)
    with write_transaction(deadline, write=False):
        result.held = _held(scope)
    return result


def _anything_due(now: datetime, scope: list[sa.ColumnElement[bool]], deadline: float) -> bool:
    from app.checker.claims import ClaimTimeout, write_transaction

    if deadline - time.monotonic() < 0.2:
        return True  # no time to look: the next run does
    try:
        with write_transaction(deadline, write=False):
            query = sa.select(OutboxMessage.id).where(_due(now), *scope).limit(1)
            return db.session.scalar(query) is not None
    except (ClaimTimeout, sa.exc.OperationalError):
        return True  # unknown: the next run looks again


def _scope(event_id: int | None, message_id: int | None) -> list[sa.ColumnElement[bool]]:
    scope = []
    if event_id is not None:
        scope.append(OutboxMessage.event_id == event_id)
    if message_id is not None:
        scope.append(OutboxMessage.id == message_id)
    return scope


def _held(scope: list[sa.ColumnElement[bool]]) -> int:
    query = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.state == MailState.SENDING.value, OutboxMessage.lease_until >= utcnow()
    )
    return db.session.scalar(query.where(*scope)) or 0


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(
            OutboxMessage.state == MailState.QUEUED.value,
            OutboxMessage.next_attempt_at <= now,
        ),
        # A lapsed lease: its run died, maybe after the server took the message.
        sa.and_(
            OutboxMessage.state == MailState.SENDING.value, OutboxMessage.lease_until < utcnow()
        ),
    )


def due_count(event_id: int, now: datetime) -> int:
    """The event's messages a run would send now (the Issue now page keeps going)."""
    if not current_app.config["MAIL"].enabled:
        return 0
    query = sa.select(sa.func.count(OutboxMessage.id)).where(
        _due(now), OutboxMessage.event_id == event_id
    )
    return db.session.scalar(query) or 0


def _claim(
    now: datetime, scope: list[sa.ColumnElement[bool]], lease_until: datetime
) -> list[_Claimed]:
    query = sa.select(OutboxMessage).where(_due(now), *scope)
    query = query.order_by(OutboxMessage.id).limit(BATCH)
    if db.engine.dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message in db.session.scalars(query):
        message.state = MailState.SENDING.value
        message.lease_until = lease_until
        message.claim_token = secrets.token_hex(16)
        message.attempts += 1
        claimed.append(
            _Claimed(
                message.id,
                message.claim_token,
                message.idempotency_key,
                message.attempts,
                message.kind,
            )
        )
    return claimed


def _release(item: _Claimed) -> None:
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == item.id, OutboxMessage.claim_token == item.token)
        .values(state=MailState.QUEUED.value, attempts=OutboxMessage.attempts - 1)
    )


def _attempt(item: _Claimed, settings, now: datetime, deadline: float, result) -> None:
    from app.checker.claims import ClaimTimeout, write_transaction
    from app.mail.transports import SendError, send

    kept = None
    error: SendError | None = None
    try:
        letter = _letter(item.id, settings)
        db.session.commit()  # no connection held while the transport talks
        kept = send(letter, settings, item.key)
    except SendError as exc:
        error = exc
    except Exception as exc:  # a missing file, a template: recorded, retried
        db.session.rollback()
        current_app.logger.exception("message %s could not be built", item.id)
        error = SendError(f"The message could not be built: {exc}", permanent=False)
    values: dict[str, object]
    if error is None:
        values = {"state": MailState.SENT.value, "sent_at": utcnow(), "last_error": None}
        if kept is not None:
            values["kept"] = kept
        result.sent += 1
    else:
        result.failed += 1
        give_up = error.permanent or item.attempts >= MAX_ATTEMPTS
        values = {
            "state": MailState.FAILED.value if give_up else MailState.QUEUED.value,
            "next_attempt_at": now + backoff(item.attempts),
            "last_error": str(error)[:2000],
        }
    if item.kind == MailKind.PASSWORD_RESET.value and values["state"] != MailState.QUEUED.value:
        # A reset link is a key to the account: not kept once it is no longer needed.
        values["body_text"] = None
    try:
        # Before the run's hard stop (a second after its deadline).
        with write_transaction(deadline + RECORD_GRACE_SECONDS):
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == item.id, OutboxMessage.claim_token == item.token)
                .values(lease_until=None, **values)
            )
    except (ClaimTimeout, sa.exc.OperationalError):
        # Unrecorded: the message stays `sending` and is sent again once the lease
        # lapses; the one window the module docstring describes.
        current_app.logger.warning("outcome of message %s not recorded in time", item.id)


def _letter(message_id: int, settings):
    from app.certificates.models import Certificate
    from app.mail.building import Letter, certificate_letter
    from app.storage import get_storage

    message = db.session.get(OutboxMessage, message_id)
    if message.kind == MailKind.CERTIFICATE.value:
        certificate = db.session.get(Certificate, message.certificate_id)
        event, holder = certificate.event, certificate.participant.email
        organizer = event.owner
        # Loaded rows stay readable detached: the storage read holds no connection.
        db.session.expunge_all()
        db.session.commit()
        assert holder and organizer.email
        pdf = get_storage().get(certificate.pdf_key)
        return certificate_letter(certificate, event, organizer, pdf, settings.attach_limit)
    return Letter(
        to=message.to_address,
        subject=message.subject or "",
        text=message.body_text or "",
        html=None,
        sender_name="Laurel",
        reply_to=None,
    )


def resend(event_id: int, certificate_ids: list[int], now: datetime) -> int:
    """Queue fresh messages for these certificates (the organizer's send/resend)."""
    from app.certificates.models import Certificate

    count = 0
    for certificate in db.session.scalars(
        sa.select(Certificate).where(
            Certificate.event_id == event_id, Certificate.id.in_(certificate_ids)
        )
    ):
        queue_certificate(certificate, now)
        count += 1
    return count
