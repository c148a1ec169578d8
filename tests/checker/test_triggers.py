"""The cron route and `flask events check`: authorisation, answers, exit codes, same effect."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.checker.views import bearer_matches
from app.extensions import db
from app.models import Certificate, CheckerRun, Event, IssueFailure, Participant
from tests.checker.helpers import CRON_SECRET, add_participants, make_event, make_organizer, seed

ROUTE = "/api/cron/check-events"
RESULT_KEYS = {"run_id", "events_moved", "issued", "failed", "remaining", "deferred", "duration"}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("x" * len(CRON_SECRET)),  # wrong, same length
        bearer(CRON_SECRET[:-1]),  # a prefix: shorter
        bearer(CRON_SECRET + "0"),  # longer
        {"Authorization": f"Basic {CRON_SECRET}"},
        {"Authorization": CRON_SECRET},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer ünïcode-∞"},
    ],
    ids=["none", "wrong", "shorter", "longer", "basic", "bare", "empty", "unicode"],
)
def test_cron_refuses_without_the_secret(client, headers):
    for method in (client.get, client.post):
        response = method(ROUTE, headers=headers)
        assert response.status_code == 401
        assert response.json["status"] == 401
        assert "CRON_SECRET" in response.json["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("production", [True, False])
def test_cron_without_a_configured_secret_is_closed_and_says_why(app, client, production):
    app.config.update(CRON_SECRET=None, PRODUCTION=production)
    for headers in ({}, bearer(""), bearer("None")):
        response = client.get(ROUTE, headers=headers)
        assert response.status_code == 503
        assert "CRON_SECRET" in response.json["message"]


def test_cron_runs_the_checker_on_get_and_post(app, client):
    with app.app_context():
        owed = seed(events=1, per_event=3)

    first = client.get(ROUTE, headers=bearer(CRON_SECRET))
    assert first.status_code == 200
    assert set(first.json) >= RESULT_KEYS
    assert (first.json["issued"], first.json["remaining"], first.json["outcome"]) == (3, 0, "done")
    # POST, and CSRF does not apply: this is a machine's API with its own secret.
    second = client.post(ROUTE, headers=bearer(CRON_SECRET))
    assert second.status_code == 200
    assert second.json["issued"] == 0
    assert second.json["run_id"] != first.json["run_id"]
    with app.app_context():
        runs = db.session.scalars(sa.select(CheckerRun.trigger)).all()
        assert runs == ["cron", "cron"]
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == len(owed)


def test_cron_answers_200_while_work_remains(app, client):
    app.config["CHECKER_BUDGET_SECONDS"] = 0.01
    with app.app_context():
        seed(events=1, per_event=3)
    response = client.get(ROUTE, headers=bearer(CRON_SECRET))
    assert response.status_code == 200
    assert response.json["outcome"] == "time_up"
    assert response.json["remaining"] >= 2


def test_cron_reports_a_failed_run_as_500(app, client):
    with app.app_context():
        seed(events=1, per_event=1)
    app.config["STORAGE_URL"] = "ftp://nowhere"
    app.extensions.pop("laurel.storage")
    response = client.get(ROUTE, headers=bearer(CRON_SECRET))
    assert response.status_code == 500
    assert response.json["outcome"] == "failed"
    assert "STORAGE_URL" in response.json["error"]


def test_bearer_comparison():
    assert bearer_matches("Bearer s3cret", "s3cret")
    assert bearer_matches("bearer s3cret", "s3cret")
    assert not bearer_matches("Bearer s3cre", "s3cret")
    assert not bearer_matches("Bearer s3crett", "s3cret")
    assert not bearer_matches(None, "s3cret")
    assert not bearer_matches("Bearer \u20ac", "\u20ac")  # not valid header bytes


# --- the CLI --------------------------------------------------------------------------


def test_cli_exits_0_after_a_good_run(app, runner):
    with app.app_context():
        seed(events=2, per_event=2)
    result = runner.invoke(args=["events", "check"])
    assert result.exit_code == 0, result.output
    assert "run 1: done; moved 2 event(s), issued 4, failed 0, remaining 0" in result.output


def test_cli_exits_1_when_a_certificate_fails(app, runner):
    with app.app_context():
        owner = make_organizer()
        event = make_event(owner)
        first, _second = add_participants(event, 2)
        db.session.get(Participant, first).name = "Taro \U0001f600"
        db.session.commit()
    result = runner.invoke(args=["events", "check"])
    assert result.exit_code == 1
    assert "issued 1, failed 1" in result.output
    # The next run has nothing due (the failure waits out its back-off): success.
    assert runner.invoke(args=["events", "check"]).exit_code == 0


def test_cli_exits_1_when_the_run_fails(app, runner):
    app.config["BASE_URL"] = None
    with app.app_context():
        seed(events=1, per_event=1)
    result = runner.invoke(args=["events", "check"])
    assert result.exit_code == 1
    assert "failed" in result.output and "BASE_URL" in result.output


def test_cli_until_done_runs_until_nothing_is_due(app, runner):
    with app.app_context():
        owed = seed(events=1, per_event=30)
    # A budget no single certificate outlasts, even on a loaded machine: a run that
    # passes its hard stop ends the process (os._exit), and here that is pytest.
    result = runner.invoke(args=["events", "check", "--budget", "2", "--until-done"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) > 1
    assert "time_up" in lines[0] and lines[-1].endswith("s") and "done" in lines[-1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == len(owed)


def test_cli_rejects_a_budget_that_is_not_positive(runner):
    assert runner.invoke(args=["events", "check", "--budget", "0"]).exit_code == 2


# --- one function, whichever trigger -------------------------------------------------


def _scenario() -> None:
    """Fixed ids, so that storage keys can be compared across runs."""
    owner = make_organizer()
    alpha = make_event(owner, "Alpha", event_id=501)
    beta = make_event(owner, "Beta", event_id=502)
    add_participants(alpha, 4, first_id=1000)
    add_participants(beta, 4, attended_every=2, first_id=2000)
    db.session.get(Participant, 1001).name = "Taro \U0001f600"  # fails: no font draws emoji
    db.session.commit()


def _snapshot() -> dict[str, object]:
    from app.storage import get_storage

    db.session.rollback()
    certificates = db.session.execute(
        sa.select(
            Certificate.participant_id,
            Certificate.event_id,
            Certificate.holder_name,
            Certificate.event_title,
            Certificate.event_date,
            Certificate.issuer,
            # Keys and link carry the certificate's own (random) code.
            Certificate.png_key == "certificates/" + Certificate.code + ".png",
            Certificate.pdf_key == "certificates/" + Certificate.code + ".pdf",
            Certificate.verify_url == "https://laurel.example/verify/" + Certificate.code,
        ).order_by(Certificate.participant_id)
    ).all()
    failures = db.session.execute(
        sa.select(
            IssueFailure.participant_id,
            IssueFailure.event_id,
            IssueFailure.attempts,
            IssueFailure.last_error,
        )
    ).all()
    runs = db.session.execute(
        sa.select(
            CheckerRun.outcome,
            CheckerRun.events_moved,
            CheckerRun.issued,
            CheckerRun.failed,
            CheckerRun.remaining,
            CheckerRun.deferred,
        )
    ).all()
    events = db.session.execute(sa.select(Event.id, Event.status).order_by(Event.id)).all()
    return {
        "certificates": certificates,
        "failures": failures,
        "runs": runs,
        "events": events,
        "files": sorted(
            key.removeprefix("certificates/").rsplit(".", 1)[1]
            for key in get_storage().list_keys("certificates/")
        ),
    }


def _wipe() -> None:
    from app.storage import get_storage

    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    storage = get_storage()
    for key in storage.list_keys():
        storage.delete(key)


def test_route_and_cli_leave_the_same_rows_and_files(app, client, runner):
    snapshots = []
    for trigger in ("route", "cli"):
        with app.app_context():
            _wipe()
            _scenario()
        if trigger == "route":
            assert client.get(ROUTE, headers=bearer(CRON_SECRET)).status_code == 200
        else:
            assert runner.invoke(args=["events", "check"]).exit_code == 1  # one failed
        with app.app_context():
            snapshots.append(_snapshot())
    route, cli = snapshots
    assert route == cli
    assert len(route["certificates"]) == 5
    assert len(route["failures"]) == 1
    assert [row[0] for row in route["certificates"]] == [1000, 1002, 1003, 2000, 2002]
