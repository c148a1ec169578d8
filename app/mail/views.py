"""The local outbox (development): what would have been sent, for the organizer to read."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/outbox")


@bp.get("")
@login_required
def outbox():
    if current_app.config["MAIL"].kind != "outbox":
        abort(404, description="The local outbox exists only while EMAIL_URL is outbox://.")
    own_events = sa.select(Event.id).where(Event.owner_id == current_user.id)
    query = (
        sa.select(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.event_id.in_(own_events),
                OutboxMessage.to_address == current_user.email,
            )
        )
        .order_by(OutboxMessage.id.desc())
        .limit(200)
    )
    kept = [(m, _readable(m.kept)) for m in db.session.scalars(query)]
    return render_template("mail/outbox.html", messages=kept)


def _readable(source: str | None) -> dict[str, object] | None:
    """What a mail client would show of a kept message: headers, text, attachments."""
    from email import message_from_string, policy

    if not source:
        return None
    message = message_from_string(source, policy=policy.default)
    text = message.get_body(("plain",))
    return {
        "headers": [(name, message[name]) for name in ("From", "Reply-To", "To", "Subject")],
        "text": text.get_content() if text is not None else "",
        "attachments": [
            f"{part.get_filename()} ({len(part.get_content())} bytes)"
            for part in message.iter_attachments()
        ],
    }


events_bp = Blueprint("mail_events", __name__, url_prefix="/events/<int:event_id>/email")


def deliveries(event: Event) -> dict[int, OutboxMessage]:
    """The latest message of each certificate of the event (template global)."""
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, OutboxMessage.certificate_id.is_not(None))
        .order_by(OutboxMessage.id)
    )
    return {m.certificate_id: m for m in db.session.scalars(query)}  # type: ignore[misc]


@events_bp.before_request
@login_required
def require_login() -> None:
    """Email settings are for the signed-in organizer."""


@events_bp.post("/toggle")
def toggle(event_id: int):
    from app.events.access import owned_event_or_404
    from app.events.forms import ConfirmForm

    event = owned_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired: reload the page and try again.")
    event.email_certificates = not event.email_certificates
    db.session.commit()
    state = (
        "on: each certificate is emailed when it is issued" if event.email_certificates else "off"
    )
    flash(f"Sending certificates by email is {state}.", "success")
    return redirect(url_for("events.detail", event_id=event.id, _anchor="email"))


@events_bp.post("/send")
def send(event_id: int):
    """Send (or resend) one certificate's email, or every valid one not yet sent."""
    from app.certificates.models import Certificate
    from app.checker.models import Trigger
    from app.checker.run import check_events
    from app.checker.views import button_budget
    from app.database import utcnow
    from app.events.access import owned_event_or_404
    from app.events.forms import ConfirmForm
    from app.mail.outbox import resend

    event = owned_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired: reload the page and try again.")
    if not current_app.config["MAIL"].enabled:
        abort(409, description="Email is off: set EMAIL_URL to send certificates.")
    valid = sa.select(Certificate.id).where(
        Certificate.event_id == event.id,
        Certificate.revoked_at.is_(None),
        Certificate.replaced_by_code.is_(None),
    )
    one = request.form.get("certificate_id", type=int)
    if one is not None:
        ids = list(db.session.scalars(valid.where(Certificate.id == one)))
        if not ids:
            abort(404, description="That certificate is not a valid one of this event.")
    else:
        latest = deliveries(event)
        ids = [
            c for c in db.session.scalars(valid) if c not in latest or latest[c].state == "failed"
        ]
    queued = resend(event.id, ids, utcnow())
    db.session.commit()
    result = check_events(
        event_id=event.id, budget_seconds=button_budget(), trigger=Trigger.BUTTON.value
    )
    flash(f"{queued} message(s) queued, {result.mailed} sent now.", "success")
    return redirect(url_for("events.detail", event_id=event.id, _anchor="email"))
