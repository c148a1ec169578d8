"""Reusable designs: the built-in ones, a layout saved under a name and applied to
another event, and another event's design (its background copied, never shared)."""

from __future__ import annotations

import json

from app.extensions import db
from app.models import Design, Event
from tests.certificates.conftest import storage_keys
from tests.certificates.test_design import background_key, image_bytes, upload_background
from tests.core.helpers import create_event, post_form
from tests.core.test_participants import upload as upload_csv


def layout_of(app, event_id: int) -> dict | None:
    with app.app_context():
        text = db.session.get(Event, event_id).certificate_layout
        return json.loads(text) if text else None


def apply(client, event_id: int, source: str):
    page = f"/events/{event_id}/design/"
    return post_form(client, page, {"source": source}, action=f"/events/{event_id}/designs/apply")


def save_as(client, event_id: int, name: str):
    page = f"/events/{event_id}/design/"
    return post_form(client, page, {"name": name}, action=f"/events/{event_id}/designs/save")


def test_built_in_designs_apply_and_render(app, client, ended_event):
    from app.certificates.rendering import layout_to_dict
    from app.designs.builtin import BUILT_IN

    page = client.get(f"/events/{ended_event}/design/").get_data(as_text=True)
    for key, design in BUILT_IN.items():
        assert f'value="builtin:{key}"' in page
        assert apply(client, ended_event, f"builtin:{key}").status_code == 302
        assert layout_of(app, ended_event) == layout_to_dict(design.layout)
        assert client.get(f"/events/{ended_event}/design/preview.png").status_code == 200
    # Branded without a logo: saved, and the organizer is told the field draws nothing.
    assert "you have not uploaded a logo" in client.get(f"/events/{ended_event}/design/").get_data(
        as_text=True
    )
    refused = apply(client, ended_event, "builtin:nope")
    assert refused.status_code == 302
    assert layout_of(app, ended_event) == layout_to_dict(BUILT_IN["branded"].layout)


def test_a_saved_design_applies_to_another_event_only_if_its_fields_exist(app, client, ended_event):
    upload_csv(client, ended_event, b"name,email,role\nCyd,cyd@example.org,Host\n")
    page = f"/events/{ended_event}/design/"
    assert apply(client, ended_event, "builtin:modern").status_code == 302
    modern = layout_of(app, ended_event)
    modern["fields"][1]["text"] = "awarded, as {role}, to"
    saved = post_form(client, page, {"layout": json.dumps(modern)}, action=f"{page}layout")
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert save_as(client, ended_event, "Roles").status_code == 302
    assert save_as(client, ended_event, "Roles").status_code == 302  # replaces, no duplicate
    with app.app_context():
        (design,) = db.session.query(Design).all()
        design_id = design.id

    other = create_event(client, title="Next year")
    refused = apply(client, other, f"design:{design_id}")
    assert refused.status_code == 302
    shown = client.get(f"/events/{other}/design/").get_data(as_text=True)
    assert "Roles cannot be used here: fields[1].text: {role} is not a field" in shown
    assert layout_of(app, other) is None
    upload_csv(client, other, b"name,email,role\nDee,dee@example.org,Guest\n")
    assert apply(client, other, f"design:{design_id}").status_code == 302
    assert layout_of(app, other) == layout_of(app, ended_event)

    delete = f"/events/{other}/designs/{design_id}/delete"
    assert post_form(client, f"/events/{other}/design/", {}, action=delete).status_code == 302
    with app.app_context():
        assert db.session.query(Design).count() == 0


def test_another_events_design_brings_a_copy_of_its_background(app, client, ended_event):
    assert upload_background(client, ended_event, image_bytes("PNG"))[0] == 302
    apply(client, ended_event, "builtin:modern")
    other = create_event(client, title="Next year")
    assert apply(client, other, f"event:{ended_event}").status_code == 302
    assert layout_of(app, other) == layout_of(app, ended_event)
    copied, original = background_key(app, other), background_key(app, ended_event)
    assert copied.startswith(f"templates/event-{other}/") and copied != original
    assert copied.rsplit("/", 1)[1] == original.rsplit("/", 1)[1]
    # Resetting one event deletes only its own copy.
    post_form(client, f"/events/{other}/design/", {}, action=f"/events/{other}/design/reset")
    assert storage_keys(app, "templates/") == [original]


def test_designs_are_the_organizers_own(app, client, auth, ended_event):
    save_as(client, ended_event, "Mine")
    with app.app_context():
        design_id = db.session.query(Design).one().id
    auth.logout()
    auth.create("other@example.org")
    auth.login("other@example.org")
    theirs = create_event(client, title="Theirs")
    assert apply(client, theirs, f"design:{design_id}").status_code == 302
    assert apply(client, theirs, f"event:{ended_event}").status_code == 302
    assert layout_of(app, theirs) is None
    delete = f"/events/{theirs}/designs/{design_id}/delete"
    post_form(client, f"/events/{theirs}/design/", {}, action=delete)
    with app.app_context():
        assert db.session.query(Design).count() == 1
