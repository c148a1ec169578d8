"""Participants: one by one, CSV import all-or-nothing, formula-safe export."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.models import Participant
from tests.conftest import csrf_token
from tests.core.helpers import add_participant, create_event, post_form


def count(app) -> int:
    with app.app_context():
        return db.session.query(Participant).count()


def upload(client, event_id: int, content: bytes, name: str = "people.csv"):
    page = f"/events/{event_id}/participants/import"
    data = {"csrf_token": csrf_token(client, page), "file": (io.BytesIO(content), name)}
    return client.post(page, data=data, content_type="multipart/form-data")


@pytest.fixture
def event_id(client, organizer) -> int:
    return create_event(client)


def test_add_edit_toggle_remove(app, client, event_id):
    assert add_participant(client, event_id, "Ada", "ADA@example.org").status_code == 302
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "ada@example.org" in page
    with app.app_context():
        pid = db.session.query(Participant).one().id
    base = f"/events/{event_id}/participants/{pid}"
    post_form(client, f"{base}/edit", {"name": "Ada L.", "email": "ada@example.org"})
    post_form(client, f"/events/{event_id}", {}, action=f"{base}/attended")
    with app.app_context():
        participant = db.session.get(Participant, pid)
        assert (participant.name, participant.attended) == ("Ada L.", True)
    post_form(client, f"/events/{event_id}", {}, action=f"{base}/delete")
    assert count(app) == 0


def test_duplicate_email_in_event_is_refused(app, client, event_id):
    add_participant(client, event_id, "Ada", "ada@example.org")
    response = add_participant(client, event_id, "Ada again", "Ada@Example.org")
    assert response.status_code == 400
    assert "already a participant" in response.get_data(as_text=True)
    assert count(app) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "a@example.org"}, "This field is required"),
        ({"name": "x" * 201, "email": "a@example.org"}, "200"),
        ({"name": "Ada", "email": "not-an-email"}, "must have an @-sign"),
    ],
)
def test_bad_participant_forms(app, client, event_id, data, message):
    response = post_form(client, f"/events/{event_id}/participants/new", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app) == 0


def test_csv_import_accepts_bom_semicolons_and_any_header_case(app, client, event_id):
    content = (
        "\ufeffNAME;E-Mail;Email;Attended\r\n"
        "Ada;x;ada@example.org;yes\r\nБорис;y;boris@example.org;no\r\n"
    )
    response = upload(client, event_id, content.encode("utf-8"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        rows = {p.email: (p.name, p.attended) for p in db.session.query(Participant)}
    assert rows == {"ada@example.org": ("Ada", True), "boris@example.org": ("Борис", False)}


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        ("name,email\nJosé,jose@example.org\n".encode("latin-1"), ["not UTF-8", "CSV UTF-8"]),
        (b"name,mail\nAda,ada@example.org\n", ["missing column email"]),
        (b"", ["empty"]),
        (b"name,email\n", ["no participants"]),
        (b"name,email\nAda,ada@example.org\nAdam,ADA@example.org\n", ["line 3", "also on line 2"]),
        (
            b"name,email,attended\n,a@example.org,yes\nB,nope,yes\nC,c@example.org,maybe\n",
            ["line 2: the name is empty", "line 3:", "line 4: attended is"],
        ),
    ],
)
def test_csv_import_reports_every_bad_row_and_saves_nothing(
    app, client, event_id, content, messages
):
    add_participant(client, event_id, "Existing", "existing@example.org")
    response = upload(client, event_id, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in messages:
        assert message in page
    assert count(app) == 1


def test_csv_import_refuses_existing_participants(app, client, event_id):
    add_participant(client, event_id, "Existing", "existing@example.org")
    response = upload(
        client, event_id, b"name,email\nNew,new@example.org\nE,existing@example.org\n"
    )
    assert response.status_code == 400
    assert "line 3: existing@example.org is already a participant" in response.get_data(
        as_text=True
    )
    assert count(app) == 1


def test_csv_import_limit(app, client, event_id):
    def rows(n: int) -> bytes:
        lines = ["name,email"] + [f"P{i},p{i}@example.org" for i in range(n)]
        return "\n".join(lines).encode()

    too_many = upload(client, event_id, rows(10_001))
    assert too_many.status_code == 400
    assert "more than 10,000" in too_many.get_data(as_text=True)
    assert count(app) == 0
    assert upload(client, event_id, rows(10_000)).status_code == 302
    assert count(app) == 10_000


def test_csv_export_neutralises_formulas(client, event_id):
    for name, email in [
        ('=HYPERLINK("x")', "f1@example.org"),
        ("+1", "f2@example.org"),
        ("-2", "f3@example.org"),
        ("@SUM(A1)", "f4@example.org"),
        ("Plain", "plain@example.org"),
    ]:
        add_participant(client, event_id, name, email)
    response = client.get(f"/events/{event_id}/participants/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data(as_text=True)
    for cell in ("'=HYPERLINK", "'+1", "'-2", "'@SUM", "\r\nPlain,"):
        assert cell in body
    assert "\r\n=" not in body and ",=" not in body


def test_upload_over_the_limit_is_413(client, event_id):
    response = upload(client, event_id, b"x" * (5 * 1024 * 1024))
    assert response.status_code == 413


def test_attendance_toggles_for_the_page_script_and_without_it(app, client, event_id):
    add_participant(client, event_id, "Ada", "ada@example.org", attended=False)
    add_participant(client, event_id, "Bo", "bo@example.org", attended=True)
    with app.app_context():
        pid = db.session.query(Participant).filter_by(name="Ada").one().id
    action = f"/events/{event_id}/participants/{pid}/attended"
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert '<span class="visually-hidden">Ada attended: </span>' in page  # the button's name
    token = csrf_token(client, f"/events/{event_id}")
    answer = client.post(action, data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert answer.get_json() == {"attended": True, "attended_count": 2}
    back = client.post(action, data={"csrf_token": token})
    assert back.headers["Location"] == f"/events/{event_id}#participant-{pid}"
    assert client.post(action, data={}).status_code == 400  # no token: refused, not ignored
