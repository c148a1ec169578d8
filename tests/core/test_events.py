"""Events: times in the event's zone, validation, and ownership."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import Event
from tests.core.helpers import EVENT, create_event, post_form


def stored(app, event_id: int) -> Event:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.expunge_all()
        return event


def test_create_stores_utc_and_shows_local_time(app, client, organizer):
    event_id = create_event(client)
    event = stored(app, event_id)
    assert event.starts_at == datetime(2030, 3, 1, 8, 0, tzinfo=UTC)  # CET is UTC+1
    assert event.ends_at == datetime(2030, 3, 1, 16, 0, tzinfo=UTC)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "09:00" in page and "17:00" in page and "Europe/Berlin" in page


def test_edit_keeps_wall_clock_in_the_new_zone(app, client, organizer):
    event_id = create_event(client)
    form = client.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="2030-03-01T09:00"' in form
    response = post_form(
        client,
        f"/events/{event_id}/edit",
        {**EVENT, "timezone": "America/New_York", "title": "Renamed"},
    )
    assert response.status_code == 302
    event = stored(app, event_id)
    assert event.title == "Renamed"
    assert event.starts_at == datetime(2030, 3, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"title": "x" * 201}, "200"),
        ({"description": "x" * 5001}, "5000"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"ends_at": "2030-03-01T08:00"}, "The end must come after the start"),
        ({"starts_at": "tomorrow"}, "Not a valid datetime"),
        ({"ends_at": ""}, "Give an end date and time"),
    ],
)
def test_bad_event_forms_say_what_to_fix(app, client, organizer, fields, message):
    response = post_form(client, "/events/new", {**EVENT, **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Event).count() == 0


def test_events_are_listed_by_clock(client, organizer):
    create_event(client, title="Past", starts_at="2001-01-01T09:00", ends_at="2001-01-01T10:00")
    create_event(client, title="Future")
    page = client.get("/events/").get_data(as_text=True)
    assert page.index("Future") < page.index("Ended") < page.index("Past")


def test_delete_asks_then_deletes(app, client, organizer):
    event_id = create_event(client)
    assert "cannot be undone" in client.get(f"/events/{event_id}/delete").get_data(as_text=True)
    response = post_form(client, f"/events/{event_id}/delete", {})
    assert response.status_code == 302
    assert client.get(f"/events/{event_id}").status_code == 404


def test_other_organizers_events_answer_404(app, client, auth, organizer):
    event_id = create_event(client)
    auth.logout()
    auth.create("other@example.org")
    auth.login("other@example.org")
    for path in (
        f"/events/{event_id}",
        f"/events/{event_id}/edit",
        f"/events/{event_id}/delete",
        f"/events/{event_id}/participants/new",
        f"/events/{event_id}/participants/export.csv",
    ):
        assert client.get(path).status_code == 404, path
    response = post_form(client, "/events/new", EVENT, action=f"/events/{event_id}/delete")
    assert response.status_code == 404
    assert stored(app, event_id) is not None
    assert "Workshop" not in client.get("/events/").get_data(as_text=True)
