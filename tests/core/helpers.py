"""Small helpers shared by the core tests: forms posted the way a browser does."""

from __future__ import annotations

from tests.conftest import csrf_token

EVENT = {
    "title": "Workshop",
    "description": "Hands-on",
    "timezone": "Europe/Berlin",
    "starts_at": "2030-03-01T09:00",
    "ends_at": "2030-03-01T17:00",
}


def post_form(client, page: str, data: dict, action: str | None = None, **kwargs):
    """Post `data` to `action` (default `page`) with the token shown on `page`."""
    return client.post(
        action or page, data={**data, "csrf_token": csrf_token(client, page)}, **kwargs
    )


def create_event(client, **fields) -> int:
    response = post_form(client, "/events/new", {**EVENT, **fields})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def add_participant(client, event_id: int, name: str, email: str, attended: bool = True):
    data = {"name": name, "email": email}
    if attended:
        data["attended"] = "y"
    page = f"/events/{event_id}/participants/new"
    return post_form(client, page, data)
