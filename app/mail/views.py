"""The local outbox (development): what would have been sent, for the organizer to read."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template
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
    return render_template("mail/outbox.html", messages=list(db.session.scalars(query)))
