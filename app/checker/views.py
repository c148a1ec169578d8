"""The checker over HTTP: the cron route for machines, "Issue now" for organizers."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, request, url_for
from flask_login import login_required
from werkzeug.exceptions import ServiceUnavailable, Unauthorized

from app.checker.models import Outcome, Trigger
from app.checker.status import EventIssuing, event_issuing
from app.config import cron_secret_problem
from app.database import utcnow
from app.errors.handlers import error_response, wants_json
from app.events.access import owned_event_or_404
from app.events.models import Event, EventStatus
from app.security import throttle
from app.security.bearer import bearer_matches

api = Blueprint("checker_api", __name__)
bp = Blueprint("checker", __name__)


@api.route("/api/cron/check-events", methods=["GET", "POST"])
def cron():
    problem = cron_secret_problem(current_app.config)
    if problem:
        # Never an open endpoint: without a usable secret nobody may start runs this way.
        return error_response(ServiceUnavailable(problem))
    secret = current_app.config["CRON_SECRET"]
    # The right secret goes straight to the run, which its budget bounds: no database
    # call before it that a stalled database could stretch. Only wrong ones are counted.
    if not bearer_matches(request.headers.get("Authorization"), secret):
        address = throttle.client_address()
        wait = throttle.blocked("cron_address", address)
        if wait:
            throttle.refuse(wait, "calls with a wrong cron secret from your address")
        throttle.record("cron_address", address)
        response, status = error_response(
            Unauthorized("Send 'Authorization: Bearer <CRON_SECRET>' with the configured secret.")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="laurel-cron"'
        return response, status
    from app.checker.run import check_events  # the run's code loads when a run starts

    # A call from a run fanning out names the reservation it fulfils (and its event).
    result = check_events(
        trigger=Trigger.CRON.value,
        adopt=request.args.get("run", type=int),
        event_id=request.args.get("event", type=int),
    )
    # 200 whenever the run worked, even with work left: the next run continues.
    return jsonify(result.as_dict()), 500 if result.outcome == Outcome.FAILED else 200


def refuse_unless_ended(event: Event):
    """The one rule for every organizer's issue button: only once the event has ended.

    None when it has; else the answer to give (409 JSON, or a warning and the page).
    """
    if event.clock_status(utcnow()) == EventStatus.ENDED:
        return None
    message = "Certificates are issued once the event has ended."
    if wants_json():
        return jsonify(error="Conflict", status=409, message=message), 409
    flash(message, "warning")
    return redirect(url_for("events.detail", event_id=event.id))


def button_budget() -> float:
    """An organizer waits for the page: a short budget, never above the checker's own."""
    return min(
        float(current_app.config["CHECKER_ISSUE_NOW_BUDGET_SECONDS"]),
        float(current_app.config["CHECKER_BUDGET_SECONDS"]),
    )


@bp.post("/events/<int:event_id>/issue-now")
@login_required
def issue_now(event_id: int):
    event = owned_event_or_404(event_id)
    if (refusal := refuse_unless_ended(event)) is not None:
        return refusal
    budget = button_budget()
    # The page's script asks for short rounds, so that its bar moves after each one
    # even where no second request is answered while a round runs; never longer.
    asked = request.form.get("seconds", type=float)
    if asked is not None and 0 < asked < budget:
        budget = asked
    from app.checker.run import check_events

    result = check_events(
        event_id=event.id,
        budget_seconds=budget,
        trigger=Trigger.BUTTON.value,
        retry_failed=request.form.get("retry") == "1",
    )
    issuing = event_issuing(event)
    done = issuing.progress
    if result.outcome == Outcome.FAILED:
        if not wants_json():
            flash(f"The checker could not run: {result.error}", "error")
    elif not wants_json() or done.due + mail_due(event.id) == 0:
        # The script reloads the page once nothing is due: this is what it then says.
        flash(f"{done.issued} of {done.total} certificates issued.", "success")
    if wants_json():
        return jsonify(run=result.as_dict(), **progress_json(issuing, event.id))
    return redirect(url_for("events.detail", event_id=event.id, _anchor="issue-now"))


@bp.get("/events/<int:event_id>/issue-now")
@login_required
def issue_status(event_id: int):
    """Progress for the page's script (or anyone curious): JSON only."""
    return jsonify(progress_json(event_issuing(owned_event_or_404(event_id)), event_id))


def mail_due(event_id: int) -> int:
    from app.database import utcnow
    from app.mail.outbox import due_count

    return due_count(event_id, utcnow())


def progress_json(issuing: EventIssuing, event_id: int) -> dict[str, object]:
    progress = issuing.progress
    return {
        "ended": issuing.ended,
        # Certificate emails still to send: the page's script keeps going for them too.
        "mail_due": mail_due(event_id),
        "total": progress.total,
        "issued": progress.issued,
        "remaining": progress.remaining,
        "deferred": progress.deferred,
        "due": progress.due,
        "failures": [
            {
                "participant_id": failure.participant_id,
                "name": failure.name,
                "attempts": failure.attempts,
                "error": failure.last_error,
                "next_attempt_at": failure.next_attempt_at.isoformat(),
            }
            for failure in issuing.failures
        ],
    }
