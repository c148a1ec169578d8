"""The certificate lifecycle, through HTTP: nothing issued is lost, changed or left behind.

Every scenario ends by listing storage: exactly the objects the rows account
for (see tests/checker/helpers.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Certificate, Event, Participant
from tests.certificates.conftest import storage_keys
from tests.certificates.test_design import image_bytes, upload_background
from tests.certificates.test_issue_and_verify import fetch, issue_all
from tests.checker.helpers import assert_files_are_its_own, assert_storage_matches_rows
from tests.conftest import csrf_token
from tests.core.helpers import add_participant, create_event, post_form


def storage_is_accounted_for(app) -> None:
    with app.app_context():
        assert_storage_matches_rows()


def certificates(app, event_id: int) -> list[Certificate]:
    with app.app_context():
        query = sa.select(Certificate).where(Certificate.event_id == event_id)
        rows = list(db.session.scalars(query.order_by(Certificate.id)))
        db.session.expunge_all()
        return rows


def certificate_of(app, code: str) -> Certificate:
    with app.app_context():
        row = db.session.scalar(sa.select(Certificate).where(Certificate.code == code))
        db.session.expunge_all()
        return row


def participant_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Participant.id).where(Participant.email == email))


def post(client, event_id: int, action: str, **data):
    return post_form(client, f"/events/{event_id}", data, action=action)


def revoke(client, event_id: int, certificate_id: int, reason: str):
    action = f"/events/{event_id}/certificates/{certificate_id}/revoke"
    return post(client, event_id, action, reason=reason)


def test_an_event_with_certificates_is_archived_not_deleted(app, client, ended_event):
    code = issue_all(client, app, ended_event)[0]
    page = client.get(f"/events/{ended_event}/delete").get_data(as_text=True)
    assert "cannot be deleted" in page and "Archive event" in page

    refused = post_form(client, f"/events/{ended_event}/delete", {})
    assert refused.status_code == 409
    assert client.get(f"/verify/{code}").status_code == 200

    post(client, ended_event, f"/events/{ended_event}/archive")
    dashboard = client.get("/events/").get_data(as_text=True)
    archived = dashboard.split("Archived", 1)
    assert len(archived) == 2 and "Ended &lt;b&gt;Workshop" in archived[1]
    assert "Ended &lt;b&gt;Workshop" not in archived[0]
    assert "Genuine and valid" in client.get(f"/verify/{code}").get_data(as_text=True)

    post(client, ended_event, f"/events/{ended_event}/archive")  # restore
    assert "Archived" not in client.get("/events/").get_data(as_text=True)
    storage_is_accounted_for(app)


def test_deleting_an_event_without_certificates_removes_its_files(app, client, organizer):
    event = create_event(client, title="Never held")
    status, text = upload_background(client, event, image_bytes("PNG"))
    assert status == 302, text
    assert storage_keys(app, f"templates/event-{event}/")
    unconfirmed_upload(client, event)
    assert storage_keys(app, f"uploads/event-{event}/")

    response = post_form(client, f"/events/{event}/delete", {})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Event, event) is None
    assert storage_keys(app) == []


def test_unmarking_attendance_keeps_the_certificate_listed_and_revocable(app, client, ended_event):
    issue_all(client, app, ended_event)
    ada = participant_id(app, "ada@example.org")
    certificate = next(c for c in certificates(app, ended_event) if c.participant_id == ada)
    response = post(client, ended_event, f"/events/{ended_event}/participants/{ada}/attended")
    assert response.status_code == 302
    page = client.get(f"/events/{ended_event}").get_data(as_text=True)
    assert "no longer marked as attended" in page and "stays valid until you revoke it" in page
    assert certificate.code in page
    assert f"/certificates/{certificate.id}/revoke" in page

    revoke(client, ended_event, certificate.id, "Did not attend after all")
    assert "Revoked" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    # The checker does not issue to them again, and the Issue button refuses.
    post(client, ended_event, f"/events/{ended_event}/issue-now")
    assert len(certificates(app, ended_event)) == 2
    storage_is_accounted_for(app)


def test_correcting_a_name_reissues_and_supersedes(app, client, ended_event):
    issue_all(client, app, ended_event)
    ada = participant_id(app, "ada@example.org")
    old = next(c for c in certificates(app, ended_event) if c.participant_id == ada)
    post_form(
        client,
        f"/events/{ended_event}/participants/{ada}/edit",
        {"name": "Ada Lovelace", "email": "ada@example.org", "attended": "y"},
    )
    page = client.get(f"/events/{ended_event}").get_data(as_text=True)
    assert "Re-issue outdated certificates" in page and "issued as" in page

    response = post(client, ended_event, f"/events/{ended_event}/certificates/reissue-outdated")
    assert response.status_code == 302
    rows = [c for c in certificates(app, ended_event) if c.participant_id == ada]
    assert len(rows) == 2
    previous, new = rows
    assert previous.code == old.code and previous.replaced_by_code == new.code
    assert previous.revoked_reason == f"superseded by {new.code}"
    assert new.holder_name == "Ada Lovelace" and new.valid and new.current

    old_page = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert "Revoked" in old_page and f"/verify/{new.code}" in old_page
    assert "Download PDF" not in old_page
    new_page = client.get(f"/verify/{new.code}").get_data(as_text=True)
    assert "Genuine and valid" in new_page and "Ada Lovelace" in new_page
    # The superseded one stays revoked: un-revoking it is refused.
    post(client, ended_event, f"/events/{ended_event}/certificates/{previous.id}/unrevoke")
    assert certificate_of(app, old.code).revoked_at is not None
    storage_is_accounted_for(app)
    with app.app_context():
        from app.storage import get_storage

        assert_files_are_its_own(db.session.get(Certificate, new.id), get_storage())


def test_reissue_after_revocation_and_unrevoke(app, client, ended_event):
    code = issue_all(client, app, ended_event)[0]
    certificate = certificate_of(app, code)
    revoke(client, ended_event, certificate.id, "First reason")
    first = certificate_of(app, code)
    # A second revocation keeps the first date and reason.
    response = revoke(client, ended_event, certificate.id, "Second reason")
    assert response.status_code == 302
    again = certificate_of(app, code)
    assert (again.revoked_at, again.revoked_reason) == (first.revoked_at, "First reason")
    assert "that record is kept" in client.get(f"/events/{ended_event}").get_data(as_text=True)

    post(client, ended_event, f"/events/{ended_event}/certificates/{certificate.id}/unrevoke")
    restored = certificate_of(app, code)
    assert restored.valid
    assert "Genuine and valid" in client.get(f"/verify/{code}").get_data(as_text=True)

    revoke(client, ended_event, certificate.id, "Wrong date")
    post(client, ended_event, f"/events/{ended_event}/certificates/{certificate.id}/reissue")
    rows = [
        c for c in certificates(app, ended_event) if c.participant_id == certificate.participant_id
    ]
    assert len(rows) == 2 and rows[0].replaced_by_code == rows[1].code
    # Revoked before it was replaced: the first revocation stays as it was.
    assert rows[0].revoked_reason == "Wrong date"
    assert rows[1].valid
    storage_is_accounted_for(app)


def test_revoked_certificates_are_not_offered_publicly_nor_zipped(app, client, ended_event):
    codes = issue_all(client, app, ended_event)
    revoked = certificate_of(app, codes[0])
    revoke(client, ended_event, revoked.id, "Mistake")
    page = client.get(f"/verify/{revoked.code}").get_data(as_text=True)
    assert "Revoked" in page and "not offered for download" in page
    assert "Download PDF" not in page and "Download PNG" not in page
    assert "Download PDF" in client.get(f"/verify/{codes[1]}").get_data(as_text=True)

    # The organizer still gets the file, marked as revoked.
    link = client.get(f"/events/{ended_event}/certificates/{revoked.id}.pdf")
    assert link.status_code == 302
    status, _body, disposition = fetch(client, link.headers["Location"])
    assert status == 200 and f"-{revoked.code}-REVOKED.pdf" in disposition

    names = zip_names(client, ended_event)
    # Entries are named after the holder (#12); only the valid certificate's are there.
    assert [name.rsplit("-", 1)[0] + "-" for name in names] == 2 * [
        names[0].rsplit("-", 1)[0] + "-"
    ]
    assert [name[-len(codes[1]) - 4 :] for name in names] == [f"{codes[1]}.pdf", f"{codes[1]}.png"]
    storage_is_accounted_for(app)


def zip_names(client, event_id: int) -> list[str]:
    response = client.get(f"/events/{event_id}/certificates/all.zip")
    if response.status_code == 302:
        status, body, _ = fetch(client, response.headers["Location"])
        assert status == 200
    else:
        body = response.data
    return sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())


def test_zip_exports_are_reused_until_something_changes(app, client, ended_event, storage_kind):
    if storage_kind != "s3":
        pytest.skip("local storage streams the ZIP and stores none")
    codes = issue_all(client, app, ended_event)
    zip_names(client, ended_event)
    first = storage_keys(app, "exports/")
    zip_names(client, ended_event)
    assert storage_keys(app, "exports/") == first and len(first) == 1

    revoked = certificate_of(app, codes[0])
    revoke(client, ended_event, revoked.id, "Mistake")
    zip_names(client, ended_event)
    second = storage_keys(app, "exports/")
    assert len(second) == 1 and second != first
    storage_is_accounted_for(app)


def test_the_checker_removes_unconfirmed_uploads_and_old_exports_after_a_day(
    app, client, ended_event, storage_kind
):
    from app.checker.run import check_events

    issue_all(client, app, ended_event)
    unconfirmed_upload(client, ended_event)
    if storage_kind == "s3":
        zip_names(client, ended_event)
    with app.app_context():
        check_events(now=utcnow() + timedelta(hours=23))
    assert storage_keys(app, "uploads/")
    with app.app_context():
        check_events(now=utcnow() + timedelta(hours=25))
    assert storage_keys(app, "uploads/") == [] and storage_keys(app, "exports/") == []
    assert len(storage_keys(app, "certificates/")) == 4


def unconfirmed_upload(client, event_id: int) -> None:
    """A browser that uploaded a background and closed the tab before confirming it."""
    page = f"/events/{event_id}/design/"
    grant = client.post(f"{page}upload", headers={"X-CSRFToken": csrf_token(client, page)})
    grant = grant.get_json()
    content = image_bytes("PNG")
    if grant["url"].startswith("http://localhost/"):
        form = {**grant["fields"], "file": (io.BytesIO(content), "upload")}
        stored = client.post(grant["url"], data=form, content_type="multipart/form-data")
        assert stored.status_code == 204
    else:
        import requests

        stored = requests.post(
            grant["url"], data=grant["fields"], files={"file": ("upload", content)}, timeout=30
        )
        assert stored.status_code in (200, 204)


def test_the_issue_button_waits_for_the_end_like_issue_now(app, client, organizer):
    event = create_event(client, starts_at="2020-01-01T09:00", ends_at="2099-01-01T17:00")
    add_participant(client, event, "Early Bird", "early@example.org")
    early = participant_id(app, "early@example.org")
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert f"/certificates/issue/{early}" not in page
    token = csrf_token(client, f"/events/{event}")
    response = client.post(
        f"/events/{event}/certificates/issue/{early}",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert "once the event has ended" in response.get_json()["message"]
    response = client.post(
        f"/events/{event}/certificates/issue/{early}", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert "once the event has ended" in client.get(f"/events/{event}").get_data(as_text=True)
    assert certificates(app, event) == []


def test_removing_a_participant(app, client, ended_event):
    issue_all(client, app, ended_event)
    ada = participant_id(app, "ada@example.org")
    certificate = next(c for c in certificates(app, ended_event) if c.participant_id == ada)
    post(client, ended_event, f"/events/{ended_event}/participants/{ada}/delete")
    page = client.get(f"/events/{ended_event}").get_data(as_text=True)
    assert "revoke it before removing them" in page
    assert client.get(f"/verify/{certificate.code}").status_code == 200

    revoke(client, ended_event, certificate.id, "Asked to be removed")
    post(client, ended_event, f"/events/{ended_event}/participants/{ada}/delete")
    assert participant_id(app, "ada@example.org") is None
    assert client.get(f"/verify/{certificate.code}").status_code == 404
    assert not [k for k in storage_keys(app) if certificate.code in k]
    storage_is_accounted_for(app)


def test_resetting_the_background_keeps_the_layout_unless_asked(app, client, ended_event):
    import html

    layout_page = f"/events/{ended_event}/design/"
    page = client.get(layout_page).get_data(as_text=True)
    layout = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))
    saved = post_form(client, layout_page, {"layout": layout}, action=f"{layout_page}layout")
    assert saved.status_code == 302
    status, text = upload_background(client, ended_event, image_bytes("PNG"))
    assert status == 302, text
    page = client.get(layout_page).get_data(as_text=True)
    assert "also reset the layout" in page and "confirm(" in page

    post_form(client, layout_page, {}, action=f"{layout_page}reset")
    with app.app_context():
        event = db.session.get(Event, ended_event)
        assert event.certificate_background_key is None
        kept = event.certificate_layout
    assert kept is not None
    assert storage_keys(app, "templates/") == []
    post_form(client, layout_page, {"layout": "1"}, action=f"{layout_page}reset")
    with app.app_context():
        assert db.session.get(Event, ended_event).certificate_layout is None
    storage_is_accounted_for(app)
