"""Custom fields: a CSV's extra columns kept per participant, on the form, exported
again, usable as layout placeholders, and checked where they come in."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.extensions import db
from app.models import Event, Participant
from tests.core.helpers import create_event, post_form
from tests.core.test_participants import upload

GOOD = (
    b"name,email,attended,Role,Hours spent\n"
    b"Ada,ada@example.org,yes,Speaker,6\n"
    b"Boris,boris@example.org,no,,3\n"
)


@pytest.fixture
def event_id(client, organizer) -> int:
    return create_event(client)


def people(app, event_id: int) -> dict[str, dict | None]:
    with app.app_context():
        rows = db.session.query(Participant).filter_by(event_id=event_id)
        return {p.name: p.fields for p in rows}


def test_import_keeps_the_extra_columns_and_export_gives_them_back(app, client, event_id):
    assert upload(client, event_id, GOOD).status_code == 302
    assert people(app, event_id) == {
        "Ada": {"role": "Speaker", "hours_spent": "6"},
        "Boris": {"role": "", "hours_spent": "3"},
    }
    with app.app_context():
        assert db.session.get(Event, event_id).custom_fields == ["role", "hours_spent"]
    exported = client.get(f"/events/{event_id}/participants/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["name", "email", "attended", "role", "hours_spent"]
    assert ["Ada", "ada@example.org", "yes", "Speaker", "6"] in rows
    # What was exported imports again into another event, fields and all.
    other = create_event(client, title="Again")
    assert upload(client, other, exported.encode()).status_code == 302
    assert people(app, other) == people(app, event_id)


def test_the_participant_form_shows_and_saves_the_fields(app, client, event_id):
    upload(client, event_id, GOOD)
    with app.app_context():
        pid = db.session.query(Participant).filter_by(name="Boris").one().id
    page = f"/events/{event_id}/participants/{pid}/edit"
    html = client.get(page).get_data(as_text=True)
    assert 'name="custom_hours_spent"' in html and 'value="3"' in html
    assert "On the certificate as {role}" in html
    data = {"name": "Boris", "email": "boris@example.org", "custom_role": "Host"}
    assert post_form(client, page, {**data, "custom_hours_spent": "4"}).status_code == 302
    assert people(app, event_id)["Boris"] == {"role": "Host", "hours_spent": "4"}
    refused = post_form(client, page, {**data, "custom_hours_spent": "🎉"})
    assert refused.status_code == 400
    assert "hours_spent has characters no certificate font can draw" in refused.get_data(
        as_text=True
    )
    added = f"/events/{event_id}/participants/new"
    post_form(client, added, {"name": "Cy", "email": "cy@example.org", "custom_role": "Chair"})
    assert people(app, event_id)["Cy"] == {"role": "Chair", "hours_spent": ""}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,email,role\nAda,ada@example.org,Party 🎉\n", "line 2: role has characters"),
        ("name,email,role\nAda,ada@example.org,a\x07b\n", "line 2: role holds invisible"),
        ("name,email,2nd\nAda,ada@example.org,x\n", "line 1: the column &#39;2nd&#39; cannot"),
        ("name,email,event\nAda,ada@example.org,x\n", "a name Laurel uses itself ({event})"),
        ("name,email,Role,role \nAda,ada@example.org,x,y\n", "the column role twice"),
        (
            "name,email,the role,the-role\nAda,ada@example.org,x,y\n",
            "two columns are both the field the_role",
        ),
        ("name,email,role\nAda,ada@example.org," + "x" * 201 + "\n", "role has 201 characters"),
        (
            "name,email," + ",".join(f"c{i}" for i in range(21)) + "\nAda,ada@example.org\n",
            "at most 20",
        ),
    ],
)
def test_bad_fields_are_refused_naming_field_and_row(app, client, event_id, content, message):
    response = upload(client, event_id, content.encode())
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert people(app, event_id) == {}


def layout_with(text: str) -> str:
    from app.certificates.rendering import DEFAULT_LAYOUT, layout_to_dict

    layout = layout_to_dict(DEFAULT_LAYOUT)
    layout["fields"].append({"type": "text", "text": text, "x": 0.5, "y": 0.9})
    return json.dumps(layout)


def test_layout_placeholders_must_be_fields_of_the_event(app, client, event_id):
    page = f"/events/{event_id}/design/"
    action = f"/events/{event_id}/design/layout"
    refused = post_form(client, page, {"layout": layout_with("as {role}")}, action=action)
    assert refused.status_code == 400
    assert "fields[8].text: {role} is not a field of this event" in refused.get_data(as_text=True)
    preview = client.post(
        f"/events/{event_id}/design/preview.png",
        json={"layout": layout_with("as {role}")},
        headers={"X-CSRFToken": _token(client, page)},
    )
    assert preview.status_code == 400 and "{role}" in preview.get_json()["messages"][0]

    upload(client, event_id, GOOD)
    saved = post_form(
        client, page, {"layout": layout_with("as {role}, {hours_spent} h")}, action=action
    )
    assert saved.status_code == 302
    with app.app_context():
        assert "{hours_spent}" in db.session.get(Event, event_id).certificate_layout


def _token(client, page: str) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, page)
