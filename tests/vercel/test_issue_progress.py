""" "Issue now" under Vercel's own launcher: while one request runs the checker,
another reads the event's progress from the database and sees it move. The page's
script does exactly this (static/js/issue-now.js); tests/browser shows it under
gunicorn."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

from tests.vercel import scenario
from tests.vercel.launcher import PlatformClient, launch

ATTENDEES = 25  # more than two of the checker's batches, each committed on its own
ROUND_SECONDS = "1.5"  # what the script asks for (it sends 2.5); shorter, for a quicker test


def ended_event(database_url: str, email: str, attendees: int = ATTENDEES) -> int:
    from app import create_app
    from app.auth.accounts import find_organizer
    from app.database import utcnow
    from app.extensions import db
    from app.models import Event, Participant

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": scenario.SECRET_KEY, "CONFIG_PROBLEMS": []}
    )
    with app.app_context():
        now = utcnow()
        event = Event(
            owner_id=find_organizer(email).id,
            title="Progress under vc_init",
            timezone="UTC",
            starts_at=now - timedelta(hours=3),
            ends_at=now - timedelta(hours=1),
            status="ended",
        )
        db.session.add(event)
        db.session.flush()
        for number in range(attendees):
            db.session.add(
                Participant(
                    event_id=event.id,
                    name=f"Person {number:02d}",
                    email=f"person{number}@example.org",
                    attended=True,
                )
            )
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id


def test_progress_moves_while_issue_now_runs(
    project_copy, platform_database, s3_endpoint, s3_bucket
):
    database_url, organizer = platform_database
    event_id = ended_event(database_url, organizer.email)
    env = {
        **scenario.app_env(database_url),
        "STORAGE_URL": f"s3://{s3_bucket}/certificates",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ADDRESSING_STYLE": "path",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "BASE_URL": "https://laurel.example.test",
    }
    with launch(project_copy, env) as running:
        issuer = PlatformClient(running.url)
        token = scenario.csrf_token(issuer.get("/auth/login"))
        issuer.post(
            "/auth/login",
            form={"email": organizer.email, "password": organizer.password, "csrf_token": token},
        )
        token = scenario.csrf_token(issuer.get(f"/events/{event_id}"))
        reader = PlatformClient(running.url)
        reader.cookies = dict(issuer.cookies)
        path = f"/events/{event_id}/issue-now"
        rounds: list[dict] = []

        def press() -> None:
            """What the page's script does: short rounds until nothing is due."""
            for _ in range(ATTENDEES):  # bounded: every round issues at least one
                answer = issuer.post(
                    path,
                    form={"csrf_token": token, "retry": "0", "seconds": ROUND_SECONDS},
                    headers={"Accept": "application/json"},
                )
                assert answer.status == 200, answer.text[:2000]
                rounds.append(answer.json())
                if rounds[-1]["due"] == 0:
                    return

        pressing = threading.Thread(target=press)
        pressing.start()
        polled = []
        for _ in range(600):  # bounded; the rounds end it well before
            if not pressing.is_alive():
                break
            progress = reader.get(path, headers={"Accept": "application/json"})
            assert progress.status == 200, progress.text[:500]
            polled.append(progress.json()["issued"])
            time.sleep(0.2)
        pressing.join(120)

    issued = [answer["issued"] for answer in rounds]
    assert issued[-1] == ATTENDEES and rounds[-1]["due"] == 0, rounds
    assert issued == sorted(issued) and polled == sorted(polled), (issued, polled)
    moving = {n for n in issued + polled if 0 < n < ATTENDEES}
    assert len(moving) >= 2, f"the bar would not move: rounds {issued}, polls {polled}"
