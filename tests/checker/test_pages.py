"""What organizers see: "Issue now" with its progress, the dashboard, and /readyz."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.checker.run import check_events
from app.database import utcnow
from app.extensions import db
from app.models import Certificate, CheckerRun, Participant
from tests.checker.helpers import add_participants, make_event, make_organizer
from tests.conftest import csrf_token

JSON = {"Accept": "application/json"}


def ended_event(app, owner_id: int, participants: int = 3, **options) -> tuple[int, list[int]]:
    with app.app_context():
        event = make_event(owner_id, **options)
        owed = add_participants(event, participants)
        db.session.commit()
    return event, owed


def issue_now(client, event_id: int, retry: str = "1", **kwargs):
    token = csrf_token(client, f"/events/{event_id}")
    data = {"csrf_token": token, "retry": retry}
    return client.post(f"/events/{event_id}/issue-now", data=data, **kwargs)


def test_issue_now_issues_and_reports_progress(app, client, organizer):
    event, _owed = ended_event(app, organizer)
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert "Issue now" in page and "0</span> of" in page

    response = issue_now(client, event, headers=JSON)

    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["issued"], body["remaining"], body["due"]) == (3, 3, 0, 0)
    assert body["run"]["issued"] == 3 and body["run"]["outcome"] == "done"
    with app.app_context():
        run = db.session.scalar(sa.select(CheckerRun))
        assert (run.trigger, run.event_id) == ("button", event)
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert "Issue now" not in page and "3</span> of" in page


def test_issue_now_posts_again_while_work_remains(app, client, organizer):
    app.config["CHECKER_ISSUE_NOW_BUDGET_SECONDS"] = 0.2
    event, _owed = ended_event(app, organizer, participants=12)
    seen = []
    for _round in range(50):
        body = issue_now(client, event, retry="0", headers=JSON).json
        seen.append(body["issued"])
        if body["due"] == 0:
            break
    assert len(seen) > 1 and seen == sorted(seen) and seen[-1] == 12
    status = client.get(f"/events/{event}/issue-now").json
    assert (status["issued"], status["total"], status["due"]) == (12, 12, 0)


@pytest.mark.parametrize(
    ("asked", "budget"),
    [("0.3", 0.3), ("600", 8.0), ("-1", 8.0), ("nan", 8.0), ("soon", 8.0), (None, 8.0)],
)
def test_the_script_may_ask_for_shorter_rounds_only(app, client, organizer, asked, budget):
    app.config["CHECKER_ISSUE_NOW_BUDGET_SECONDS"] = 8.0
    event, _owed = ended_event(app, organizer, participants=1)
    token = csrf_token(client, f"/events/{event}")
    data = {"csrf_token": token, "retry": "0", **({"seconds": asked} if asked else {})}
    response = client.post(f"/events/{event}/issue-now", data=data, headers=JSON)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(CheckerRun.budget_seconds)) == budget


def test_the_script_reloads_to_a_message_once_nothing_is_due(app, client, organizer):
    event, _owed = ended_event(app, organizer)
    assert issue_now(client, event, headers=JSON).json["due"] == 0
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert "3 of 3 certificates issued." in page


def test_issue_now_without_javascript_redirects_back_with_a_message(app, client, organizer):
    event, _owed = ended_event(app, organizer)
    response = issue_now(client, event)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event}#issue-now")
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert "3 of 3 certificates issued." in page


def test_issue_now_needs_the_csrf_token(app, client, organizer):
    event, _owed = ended_event(app, organizer)
    response = client.post(f"/events/{event}/issue-now", headers=JSON)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_issue_now_is_for_the_owner_only(app, client, auth, organizer):
    with app.app_context():
        stranger = make_organizer("stranger@example.org")
        db.session.commit()
    event, _owed = ended_event(app, stranger)
    own, _ = ended_event(app, organizer)
    token = csrf_token(client, f"/events/{own}")
    response = client.post(f"/events/{event}/issue-now", data={"csrf_token": token}, headers=JSON)
    assert response.status_code == 404
    assert client.get(f"/events/{event}/issue-now").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    auth.logout()
    assert client.get(f"/events/{own}/issue-now").status_code == 302  # to the sign-in page


def test_issue_now_waits_for_the_end_of_the_event(app, client, organizer):
    event, _owed = ended_event(app, organizer, ends_at=utcnow() + timedelta(hours=2))
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert "after the event ends" in page and "Issue now" not in page
    response = issue_now(client, event, headers=JSON)
    assert response.status_code == 409


def test_failures_are_listed_with_their_error_and_retried_on_request(app, client, organizer):
    event, owed = ended_event(app, organizer)
    with app.app_context():
        db.session.get(Participant, owed[0]).name = "Taro \U0001f600"  # no shipped font draws emoji
        db.session.commit()
    body = issue_now(client, event, headers=JSON).json
    assert (body["issued"], body["deferred"], body["due"]) == (2, 1, 0)
    assert body["failures"][0]["attempts"] == 1
    assert "UndrawableTextError" in body["failures"][0]["error"]
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert "Not issued yet" in page and "Taro \U0001f600" in page and "UndrawableTextError" in page
    assert "Retry now" in page

    # The organizer fixes the name and asks again, without waiting for the back-off.
    with app.app_context():
        db.session.get(Participant, owed[0]).name = "Yamada Taro"
        db.session.commit()
    assert issue_now(client, event, retry="0", headers=JSON).json["issued"] == 2  # still waiting
    body = issue_now(client, event, retry="1", headers=JSON).json
    assert (body["issued"], body["remaining"], body["failures"]) == (3, 0, [])


def test_dashboard_shows_the_last_run_and_warns_when_it_is_late(app, client, organizer):
    page = client.get("/events/").get_data(as_text=True)
    assert "not issued automatically yet" in page

    with app.app_context():
        check_events()
    page = client.get("/events/").get_data(as_text=True)
    assert "Event checker: last run" in page and "is late" not in page

    with app.app_context():
        run = db.session.scalar(sa.select(CheckerRun))
        run.started_at = utcnow() - timedelta(days=3)
        db.session.commit()
    page = client.get("/events/").get_data(as_text=True)
    assert "The event checker is late" in page and "3 days ago" in page


def test_issue_now_runs_do_not_count_as_the_schedule(app, client, organizer):
    event, _owed = ended_event(app, organizer)
    issue_now(client, event, headers=JSON)
    assert "not issued automatically yet" in client.get("/events/").get_data(as_text=True)


@pytest.mark.parametrize("ran", [False, True])
def test_readyz_reports_the_age_of_the_last_run_and_stays_ready(app, client, ran):
    if ran:
        with app.app_context():
            check_events()
    response = client.get("/readyz")
    check = response.json["checks"]["checker"]
    assert check["ok"] is True
    if ran:
        assert check["detail"].startswith("last run ") and "(done)" in check["detail"]
    else:
        assert check["detail"] == "never run"
