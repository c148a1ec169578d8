"""The outbox: one row per message, written in the transaction that makes it due."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db


class MailState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a run until `lease_until`
    SENT = "sent"
    FAILED = "failed"  # given up: `last_error` says why


class MailKind(enum.StrEnum):
    CERTIFICATE = "certificate"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of message, not a secret)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    # The message is built when sent, from these rows; deleting them drops it.
    certificate_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    event_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    # Bodies of messages that are not rebuilt from rows (a reset link).
    subject: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    body_text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=MailState.QUEUED.value)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    lease_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Changes with every claim: only the run holding it may record the outcome.
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # The same for every attempt of this message: the provider drops repeats.
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # What the local outbox (development) keeps of a sent message.
    kept: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
