"""Certificates: a participant's current one and the ones it superseded, with their files."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime
from app.extensions import db

if TYPE_CHECKING:
    from app.events.models import Event
    from app.participants.models import Participant


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    event_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    # What the certificate says, as issued: renaming the participant or the
    # event later does not change a certificate that is already out there.
    holder_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    event_title: so.Mapped[str] = so.mapped_column(sa.String(200))
    event_date: so.Mapped[str] = so.mapped_column(sa.String(100))
    language: so.Mapped[str] = so.mapped_column(sa.String(35), default="en", server_default="en")
    issuer: so.Mapped[str] = so.mapped_column(sa.String(254))
    # The placeholder values beyond the columns above (custom fields, the signer), as
    # issued: canonical JSON, so that the files render again from the row alone.
    field_values: so.Mapped[str | None] = so.mapped_column(sa.Text)
    verify_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    png_key: so.Mapped[str] = so.mapped_column(sa.String(500))
    pdf_key: so.Mapped[str] = so.mapped_column(sa.String(500))
    png_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    pdf_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # The code of the certificate that replaced this one (a correction or a
    # re-issue); None while this is the participant's current certificate.
    replaced_by_code: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # The organizer asked for a new certificate to replace this one; the
    # checker's single issuing path does it (now, or on its next run).
    reissue_requested_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The Open Badges 3.0 credential (compact VC-JWT), signed with the files under the
    # attempt's claim and baked into the PNG; None when issued while credentials were off.
    credential_jws: so.Mapped[str | None] = so.mapped_column(sa.Text)

    participant: so.Mapped[Participant] = so.relationship()
    event: so.Mapped[Event] = so.relationship()

    __table_args__ = (
        # The backstop: at most one current certificate per participant.
        sa.Index(
            "uq_certificates_current_participant",
            "participant_id",
            unique=True,
            sqlite_where=sa.text("replaced_by_code IS NULL"),
            postgresql_where=sa.text("replaced_by_code IS NULL"),
        ),
    )

    @property
    def current(self) -> bool:
        return self.replaced_by_code is None

    @property
    def valid(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Certificate {self.code}>"
