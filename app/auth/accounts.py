"""Organizer accounts, shared by the pages and `flask users`: create, sign in,
change the password. Every path checks the address with the one validator."""

from __future__ import annotations

import functools
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import Organizer
from app.extensions import db
from app.validation import normalise_email

MIN_PASSWORD = 10
MAX_PASSWORD = 256


class AccountError(ValueError):
    """The account cannot be created or changed as asked."""


def find_organizer(email: str) -> Organizer | None:
    try:
        address = normalise_email(email)
    except ValueError:
        return None
    return db.session.scalar(sa.select(Organizer).where(Organizer.email == address))


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str) -> Organizer | None:
    """The organizer with this email and password, or None. An unknown email costs
    one password hash like a known one, so timing does not tell them apart."""
    organizer = find_organizer(email)
    if organizer is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return organizer if organizer.check_password(password) else None


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"The password may have at most {MAX_PASSWORD} characters.")


def create_organizer(email: str, password: str) -> Organizer:
    try:
        address = normalise_email(email)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    check_password_rules(password)
    # Hashed before the lookup: a taken address costs the same time as a free one.
    organizer = Organizer(email=address)
    organizer.set_password(password)
    if find_organizer(address) is not None:
        raise AccountError(f"An organizer with the email {address} exists.")
    db.session.add(organizer)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise AccountError(f"An organizer with the email {address} exists.") from None
    return organizer


def change_password(organizer: Organizer, password: str) -> None:
    """Set a new password and end every session and remember cookie of the organizer."""
    check_password_rules(password)
    organizer.set_password(password)
    organizer.end_sessions()
    db.session.commit()
