"""Creating organizers, shared by the sign-up page and `flask users create`."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import Organizer
from app.extensions import db


class AccountError(ValueError):
    """The account cannot be created as asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_organizer(email: str) -> Organizer | None:
    return db.session.scalar(sa.select(Organizer).where(Organizer.email == normalise_email(email)))


def create_organizer(email: str, password: str) -> Organizer:
    from app.auth.forms import MIN_PASSWORD

    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password needs at least {MIN_PASSWORD} characters.")
    if find_organizer(email) is not None:
        raise AccountError(f"An organizer with the email {normalise_email(email)} exists.")
    organizer = Organizer(email=normalise_email(email))
    organizer.set_password(password)
    db.session.add(organizer)
    db.session.commit()
    return organizer
