"""A corpus of bad input, one case per class the hardening issue lists and more:
each answers 4xx with a message that says what to fix, and writes nothing."""

from __future__ import annotations

import io
import json

import pytest

from app.database import MAX_ID
from tests.certificates.test_design import huge_png_header, image_bytes, upload_background
from tests.conftest import csrf_token
from tests.core.helpers import EVENT, post_form
from tests.hardening.conftest import assert_helpful, row_counts, table_rows
from tests.hardening.routes import methods, routes

DEEP = "[" * 100_000 + "]" * 100_000


def assert_refused(app, before, response, *words: str, status: int | tuple = (400, 499)) -> None:
    low, high = (status, status) if isinstance(status, int) else status
    body = response.get_data(as_text=True)
    assert low <= response.status_code <= high, f"{response.status_code}: {body[:1500]}"
    assert_helpful(response)
    for word in words:
        assert word.lower() in body.lower(), f"{word!r} not in {body[:1500]}"
    assert row_counts(app) == before, "a refused request changed rows"


# --- ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [MAX_ID + 1, 2**63, 10**40, 0])
def test_ids_beyond_the_database_range_are_404(app, client, event_id, bad_id):
    before = row_counts(app)
    checked = 0
    for rule in routes(app):
        if not any(name.endswith("_id") for name in rule.arguments):
            continue
        path = rule.rule
        for name in rule.arguments:
            value = bad_id if name.endswith("_id") else {"kind": "pdf"}.get(name, "x")
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        for method in methods(rule):
            response = client.open(path, method=method)
            assert response.status_code in (400, 404, 405), f"{method} {path}"
            checked += 1
    assert checked > 15
    assert row_counts(app) == before


# --- layouts ----------------------------------------------------------------------------


def layout_text(**field_changes) -> str:
    from app.certificates.rendering import DEFAULT_LAYOUT, layout_to_dict

    layout = layout_to_dict(DEFAULT_LAYOUT)
    layout["fields"][0].update(field_changes)
    return json.dumps(layout)


BAD_LAYOUTS = {
    "deeply nested": ("[" * 5000 + "]" * 5000, "nested too deeply"),
    "nested inside a field": (layout_text(x=json.loads("[" * 900 + "]" * 900)), "fields[0].x"),
    "type is a list": (layout_text(type=["text"]), "fields[0].type"),
    "type is an object": (layout_text(type={"a": 1}), "fields[0].type"),
    "type is null": (layout_text(type=None), "fields[0].type"),
    "number with thousands of digits": (
        layout_text().replace('"x": 0.5', '"x": ' + "9" * 5000, 1),
        "thousands of digits",
    ),
    "huge but readable integer": (
        layout_text().replace('"x": 0.5', '"x": 1' + "0" * 4000, 1),
        "out of range",
    ),
    "float overflow": (layout_text().replace('"x": 0.5', '"x": 1e999', 1), "out of range"),
    "NaN": (layout_text().replace('"x": 0.5', '"x": NaN', 1), "out of range"),
    "lone surrogate": (layout_text(text="\ud800"), "surrogate"),
    "a list": ("[]", "expected a JSON object"),
    "a string": ('"layout"', "expected a JSON object"),
    "duplicate key": ('{"fields": [], "fields": []}', "appears twice"),
    "not JSON": ("{fields: 1}", "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_LAYOUTS))
def test_bad_layouts_are_refused_on_save_and_preview(app, client, event_id, case):
    text, message = BAD_LAYOUTS[case]
    page = f"/events/{event_id}/design/"
    token = csrf_token(client, page)
    before = row_counts(app)
    saved = client.post(f"{page}layout", data={"layout": text[:20_000], "csrf_token": token})
    assert_refused(app, before, saved, *([message] if len(text) <= 20_000 else []))
    preview = client.post(
        f"{page}preview.png", json={"layout": text}, headers={"X-CSRFToken": token}
    )
    assert_refused(app, before, preview, message)


@pytest.mark.parametrize(
    "body",
    ["[]", '"a string"', "null", "42", '{"nolayout": 1}', DEEP, "{bad json", b"\xff\xfe"],
    ids=["list", "string", "null", "number", "no-layout", "deep", "broken", "not-utf8"],
)
def test_preview_body_that_is_not_an_object(app, client, event_id, body):
    page = f"/events/{event_id}/design/"
    token = csrf_token(client, page)
    before = row_counts(app)
    response = client.post(
        f"{page}preview.png",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert_refused(app, before, response, "layout")


# --- backgrounds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    ["../../templates/x", "%2e%2e/x", "abc%00", "ünïcode", "a" * 24 + "/../b", "0" * 23, ""],
)
def test_background_keys_outside_the_uploads_are_refused(app, client, event_id, suffix):
    page = f"/events/{event_id}/design/"
    token = csrf_token(client, page)
    before = row_counts(app)
    key = f"uploads/event-{event_id}/{suffix}"
    response = client.post(f"{page}background", data={"key": key, "csrf_token": token})
    # The designer comes back with the reason next to the upload form.
    assert_refused(app, before, response, "upload")
    assert 'id="background-form"' in response.get_data(as_text=True)


def test_another_events_upload_key_is_refused(app, client, event_id):
    page = f"/events/{event_id}/design/"
    token = csrf_token(client, page)
    before = row_counts(app)
    key = f"uploads/event-{event_id + 1}/{'a' * 24}"
    response = client.post(f"{page}background", data={"key": key, "csrf_token": token})
    assert_refused(app, before, response, "does not belong to this event")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (image_bytes(size=(900, 600)), ("at least 1000 pixels",)),
        (image_bytes(size=(3100, 1000)), ("too long and narrow",)),
        (huge_png_header(8000, 5001), ("40.01 megapixels", "the limit is 40 megapixels")),
    ],
    ids=["small", "narrow", "just-over-40-megapixels"],
)
def test_refused_background_stays_on_the_designer(app, client, event_id, content, words):
    before = row_counts(app)
    status, text = upload_background(client, event_id, content)
    assert 400 <= status < 500, text
    for word in words:
        assert word in text
    assert 'id="background-form"' in text, "the designer page, not a bare error page"
    assert row_counts(app) == before


def test_the_designer_states_the_image_limits_before_upload(client, event_id):
    page = client.get(f"/events/{event_id}/design/").get_data(as_text=True)
    for limit in ("10 MB", "40 megapixels", "1000", "300", "3:1"):
        assert limit in page


# --- events -----------------------------------------------------------------------------


BAD_EVENTS = {
    "dst gap start": ({"timezone": "Europe/Berlin", "starts_at": "2026-03-29T02:30"}, "03:00"),
    "dst gap end": (
        {
            "timezone": "America/New_York",
            "starts_at": "2026-03-08T01:00",
            "ends_at": "2026-03-08T02:15",
        },
        "does not exist",
    ),
    "wall order differs from UTC order": (
        {
            "timezone": "Europe/Berlin",
            "starts_at": "2026-10-25T02:50",
            "ends_at": "2026-10-25T02:10",
        },
        "after the start",
    ),
    "far future overflow": (
        {"timezone": "America/New_York", "ends_at": "9999-12-31T23:00"},
        "between the years",
    ),
    "year one": (
        {"timezone": "Pacific/Kiritimati", "starts_at": "0001-01-01T00:00"},
        "between the years",
    ),
    "nul in title": ({"title": "Work\x00shop"}, "control characters"),
    "nul in description": ({"description": "a\x00b"}, "control characters"),
    "escape character": ({"title": "Work\x1bshop"}, "U+001B"),
    "undrawable title": ({"title": "ሰላም ጉባኤ"}, "no certificate font can draw"),
    "emoji title": ({"title": "Party 🎉"}, "no certificate font can draw"),
    "unknown zone": ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
    "zone path trick": ({"timezone": "../../etc/passwd"}, "Unknown time zone"),
    "garbled time": ({"starts_at": "tomorrow"}, "Not a valid datetime"),
    "title too long": ({"title": "x" * 201}, "200"),
}


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
def test_bad_events_are_refused(app, client, organizer, case):
    changes, message = BAD_EVENTS[case]
    before = row_counts(app)
    response = post_form(client, "/events/new", {**EVENT, **changes})
    assert_refused(app, before, response, message)


def test_limits_are_stated_on_the_event_form(client, organizer):
    page = client.get("/events/new").get_data(as_text=True)
    assert "1970" in page and "2200" in page and "Arabic" in page and "Korean" in page


# --- participants and CSV ---------------------------------------------------------------


BAD_PARTICIPANTS = {
    "undrawable name": ({"name": "አበበ ቢቂላ", "email": "w@example.org"}, "no certificate font"),
    "nul in name": ({"name": "A\x00da", "email": "a@example.org"}, "control characters"),
    "special-use domain": ({"name": "Ada", "email": "ada@printer.local"}, "special-use"),
    "no domain dot": ({"name": "Ada", "email": "ada@localhost"}, "period"),
    "duplicate": ({"name": "Ada again", "email": "ADA@example.org"}, "already a participant"),
}


@pytest.mark.parametrize("case", sorted(BAD_PARTICIPANTS))
def test_bad_participants_are_refused(app, client, event_id, case):
    data, message = BAD_PARTICIPANTS[case]
    before = row_counts(app)
    response = post_form(client, f"/events/{event_id}/participants/new", data)
    assert_refused(app, before, response, message)


def import_csv(client, event_id: int, content: bytes):
    page = f"/events/{event_id}/participants/import"
    return client.post(
        page,
        data={"file": (io.BytesIO(content), "people.csv"), "csrf_token": csrf_token(client, page)},
        content_type="multipart/form-data",
    )


BAD_CSV = {
    "unbalanced quote": (
        b'name,email\n"Bo Diddley,bo@example.org\nCy,cy@example.org\nDee,dee@example.org\n',
        "line 2: a double quote opens a cell here",
    ),
    "unquoted formula": (
        b'name,email\n=HYPERLINK("http://x","y"),f@example.org\n',
        "was split at its commas",
    ),
    "unquoted comma": (b"name,email\nSmith, John,j@example.org\n", "in double quotes"),
    "nul byte": (b"name,email\nA\x00,a@example.org\n", "control characters"),
    "latin-1": ("name,email\nJosé,jose@example.org\n".encode("latin-1"), "not UTF-8"),
    "utf-16": ("name,email\nA,a@example.org\n".encode("utf-16"), "not UTF-8"),
    "no header": (b"Ada,ada2@example.org\n", "missing column"),
    "twice the same column": (b"name,email,email\nA,a@example.org,b@example.org\n", "twice"),
    "header only": (b"name,email\n", "no participants"),
    "empty": (b"", "empty"),
    "duplicate in file": (b"name,email\nA,x@example.org\nB,X@example.org\n", "appears twice"),
    "already there": (b"name,email\nAda,ada@example.org\n", "already a participant"),
    "bad attended": (b"name,email,attended\nA,a2@example.org,maybe\n", "use yes or no"),
    "undrawable name": ("name,email\nአበበ,l@example.org\n".encode(), "no certificate font"),
    "huge field": (b"name,email\n" + b"a" * 200_000 + b",a@example.org\n", "unreadable CSV"),
    "special-use email": (b"name,email\nA,a@x.invalid\n", "special-use"),
    "one bad row among good": (
        b"name,email\nA,a3@example.org\nB,not-an-email\nC,c3@example.org\n",
        "line 3",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_is_refused_whole(app, client, event_id, case):
    content, message = BAD_CSV[case]
    before = row_counts(app)
    assert_refused(app, before, import_csv(client, event_id, content), message)


def test_too_large_a_request_names_the_limit(app, client, event_id):
    before = row_counts(app)
    response = import_csv(client, event_id, b"name,email\n" + b"x" * (5 * 1024 * 1024))
    assert_refused(app, before, response, "4 MB", status=413)


def test_the_import_page_states_its_limits(client, event_id):
    page = client.get(f"/events/{event_id}/participants/import").get_data(as_text=True)
    assert "10,000 rows" in page and "4 MB" in page


# --- unique-constraint races ------------------------------------------------------------


def test_participant_added_twice_at_once_is_409(app, client, event_id, monkeypatch):
    """Both requests passed the duplicate check; the database refuses the second."""
    import app.participants.views as views

    monkeypatch.setattr(views, "existing_emails", lambda event: set())
    before = table_rows(app, "participants")
    response = post_form(
        client, f"/events/{event_id}/participants/new", {"name": "Ada", "email": "ada@example.org"}
    )
    assert response.status_code == 409
    assert "at the same moment" in response.get_data(as_text=True)
    assert table_rows(app, "participants") == before


def test_same_csv_imported_twice_at_once_is_409_and_imports_nothing(
    app, client, event_id, monkeypatch
):
    import app.participants.views as views

    monkeypatch.setattr(views, "existing_emails", lambda event: set())
    before = table_rows(app, "participants")
    response = import_csv(
        client, event_id, b"name,email\nNew,new@example.org\nAda,ada@example.org\n"
    )
    assert response.status_code == 409
    assert "nothing from this file was imported" in response.get_data(as_text=True)
    assert table_rows(app, "participants") == before


def test_any_other_unique_race_is_409_not_500(app_config, organizer):
    """The error module turns an IntegrityError anywhere into a 409 with a message."""
    from app import create_app
    from app.extensions import db
    from app.models import Organizer

    fresh = create_app(app_config)

    @fresh.get("/_test/race")
    def race():
        db.session.add(Organizer(email="org@example.org", password_hash="x"))
        db.session.commit()

    response = fresh.test_client().get("/_test/race")
    assert response.status_code == 409 and "same moment" in response.get_data(as_text=True)


# --- query parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"page": "abc"}, 400, "page number"),
        ({"page": "0"}, 400, "page number"),
        ({"page": "-1"}, 400, "page number"),
        ({"page": "9" * 30}, 400, "page number"),
        ({"page": "١"}, 400, "page number"),
        ({"cpage": "x"}, 400, "cpage"),
        ({"q": "x" * 201}, 400, "at most 200"),
        ({"q": "a\x00b"}, 400, "control characters"),
        ({"q": "%_\\"}, 200, "No participant matches"),
        ({"page": "999"}, 200, "Ada Lovelace"),
    ],
)
def test_event_page_query_parameters(app, client, event_id, query, status, message):
    response = client.get(f"/events/{event_id}", query_string=query)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "code", ["LAU-" + "A" * 5000, "\u202eLAU", "LAU-AAAA-AAAA-AAAA-AAA\u0410", "%00", "' OR 1=1"]
)
def test_verify_with_odd_codes(app, client, code):
    before = row_counts(app)
    for response in (
        client.get("/verify", query_string={"code": code}),
        client.get(f"/verify/{code}"),
    ):
        assert response.status_code in (400, 404), response.status_code
        assert_helpful(response)
    assert row_counts(app) == before


# --- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer " + "x" * 10_000},
        {"Authorization": "Bearer \xff\xfe"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
        {"Accept": "application/json;q=abc, */*;q=0.1"},
        {"Accept": "text/html;q=2"},
        {"Content-Type": "application/json; charset=utf-99"},
        {"X-Forwarded-For": "not-an-ip, also bad"},
    ],
)
def test_odd_headers(app, client, headers):
    for path in ("/api/cron/check-events", "/readyz", "/", "/verify?code=x", "/auth/login"):
        response = client.get(path, headers=headers)
        assert response.status_code < 500 or path == "/readyz", (path, response.status_code)


def test_preview_of_an_old_event_with_an_undrawable_title_is_400(app, client, event_id):
    from app.extensions import db
    from app.models import Event

    with app.app_context():
        db.session.get(Event, event_id).title = "ሰላም"
        db.session.commit()
    for response in (
        client.get(f"/events/{event_id}/design/preview.png"),
        client.post(
            f"/events/{event_id}/design/preview.png",
            json={"layout": layout_text()},
            headers={"X-CSRFToken": csrf_token(client, f"/events/{event_id}/design/")},
        ),
    ):
        assert response.status_code == 400
        assert "edit the event" in response.get_json()["messages"][0]


@pytest.mark.parametrize("storage_kind", ["local"])
def test_local_storage_links_with_odd_tokens(app_config, tmp_path, storage_kind):
    from app import create_app

    config = {**app_config, "STORAGE_URL": (tmp_path / "files").as_uri()}
    client = create_app(config).test_client()
    for token in ("x", "a.b.c", "%00", "." * 300, "eyJrIjoxfQ.AAAA.BBBB"):
        for response in (
            client.get(f"/storage/{token}"),
            client.post(f"/storage/upload/{token}", data={"key": "k"}),
        ):
            assert 400 <= response.status_code < 500, (token, response.status_code)
            assert_helpful(response)
