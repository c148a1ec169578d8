"""Issuing from the organizer's page, verifying publicly, downloading, revoking."""

from __future__ import annotations

import hashlib
import io
import re
import urllib.request
import zipfile

import pytest

from app.extensions import db
from app.models import Certificate, Participant
from tests.certificates.conftest import BASE_URL, CODE, storage_keys
from tests.conftest import csrf_token
from tests.tools import missing


def issue_all(client, app, event_id: int) -> list[str]:
    token = csrf_token(client, f"/events/{event_id}")
    with app.app_context():
        ids = [p.id for p in db.session.query(Participant).filter_by(event_id=event_id)]
    for participant_id in ids:
        client.post(
            f"/events/{event_id}/certificates/issue/{participant_id}", data={"csrf_token": token}
        )
    return sorted(set(CODE.findall(client.get(f"/events/{event_id}").get_data(as_text=True))))


def fetch(client, url: str) -> tuple[int, bytes, str]:
    """Follow a download link: the app's own route, or storage over real HTTP."""
    if url.startswith("http://localhost/"):
        response = client.get(url)
        return response.status_code, response.data, response.headers.get("Content-Disposition", "")
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read(), response.headers.get("Content-Disposition", "")


def test_issue_verify_download_revoke(app, client, ended_event):
    codes = issue_all(client, app, ended_event)
    assert len(codes) == 2  # the absent participant gets none
    with app.app_context():
        certificates = db.session.query(Certificate).order_by(Certificate.id).all()
        rows = [
            (c.code, c.png_key, c.pdf_key, c.png_sha256, c.pdf_sha256, c.verify_url)
            for c in certificates
        ]
    assert sorted(r[0] for r in rows) == codes

    code, _png_key, _pdf_key, png_sha, pdf_sha, verify_url = rows[0]
    assert verify_url == f"{BASE_URL}/verify/{code}"
    assert set(storage_keys(app, "certificates/")) == {k for r in rows for k in r[1:3]}

    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Genuine and valid" in html and "Ada &lt;script&gt;" in html
    assert "<script>alert" not in html
    assert "Ended &lt;b&gt;Workshop" in html and "2 May 2024" in html
    assert "org@example.org" in html  # the issuer
    assert "ada@example.org" not in html  # a participant's email is never public

    links = re.findall(r'href="([^"]+)"[^>]*>Download (PDF|PNG)', html)
    assert sorted(links) == [
        (f"/verify/{code}/certificate.pdf", "PDF"),
        (f"/verify/{code}/certificate.png", "PNG"),
    ]
    for path, kind in links:
        # The page signs nothing; the click does, and is never cached.
        clicked = client.get(path)
        assert clicked.status_code == 302 and clicked.headers["Cache-Control"] == "no-store"
        status, body, disposition = fetch(client, clicked.headers["Location"])
        assert status == 200
        expected = pdf_sha if kind == "PDF" else png_sha
        assert hashlib.sha256(body).hexdigest() == expected
        assert "certificate-" in disposition and f"{code}.{kind.lower()}" in disposition
    wrong = client.get(f"/verify/{code}/certificate.gif")
    assert wrong.status_code == 404 and "certificate.png" in wrong.get_data(as_text=True)

    token = csrf_token(client, f"/events/{ended_event}")
    with app.app_context():
        cert_id = db.session.query(Certificate).filter_by(code=code).one().id
    client.post(
        f"/events/{ended_event}/certificates/{cert_id}/revoke",
        data={"csrf_token": token, "reason": ""},
    )
    assert "Not revoked: Say why" in client.get(f"/events/{ended_event}").get_data(as_text=True)
    assert "Genuine and valid" in client.get(f"/verify/{code}").get_data(as_text=True)
    client.post(
        f"/events/{ended_event}/certificates/{cert_id}/revoke",
        data={"csrf_token": token, "reason": "Issued by mistake"},
    )
    revoked = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Revoked" in revoked and "Issued by mistake" in revoked


def test_issuing_twice_keeps_one_certificate(app, client, ended_event):
    first = issue_all(client, app, ended_event)
    second = issue_all(client, app, ended_event)
    assert first == second
    assert len(storage_keys(app, "certificates/")) == 4


def test_qr_code_points_at_the_verification_page(app, client, ended_event):
    try:
        import zxingcpp
    except ImportError:
        missing("zxing-cpp is not installed (requirements-dev.txt)")
    from PIL import Image

    from app.storage import get_storage

    issue_all(client, app, ended_event)
    with app.app_context():
        certificate = db.session.query(Certificate).first()
        png = get_storage().get(certificate.png_key)
        url = certificate.verify_url
    decoded = [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded == [url]
    assert client.get(url.removeprefix(BASE_URL)).status_code == 200


def test_rerendering_gives_identical_files(app, client, ended_event):
    from app.certificates.issuing import render_files

    issue_all(client, app, ended_event)
    with app.app_context():
        for certificate in db.session.query(Certificate):
            png, pdf = render_files(certificate, certificate.event)
            assert hashlib.sha256(png).hexdigest() == certificate.png_sha256
            assert hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256


def test_zip_holds_every_file(app, client, ended_event):
    issue_all(client, app, ended_event)
    response = client.get(f"/events/{ended_event}/certificates/all.zip")
    if response.status_code == 302:  # S3: built in storage, offered by a presigned URL
        status, body, _ = fetch(client, response.headers["Location"])
        assert status == 200
    else:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        body = response.data
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert len(set(names)) == 4 and all(n.startswith("certificate-") for n in names)
    # the holder's name, folded to ASCII, then the code; a name with no Latin letters: the code
    assert sum(n.startswith("certificate-ada-script-alert-1-script-LAU-") for n in names) == 2
    assert sum(n.startswith("certificate-LAU-") for n in names) == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/verify/LAU-0000-0000-0000-0000", 404),
        ("/verify/not-a-code", 404),
        ("/verify/LAU-0000-0000-0000-0000/certificate.pdf", 404),
        ("/verify?code=hello", 400),
    ],
)
def test_unknown_codes(client, path, status):
    response = client.get(path)
    assert response.status_code == status


def test_typed_codes_are_forgiven(app, client, ended_event):
    code = issue_all(client, app, ended_event)[0]
    typed = code.lower().replace("-", " ").replace("0", "o")
    response = client.get("/verify", query_string={"code": typed})
    assert response.headers["Location"] == f"/verify/{code}"


def test_other_organizers_cannot_touch_certificates(app, client, auth, ended_event):
    issue_all(client, app, ended_event)
    with app.app_context():
        cert_id = db.session.query(Certificate).first().id
    auth.logout()
    auth.create("other@example.org")
    auth.login("other@example.org")
    for path in (
        f"/events/{ended_event}/certificates/{cert_id}.png",
        f"/events/{ended_event}/certificates/all.zip",
        f"/events/{ended_event}/design/",
    ):
        assert client.get(path).status_code == 404, path


def test_names_no_font_can_draw_are_refused(client, ended_event):
    from tests.core.helpers import add_participant

    response = add_participant(client, ended_event, "Ada \U0001f600", "ada@example.org")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "no certificate font can draw: U+1F600, GRINNING FACE." in body
    assert add_participant(client, ended_event, "王小明", "wang@example.org").status_code != 400
