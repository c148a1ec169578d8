"""An event's language: chosen on the form, it writes the certificate's dates (Babel),
sets the PDF's language and is kept on the certificate row."""

from __future__ import annotations

import pytest

from app.events.languages import LANGUAGES, babel_locale
from app.extensions import db
from app.models import Certificate, Event
from tests.certificates.test_issue_and_verify import issue_all
from tests.core.helpers import add_participant, create_event, post_form


@pytest.mark.parametrize(
    ("language", "name", "date"),
    [
        ("fr", "Zoë Ångström", "2 mai 2024"),
        ("ar", "محمد عبد الله", "2 مايو 2024"),
        ("ja", "山田 花子", "2024年5月2日"),
        ("zh-Hant", "陳美麗", "2024年5月2日"),
    ],
)
def test_certificate_dates_and_pdf_are_in_the_event_language(
    app, client, organizer, language, name, date
):
    event_id = create_event(
        client,
        title="Colloque",
        language=language,
        starts_at="2024-05-02T09:00",
        ends_at="2024-05-02T17:00",
    )
    add_participant(client, event_id, name, "holder@example.org")
    (code,) = issue_all(client, app, event_id)
    with app.app_context():
        from app.storage import get_storage

        certificate = db.session.query(Certificate).filter_by(code=code).one()
        assert (certificate.event_date, certificate.language) == (date, language)
        pdf = get_storage().get(certificate.pdf_key)
    assert f"/Lang ({language})".encode() in pdf
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert date in html and name in html


def test_a_range_of_days_is_one_interval(app, client, organizer):
    event_id = create_event(
        client, language="de", starts_at="2024-05-02T09:00", ends_at="2024-05-04T17:00"
    )
    with app.app_context():
        from app.certificates.issuing import event_date_text

        assert event_date_text(db.session.get(Event, event_id)) == "2.–4. Mai 2024"


def test_the_form_refuses_a_language_not_offered(client, organizer):
    response = post_form(
        client,
        "/events/new",
        {
            "title": "X",
            "timezone": "UTC",
            "language": "xx-Nope",
            "starts_at": "2030-03-01T09:00",
            "ends_at": "2030-03-01T17:00",
        },
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_every_offered_language_has_babel_data():
    for code, _name in LANGUAGES:
        assert babel_locale(code).language == code.split("-")[0]
