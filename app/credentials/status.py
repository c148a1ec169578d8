"""Revocation as the status list shows it: a slot's bit is set while its certificate is revoked."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import Certificate
from app.credentials.models import StatusSlot
from app.extensions import db


def revoked_indexes(first: int, stop: int) -> list[int]:
    """Status list indexes in [first, stop) whose certificate is revoked (or superseded)."""
    query = (
        sa.select(StatusSlot.id)
        .join(Certificate, Certificate.code == StatusSlot.code)
        .where(StatusSlot.id >= first, StatusSlot.id < stop, Certificate.revoked_at.is_not(None))
    )
    return list(db.session.scalars(query))


def certificate_at(index: int) -> Certificate | None:
    """The certificate whose credential holds this status list index, if any."""
    query = sa.select(Certificate).join(StatusSlot, StatusSlot.code == Certificate.code)
    return db.session.scalar(query.where(StatusSlot.id == index))
