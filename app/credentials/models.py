"""Places in the revocation status list, handed out before a credential is signed."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db


class StatusSlot(db.Model):
    """One attempt's index in the Bitstring Status List (its id), by the attempt's code.

    The credential is signed and baked into the PNG before the certificate's row
    exists, so its index cannot be the row's id: a claim takes a slot instead. A
    slot whose attempt lost never matches a certificate, and its bit stays 0.
    """

    __tablename__ = "credential_status_slots"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)

    def __repr__(self) -> str:
        return f"<StatusSlot {self.id} {self.code}>"


def allocate_slots(codes: list[str]) -> dict[str, int]:
    """A status list index for each of these new attempt codes (inside the claim's
    transaction); the database's own id sequence keeps concurrent runs apart."""
    if not codes:
        return {}
    db.session.execute(sa.insert(StatusSlot), [{"code": code} for code in codes])
    rows = db.session.execute(
        sa.select(StatusSlot.code, StatusSlot.id).where(StatusSlot.code.in_(codes))
    )
    return {code: slot_id for code, slot_id in rows}
