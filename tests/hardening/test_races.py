"""The same write sent twice at the same moment: one wins, the other gets a 4xx
(409 when it lost the race inside the database), never a 500 or a duplicate."""

from __future__ import annotations

import io
import threading

import sqlalchemy as sa

from tests.conftest import csrf_token
from tests.core.helpers import post_form


def at_once(app, requests) -> list[int]:
    """Run each `request(client)` in its own thread and client, released together."""
    clients = []
    for _ in requests:
        client = app.test_client()
        post_form(
            client,
            "/auth/login",
            {"email": "org@example.org", "password": "correct horse 1"},
        )
        clients.append(client)
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def run(request, client):
        barrier.wait()
        statuses.append(request(client).status_code)

    threads = [
        threading.Thread(target=run, args=(request, client))
        for request, client in zip(requests, clients, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def participant_rows(app, email: str) -> int:
    from app.extensions import db
    from app.models import Participant

    with app.app_context():
        query = sa.select(sa.func.count()).where(Participant.email == email)
        return db.session.scalar(query)


def test_same_participant_added_twice_at_once(app, client, event_id):
    page = f"/events/{event_id}/participants/new"
    for round_number in range(4):
        email = f"twice{round_number}@example.org"

        def add(client, email=email):
            return client.post(
                page,
                data={"name": "Twice", "email": email, "csrf_token": csrf_token(client, page)},
            )

        statuses = at_once(app, [add, add])
        assert statuses.count(302) == 1 and set(statuses) <= {302, 400, 409}, statuses
        assert participant_rows(app, email) == 1


def test_same_csv_imported_twice_at_once(app, client, event_id):
    page = f"/events/{event_id}/participants/import"
    content = b"name,email\n" + b"".join(f"P{n},p{n}@example.org\n".encode() for n in range(40))

    def upload(client):
        return client.post(
            page,
            data={
                "file": (io.BytesIO(content), "people.csv"),
                "csrf_token": csrf_token(client, page),
            },
            content_type="multipart/form-data",
        )

    statuses = at_once(app, [upload, upload])
    assert statuses.count(302) == 1 and set(statuses) <= {302, 400, 409}, statuses
    assert participant_rows(app, "p0@example.org") == 1
    assert participant_rows(app, "p39@example.org") == 1
