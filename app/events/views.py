"""Event pages for the signed-in organizer."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from app.database import utcnow
from app.events.access import owned_event_or_404, owned_events
from app.events.forms import ConfirmForm, EventForm
from app.events.models import Event, EventStatus
from app.events.timezones import timezone_names, to_local, to_utc
from app.extensions import db

bp = Blueprint("events", __name__, url_prefix="/events")


@bp.before_request
@login_required
def require_login() -> None:
    """Every event page is for a signed-in organizer."""


@bp.get("/")
def index():
    now = utcnow()
    groups: dict[EventStatus, list[Event]] = defaultdict(list)
    archived: list[Event] = []
    for event in db.session.scalars(owned_events().order_by(Event.starts_at)):
        if event.archived_at is not None:
            archived.append(event)
        else:
            groups[event.clock_status(now)].append(event)
    groups[EventStatus.ENDED].reverse()
    return render_template(
        "events/index.html", groups=groups, statuses=list(EventStatus), archived=archived
    )


def apply_form(event: Event, form: EventForm) -> None:
    zone = (form.timezone.data or "").strip()
    event.title = (form.title.data or "").strip()
    event.description = (form.description.data or "").strip()
    event.timezone = zone
    event.language = form.language.data or "en"
    event.starts_at = to_utc(form.starts_at.data, zone)
    event.ends_at = to_utc(form.ends_at.data, zone)
    event.status = event.clock_status(utcnow()).value


def render_form(form: EventForm, event: Event | None):
    status = 400 if form.errors else 200
    return render_template(
        "events/form.html", form=form, event=event, timezones=timezone_names()
    ), status


@bp.route("/new", methods=["GET", "POST"])
def create():
    from flask_login import current_user

    form = EventForm()
    if form.validate_on_submit():
        event = Event(owner_id=current_user.id)
        apply_form(event, form)
        db.session.add(event)
        db.session.commit()
        flash("Event created.", "success")
        return redirect(url_for("events.detail", event_id=event.id))
    return render_form(form, None)


@bp.get("/<int:event_id>")
def detail(event_id: int):
    from app.participants.queries import participants_of

    event = owned_event_or_404(event_id)
    return render_template(
        "events/detail.html",
        event=event,
        participants=participants_of(event),
        status=event.clock_status(utcnow()),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = owned_event_or_404(event_id)
    form = EventForm(obj=event)
    if not form.is_submitted():
        form.starts_at.data = to_local(event.starts_at, event.timezone)
        form.ends_at.data = to_local(event.ends_at, event.timezone)
    if form.validate_on_submit():
        apply_form(event, form)
        db.session.commit()
        flash("Event saved.", "success")
        return redirect(url_for("events.detail", event_id=event.id))
    return render_form(form, event)


def issued_count(event: Event) -> int:
    from app.certificates.models import Certificate

    query = sa.select(sa.func.count()).where(Certificate.event_id == event.id)
    return db.session.scalar(query) or 0


@bp.route("/<int:event_id>/delete", methods=["GET", "POST"])
def delete(event_id: int):
    """Delete an event without certificates, with its stored files; one with
    certificates can only be archived, so that their verify pages keep answering."""
    event = owned_event_or_404(event_id)
    form = ConfirmForm()
    issued = issued_count(event)
    if form.validate_on_submit():
        if issued:
            flash(
                f"{event.title} has {issued} issued certificate(s), so it cannot be deleted: "
                "archive it instead.",
                "error",
            )
            return render_template("events/delete.html", event=event, form=form, issued=issued), 409
        from app.checker.hygiene import delete_prefixes
        from app.storage import get_storage

        title = event.title
        db.session.delete(event)
        db.session.commit()
        delete_prefixes(
            get_storage(),
            f"templates/event-{event_id}/",
            f"exports/event-{event_id}/",
            f"uploads/event-{event_id}/",
        )
        flash(f"Deleted {title}.", "success")
        return redirect(url_for("events.index"))
    status = 400 if form.errors else 200
    return render_template("events/delete.html", event=event, form=form, issued=issued), status


@bp.post("/<int:event_id>/archive")
def archive(event_id: int):
    """Hide an event from the dashboard; its certificates stay verifiable."""
    event = owned_event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        event.archived_at = None if event.archived_at else utcnow()
        db.session.commit()
        flash(f"{'Archived' if event.archived_at else 'Restored'} {event.title}.", "success")
    return redirect(url_for("events.detail", event_id=event.id))
