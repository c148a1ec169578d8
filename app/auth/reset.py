"""Password reset by email: a signed link that expires and works once.

The link holds the organizer's id and a fingerprint of their password hash and
session version, signed with SECRET_KEY. Setting a new password (or signing out
everywhere) changes the fingerprint, so a link works once and no older link
works after it. Nothing is stored but the outbox row, whose body is cleared
once it is sent.

No account enumeration: every request for a well-formed address gets the same
page and sends one message through the outbox, to an unknown address too (it
says there is no account there), so neither the page nor its timing tells
whether an account exists. The throttle bounds what anyone can make it send.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app, render_template, url_for

from app.auth.accounts import find_organizer
from app.auth.models import Organizer
from app.extensions import db

SALT = "laurel.password-reset"
MAX_AGE_SECONDS = 60 * 60
# The reset page sends its message at once, within this budget; a failure is
# retried by the checker like any other message.
SEND_BUDGET_SECONDS = 8.0


def _serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _fingerprint(organizer: Organizer) -> str:
    material = f"{organizer.password_hash}\x00{organizer.session_version}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_token(organizer: Organizer) -> str:
    return _serializer().dumps({"id": organizer.id, "fp": _fingerprint(organizer)})


def organizer_for(token: str) -> Organizer | None:
    """The organizer a valid, unexpired, unused link belongs to; else None."""
    from itsdangerous import BadData

    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    organizer = db.session.get(Organizer, data["id"])
    fingerprint = str(data.get("fp", ""))
    if organizer is None or not hmac.compare_digest(fingerprint, _fingerprint(organizer)):
        return None
    return organizer


def reset_base() -> str | None:
    """Links point at BASE_URL; outside production, at the current host. Never at a
    Host header in production: a forged one would send the link to a stranger's site."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base
    if not current_app.config.get("PRODUCTION"):
        return url_for("pages.home", _external=True).rstrip("/")
    return None


def request_reset(address: str, base: str) -> None:
    """Queue the message for `address` (normalised) and send it now, within a budget."""
    from app.database import utcnow
    from app.mail.outbox import drain, queue_text

    organizer = find_organizer(address)
    context = {
        "address": address,
        "minutes": MAX_AGE_SECONDS // 60,
        "login_url": base + url_for("auth.login"),
        "link": base + url_for("auth.reset", token=make_token(organizer)) if organizer else None,
    }
    body = render_template("mail/message/password_reset.txt", **context)
    now = utcnow()
    message = queue_text(address, "Reset your Laurel password", body, now)
    db.session.commit()
    drain(now, time.monotonic() + SEND_BUDGET_SECONDS, message_id=message.id)
