"""Input rules shared by forms, the CSV import and the CLI: one answer everywhere.

Email addresses are checked by syntax only (no DNS lookup, which would make a
sign-in depend on a resolver). The `.test` top-level domain, reserved for
testing (RFC 6761), is accepted; other special-use names (`.local`,
`.invalid`, `localhost`) are refused, by the CLI, sign-up, sign-in and the
participant forms alike.
"""

from __future__ import annotations

import unicodedata

from wtforms.validators import ValidationError

MAX_EMAIL_LENGTH = 254


def normalise_email(raw: str) -> str:
    """A checked, lower-case address; ValueError says what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    value = (raw or "").strip()
    if not value:
        raise ValueError("The email address is empty.")
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValueError(f"The email address is longer than {MAX_EMAIL_LENGTH} characters.")
    try:
        checked = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.normalized.lower()


class EmailAddress:
    """WTForms validator around `normalise_email`, so forms say what the CLI says."""

    def __call__(self, form: object, field: object) -> None:
        try:
            normalise_email(getattr(field, "data", "") or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def control_characters(text: str) -> list[str]:
    """Characters a stored text must not hold: NUL and other C0/C1 controls
    (tab and newlines allowed), and lone surrogates that no encoder accepts."""
    found = []
    for char in text:
        if char in "\t\n\r":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") and char not in found:
            found.append(char)
    return found


def describe_controls(chars: list[str]) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in chars)


def undrawable_message(text: str) -> str | None:
    """Why `text` cannot go on a certificate (no shipped font draws some of it), or None."""
    from app.certificates.rendering import describe_char, undrawable

    missing = undrawable(text)
    if not missing:
        return None
    listed = "; ".join(describe_char(c) for c in missing[:10])
    return f"has characters no certificate font can draw: {listed}"


class Drawable:
    """WTForms validator: text that certificates will draw must be drawable."""

    def __call__(self, form: object, field: object) -> None:
        message = undrawable_message(getattr(field, "data", "") or "")
        if message:
            raise ValidationError(message[0].upper() + message[1:] + ".")
