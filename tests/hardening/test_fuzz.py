"""Property-based fuzzing (hypothesis): no input gives a 5xx, and a refused request
writes nothing. Over the layout parser, the CSV import, every form and every route's
path and query parameters, on SQLite and PostgreSQL with S3 storage.

The profile (tests/hardening/conftest.py) fixes the number of examples and
derandomizes, so CI runs the same cases every time.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from app.certificates.rendering.layout import _TEXT_KEYS
from tests.conftest import csrf_token
from tests.hardening.conftest import assert_no_5xx, row_counts
from tests.hardening.routes import methods, routes

# Text as people and attackers type it: any code point, control characters and
# combining marks included, with the odd surrogate where JSON can carry one.
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\r\n",
        "..",
        "../../etc/passwd",
        "%00",
        "%",
        "\\",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\u202e\u0627\u0644",
        "e\u0301" * 30,
        "🎉",
        "9" * 40,
        "-1",
        "0",
        "2147483648",
        "NaN",
        "1e999",
        "=cmd|' /C calc'!A0",
        "a" * 300,
        "org@example.test",
        "Ünïcødé@bücher.example",
    ]
)
FIELD_TEXT = st.one_of(ANY_TEXT, TRICKY)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    FIELD_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(FIELD_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
LAYOUT_KEYS = [*_TEXT_KEYS, "text"]
FIELD_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(["participant_name", "text", "qr_code", "serif", "bold", "#123", "center"]),
    st.floats(0, 1),
)
LAYOUT_FIELDS = st.dictionaries(st.sampled_from(LAYOUT_KEYS), FIELD_VALUES, max_size=8)
LAYOUTS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"fields": st.lists(LAYOUT_FIELDS, max_size=5)},
        optional={"version": JSON_SCALARS},
    ),
)


def test_layout_parser_accepts_or_explains(app):
    from app.certificates.rendering import LayoutError, layout_to_json, parse_layout

    @given(LAYOUTS, st.booleans())
    def check(layout, as_text):
        source = json.dumps(layout, allow_nan=True) if as_text else layout
        try:
            parsed = parse_layout(source)
        except LayoutError as exc:
            assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)
            return
        # What the parser accepts it can store and read back unchanged.
        stored = layout_to_json(parsed)
        stored.encode("utf-8")
        assert parse_layout(stored) == parsed

    with app.app_context():
        check()


CSV_CELLS = st.one_of(
    FIELD_TEXT,
    st.emails().map(str),
    st.sampled_from(["yes", "no", "x", "", '"', '""', "a,b", "a;b", '"quoted"', "\n"]),
)


def csv_bytes(draw_rows, header, delimiter, quoting, encoding) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting)
    writer.writerow(header)
    writer.writerows(draw_rows)
    return buffer.getvalue().encode(encoding, "replace")


CSV_FILES = st.one_of(
    st.builds(
        csv_bytes,
        st.lists(st.lists(CSV_CELLS, min_size=1, max_size=4), max_size=6),
        st.sampled_from(
            [["name", "email"], ["name", "email", "attended"], ["Email", "NAME"], ["x"]]
        ),
        st.sampled_from([",", ";"]),
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_NONE, csv.QUOTE_ALL]).filter(
            lambda q: q != csv.QUOTE_NONE
        ),
        st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    ),
    st.binary(max_size=300),
    st.builds(lambda body: b"name,email\n" + body, st.binary(max_size=200)),
)


def test_csv_import_is_all_or_nothing(app, client, event_id):
    from app.participants.csv_io import CSVImportError, parse_participants

    page = f"/events/{event_id}/participants/import"
    token = csrf_token(client, page)

    @given(CSV_FILES)
    def check(content):
        before = row_counts(app)
        response = client.post(
            page,
            data={"file": (io.BytesIO(content), "people.csv"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert_no_5xx(response, f"import {content[:200]!r}")
        after = row_counts(app)
        if response.status_code == 302:
            with app.app_context():
                try:
                    expected = len(parse_participants(content, set()))
                except CSVImportError:
                    expected = None  # valid against an empty event only
            added = after["participants"] - before["participants"]
            assert added > 0 and (expected is None or added == expected)
        else:
            assert after == before, f"refused import changed rows: {content[:200]!r}"

    check()


def form_pages(event_id: int) -> list[tuple[str, str, list[str]]]:
    """(page showing the form, action, fields) for every form an organizer fills in."""
    base = f"/events/{event_id}"
    return [
        (
            "/events/new",
            "/events/new",
            ["title", "description", "timezone", "starts_at", "ends_at"],
        ),
        (
            f"{base}/edit",
            f"{base}/edit",
            ["title", "description", "timezone", "starts_at", "ends_at"],
        ),
        (f"{base}/participants/new", f"{base}/participants/new", ["name", "email", "attended"]),
        (
            f"{base}/participants/1/edit",
            f"{base}/participants/1/edit",
            ["name", "email", "attended"],
        ),
        (f"{base}/design/", f"{base}/design/layout", ["layout"]),
        (f"{base}/design/", f"{base}/design/background", ["key"]),
        (f"{base}/", f"{base}/certificates/1/revoke", ["reason"]),
        ("/auth/password", "/auth/password", ["current", "password", "confirm"]),
    ]


DATES = st.one_of(
    FIELD_TEXT,
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["2026-03-29T02:30", "9999-12-31T23:59", "0001-01-01T00:00"]),
)
ZONES = st.one_of(
    FIELD_TEXT, st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Apia", "Etc/GMT-14"])
)
FIELD_STRATEGIES = {"starts_at": DATES, "ends_at": DATES, "timezone": ZONES, "email": CSV_CELLS}


def test_every_form_refuses_or_saves_without_5xx(app, client, event_id):
    from tests.core.helpers import add_participant

    add_participant(client, event_id, "Bob", "bob@example.org")
    forms = form_pages(event_id)
    tokens = {page: csrf_token(client, page) for page, _, _ in forms}

    @given(
        st.sampled_from(forms),
        st.data(),
        st.booleans(),
    )
    def check(form, data, with_token):
        page, action, fields = form
        values = {
            name: data.draw(FIELD_STRATEGIES.get(name, FIELD_TEXT), label=name) for name in fields
        }
        if with_token:
            values["csrf_token"] = tokens[page]
        before = row_counts(app)
        response = client.post(action, data=values)
        assert_no_5xx(response, f"POST {action} {values!r}")
        if response.status_code >= 400:
            assert row_counts(app) == before, f"refused {action} changed rows: {values!r}"

    check()


PATH_VALUES = st.one_of(
    FIELD_TEXT.map(lambda text: quote(text, safe="")),
    TRICKY,
    st.integers(-(2**70), 2**70).map(str),
)
QUERY = st.dictionaries(
    st.sampled_from(["page", "cpage", "q", "code", "next", "retry", "x", "key"]) | FIELD_TEXT,
    FIELD_TEXT,
    max_size=4,
)


def test_every_route_with_any_path_and_query(app, client, event_id):
    # Signing out would leave the remaining examples on the sign-in redirect.
    rules = [r for r in routes(app) if r.endpoint not in ("static", "auth.logout")]
    token = csrf_token(client, f"/events/{event_id}")

    @given(st.sampled_from(rules), st.data(), QUERY, st.booleans())
    def check(rule, data, query, with_token):
        path = rule.rule
        for name in rule.arguments:
            value = data.draw(st.one_of(st.just(str(event_id)), PATH_VALUES), label=name)
            for spelled in (f"<int:{name}>", f"<{name}>", f"<path:{name}>"):
                path = path.replace(spelled, value)
        method = data.draw(st.sampled_from(methods(rule)), label="method")
        headers = {"X-CSRFToken": token} if with_token else {}
        before = row_counts(app)
        response = client.open(path, method=method, query_string=query, headers=headers)
        assert_no_5xx(response, f"{method} {path} {query!r}")
        assert client.get("/events/").status_code == 200, "still signed in"
        if response.status_code >= 400:
            assert row_counts(app) == before, f"refused {method} {path} changed rows"

    check()


def test_preview_with_any_json_body(app, client, event_id):
    page = f"/events/{event_id}/design/"
    token = csrf_token(client, page)

    @given(st.one_of(JSON_VALUES, st.fixed_dictionaries({"layout": LAYOUTS})))
    def check(body):
        response = client.post(
            f"{page}preview.png",
            data=json.dumps(body, allow_nan=True),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert_no_5xx(response, f"preview {body!r}")
        assert response.status_code in (200, 400)

    check()
