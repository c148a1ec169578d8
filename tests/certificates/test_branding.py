"""Branding: the logo and signature come in through the background's upload path, the
signer is checked like a name, and an issued certificate shows all of it with the
holder's custom field, rendering again from its row to the same bytes."""

from __future__ import annotations

import hashlib
import io
import json

from app.extensions import db
from app.models import Certificate, Event, Organizer
from tests.certificates.conftest import storage_keys
from tests.certificates.test_design import direct_upload, huge_png_header
from tests.certificates.test_issue_and_verify import issue_all
from tests.core.helpers import post_form
from tests.core.test_participants import upload as upload_csv
from tests.rendering.branded import FIELD_VALUES, branded_layout, logo_png, signature_png

PAGE = "/settings/branding/"


def upload_brand(client, kind: str, content: bytes) -> tuple[int, str]:
    return direct_upload(client, PAGE, f"{PAGE}upload", f"{PAGE}{kind}", content)


def organizer_row(app) -> Organizer:
    with app.app_context():
        organizer = db.session.query(Organizer).one()
        db.session.expunge(organizer)
        return organizer


def test_logo_and_signature_are_checked_normalised_and_replaced(app, client, organizer):
    status, text = upload_brand(client, "logo", logo_png())
    assert status == 302, text
    first = organizer_row(app).logo_key
    assert first.startswith("brand/organizer-") and first.endswith(".png")
    assert storage_keys(app, "uploads/") == []
    shown = client.get(f"{PAGE}logo.png")
    assert shown.status_code == 200 and shown.data.startswith(b"\x89PNG")
    assert 'alt="Your logo"' in client.get(PAGE).get_data(as_text=True)

    for bad, message in [
        (b"GIF89a" + b"\x00" * 64, "GIF"),
        (huge_png_header(20000, 20000), "megapixels"),
        (signature_png()[:300], "truncated"),
    ]:
        status, text = upload_brand(client, "signature", bad)
        assert status == 400 and message in text, text
    status, text = upload_brand(client, "signature", small_png((20, 20)))
    assert status == 400 and "at least 32 pixels a side" in text
    assert organizer_row(app).signature_key is None
    assert client.get(f"{PAGE}signature.png").status_code == 404
    assert client.get(f"{PAGE}stamp.png").status_code == 404

    # A new logo replaces the old one in storage.
    status, _ = upload_brand(client, "logo", small_png((300, 100)))
    assert status == 302
    assert storage_keys(app, "brand/") == [organizer_row(app).logo_key]
    post_form(client, PAGE, {}, action=f"{PAGE}logo/remove")
    assert organizer_row(app).logo_key is None and storage_keys(app, "brand/") == []


def small_png(size) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 128)).save(out, "PNG")
    return out.getvalue()


def test_the_signer_is_checked_like_a_name(app, client, organizer):
    action = f"{PAGE}signer"
    refused = post_form(client, PAGE, {"signer_name": "Ada 🎉"}, action=action)
    assert refused.status_code == 400
    assert "no certificate font can draw" in refused.get_data(as_text=True)
    saved = post_form(
        client, PAGE, {"signer_name": "Grace Hopper", "signer_title": "Chair"}, action=action
    )
    assert saved.status_code == 302
    row = organizer_row(app)
    assert (row.signer_name, row.signer_title) == ("Grace Hopper", "Chair")


def test_a_branded_custom_field_certificate_is_issued_and_renders_again(app, client, ended_event):
    from app.certificates.issuing import render_files
    from app.certificates.rendering import layout_to_json

    for kind, content in (("logo", logo_png()), ("signature", signature_png())):
        assert upload_brand(client, kind, content)[0] == 302
    post_form(client, "/auth/settings", {"display_name": FIELD_VALUES["issuer"]})
    post_form(
        client,
        PAGE,
        {"signer_name": FIELD_VALUES["signer_name"], "signer_title": FIELD_VALUES["signer_title"]},
        action=f"{PAGE}signer",
    )
    csv_file = f"name,email,attended,role\nCyd,cyd@example.org,yes,{FIELD_VALUES['role']}\n"
    assert upload_csv(client, ended_event, csv_file.encode()).status_code == 302
    design = f"/events/{ended_event}/design/"
    layout = layout_to_json(branded_layout())
    assert (
        post_form(client, design, {"layout": layout}, action=f"{design}layout").status_code == 302
    )
    preview = client.get(f"{design}preview.png")
    assert preview.status_code == 200

    issue_all(client, app, ended_event)
    with app.app_context():
        certificate = db.session.query(Certificate).filter_by(holder_name="Cyd").one()
        assert json.loads(certificate.field_values) == FIELD_VALUES
        png, pdf = render_files(certificate, db.session.get(Event, ended_event))
        assert hashlib.sha256(png).hexdigest() == certificate.png_sha256
        assert hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256
        code = certificate.code
    verify = client.get(f"/verify/{code}").get_data(as_text=True)
    assert FIELD_VALUES["issuer"] in verify
    # The PDF carries the custom field and the signer as real text.
    text = pdf_text(pdf)
    for value in ("attended as Keynote speaker", "Grace Hopper", "Programme chair"):
        assert value in text
    assert "{role}" not in text


def pdf_text(pdf: bytes) -> str:
    import subprocess

    from tests.tools import need_program

    program = need_program("pdftotext", "poppler-utils")
    return subprocess.run(
        [program, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
