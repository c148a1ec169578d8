"""Branding: the logo and signatures come in through the background's upload path, each
signer is checked like a name, an organizer has up to four signatures that layouts
place by number, and an issued certificate shows all of it with the holder's custom
field, rendering again from its row to the same bytes."""

from __future__ import annotations

import hashlib
import io
import json

from app.extensions import db
from app.models import Certificate, Event, Organizer, Signature
from tests.certificates.conftest import storage_keys
from tests.certificates.test_design import direct_upload, huge_png_header
from tests.certificates.test_issue_and_verify import issue_all
from tests.conftest import csrf_token
from tests.core.helpers import post_form
from tests.core.test_participants import upload as upload_csv
from tests.rendering.branded import (
    FIELD_VALUES,
    branded_layout,
    logo_png,
    second_signature_png,
    signature_png,
)

PAGE = "/settings/branding/"


def upload_brand(client, path: str, content: bytes) -> tuple[int, str]:
    """Upload to the logo (`logo`) or a signature (`signatures/2/image`)."""
    return direct_upload(client, PAGE, f"{PAGE}upload", f"{PAGE}{path}", content)


def save_signer(client, number: int, name: str = "", title: str = ""):
    prefix = f"signature-{number}-"
    data = {f"{prefix}name": name, f"{prefix}title": title}
    data[f"{prefix}csrf_token"] = csrf_token(client, PAGE)
    return client.post(f"{PAGE}signatures/{number}", data=data)


def add_signature(client):
    return post_form(client, PAGE, {}, action=f"{PAGE}signatures/add")


def organizer_row(app) -> Organizer:
    with app.app_context():
        organizer = db.session.query(Organizer).one()
        organizer.signatures  # noqa: B018  (loaded before the row leaves the session)
        db.session.expunge_all()
        return organizer


def signatures(app) -> dict[int, tuple[str | None, str | None, str | None]]:
    with app.app_context():
        return {s.number: (s.image_key, s.name, s.title) for s in db.session.query(Signature).all()}


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
        status, text = upload_brand(client, "signatures/1/image", bad)
        assert status == 400 and message in text, text
        assert 'id="signature-1-error"' in text, "the reason beside signature 1's form"
    status, text = upload_brand(client, "signatures/1/image", small_png((20, 20)))
    assert status == 400 and "at least 32 pixels a side" in text
    assert signatures(app) == {}
    assert client.get(f"{PAGE}signatures/1.png").status_code == 404
    assert client.get(f"{PAGE}stamp.png").status_code == 404
    assert upload_brand(client, "signatures/5/image", signature_png())[0] == 404

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
    refused = save_signer(client, 1, "Ada 🎉")
    assert refused.status_code == 400
    assert "no certificate font can draw" in refused.get_data(as_text=True)
    assert save_signer(client, 1, "Grace Hopper", "Chair").status_code == 302
    assert signatures(app) == {1: (None, "Grace Hopper", "Chair")}


def test_up_to_four_signatures_each_with_its_image_and_signer(app, client, organizer):
    assert upload_brand(client, "signatures/1/image", signature_png())[0] == 302
    for _ in range(3):
        assert add_signature(client).status_code == 302
    assert sorted(signatures(app)) == [1, 2, 3, 4]
    # A fifth is refused; the page no longer offers one.
    add_signature(client)
    assert sorted(signatures(app)) == [1, 2, 3, 4]
    page = client.get(PAGE).get_data(as_text=True)
    assert "most there can be" in page and "Add a signature" not in page

    assert upload_brand(client, "signatures/2/image", second_signature_png())[0] == 302
    assert save_signer(client, 2, "Charles Babbage", "Treasurer").status_code == 302
    refused = save_signer(client, 3, "x" * 201)
    assert refused.status_code == 400 and 'id="signature-3-name-error"' in refused.get_data(
        as_text=True
    )
    rows = signatures(app)
    assert rows[2][1:] == ("Charles Babbage", "Treasurer")
    # Same image in two slots: two objects, so removing one keeps the other's.
    assert upload_brand(client, "signatures/3/image", second_signature_png())[0] == 302
    rows = signatures(app)
    assert rows[2][0] != rows[3][0] and rows[2][0].endswith(rows[3][0].rsplit("/", 1)[1])
    assert client.get(f"{PAGE}signatures/2.png").data.startswith(b"\x89PNG")

    # Removing signature 2 keeps the others' numbers; the next one added takes 2 again.
    post_form(client, PAGE, {}, action=f"{PAGE}signatures/2/remove")
    rows = signatures(app)
    assert sorted(rows) == [1, 3, 4] and rows[3][0] in storage_keys(app, "brand/")
    assert len(storage_keys(app, "brand/")) == 2
    add_signature(client)
    assert sorted(signatures(app)) == [1, 2, 3, 4] and signatures(app)[2] == (None, None, None)


def signature_layout(*extra) -> str:
    fields = [{"type": "participant_name", "x": 0.5, "y": 0.5}, *extra]
    return json.dumps({"fields": fields})


def test_a_layout_may_only_place_signatures_the_organizer_has(app, client, ended_event):
    design = f"/events/{ended_event}/design/"

    def save(layout: str):
        return post_form(client, design, {"layout": layout}, action=f"{design}layout")

    def preview(layout: str):
        token = csrf_token(client, design)
        return client.post(
            f"{design}preview.png", json={"layout": layout}, headers={"X-CSRFToken": token}
        )

    # Signature 1 is always accepted (it draws nothing until uploaded)...
    first = save(signature_layout({"type": "signature", "x": 0.5, "y": 0.8}))
    assert first.status_code == 302
    followed = client.get(design).get_data(as_text=True)
    assert "signature 1 field but you have not uploaded an image for signature 1" in followed
    assert "signer" not in stored_layout(app, ended_event)["fields"][1]  # as it always was
    # ...the others only once they exist.
    second = signature_layout(
        {"type": "signature", "x": 0.7, "y": 0.8, "signer": 2},
        {"type": "text", "x": 0.7, "y": 0.9, "text": "{signer_2_name}"},
    )
    refused = save(second)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "fields[1].signer: signature 2 does not exist (you have: none yet)" in text
    assert "{signer_2_name} is not a field of this event" in text
    answer = preview(second)
    assert answer.status_code == 400
    assert any("signature 2 does not exist" in m for m in answer.get_json()["messages"])
    for bad, message in [
        ({"type": "signature", "x": 0.5, "y": 0.8, "signer": 5}, "from 1 to 4, got number 5"),
        ({"type": "signature", "x": 0.5, "y": 0.8, "signer": "2"}, "got string &#34;2&#34;"),
        ({"type": "logo", "x": 0.5, "y": 0.8, "signer": 2}, "fields[1].signer: unknown key"),
    ]:
        refused = save(signature_layout(bad))
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)

    add_signature(client)  # signature 1
    add_signature(client)  # signature 2
    assert save_signer(client, 2, "Charles Babbage").status_code == 302
    assert save(second).status_code == 302
    page = client.get(design).get_data(as_text=True)
    # The editor offers signature 2 and its signer; the stored JSON names it.
    assert '<option value="signature:2">Signature 2 (Charles Babbage)</option>' in page
    assert 'value="text:{signer_2_name}"' in page
    assert stored_layout(app, ended_event)["fields"][1]["signer"] == 2
    assert preview(second).status_code == 200


def stored_layout(app, event_id: int) -> dict:
    with app.app_context():
        return json.loads(db.session.get(Event, event_id).certificate_layout)


def test_a_custom_field_cannot_take_a_signers_name(client, ended_event):
    refused = upload_csv(client, ended_event, b"name,email,signer_2_name\nCyd,cyd@example.org,x\n")
    assert refused.status_code == 400
    assert "a name Laurel uses itself ({signer_2_name})" in refused.get_data(as_text=True)


def brand(client) -> None:
    """The sample's logo, two signatures and their signers, and the issuer's name."""
    assert upload_brand(client, "logo", logo_png())[0] == 302
    assert upload_brand(client, "signatures/1/image", signature_png())[0] == 302
    assert add_signature(client).status_code == 302
    assert upload_brand(client, "signatures/2/image", second_signature_png())[0] == 302
    for number, prefix in ((1, "signer_"), (2, "signer_2_")):
        name, title = FIELD_VALUES[f"{prefix}name"], FIELD_VALUES[f"{prefix}title"]
        assert save_signer(client, number, name, title).status_code == 302
    post_form(client, "/auth/settings", {"display_name": FIELD_VALUES["issuer"]})


def test_a_branded_custom_field_certificate_is_issued_and_renders_again(app, client, ended_event):
    from app.certificates.issuing import render_files
    from app.certificates.rendering import layout_to_json

    brand(client)
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
    # The PDF carries the custom field and both signers as real text.
    text = pdf_text(pdf)
    for value in ("attended as Keynote speaker", "Grace Hopper", "Programme chair"):
        assert value in text
    assert "Charles Babbage" in text and "Treasurer" in text
    assert "{role}" not in text and "{signer_2_name}" not in text


def test_removing_a_placed_signature_leaves_the_certificate_without_it(app, client, ended_event):
    from app.certificates.issuing import brand_images
    from app.certificates.rendering import parse_layout, render_png
    from tests.rendering.helpers import make_data

    brand(client)
    with app.app_context():
        images = brand_images(db.session.get(Event, ended_event))
    assert sorted(images) == ["logo", "signature", "signature_2"]
    layout = parse_layout(signature_layout({"type": "signature", "x": 0.7, "y": 0.8, "signer": 2}))
    drawn = render_png(make_data(), layout, images=images)
    assert drawn != render_png(make_data(), layout)
    post_form(client, PAGE, {}, action=f"{PAGE}signatures/2/remove")
    with app.app_context():
        images = brand_images(db.session.get(Event, ended_event))
    assert sorted(images) == ["logo", "signature"]
    assert render_png(make_data(), layout, images=images) == render_png(make_data(), layout)


def test_the_verify_page_shows_the_issuers_logo_and_name(app, client, ended_event):
    """Served by the app from storage (local or S3), under the certificate's code: the
    page's CSP allows images from its own origin only, and no storage key shows."""
    codes = issue_all(client, app, ended_event)
    code = codes[0]
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "issuer-logo" not in page, "no logo uploaded: no image"
    assert client.get(f"/verify/{code}/issuer-logo.png").status_code == 404

    assert upload_brand(client, "logo", logo_png())[0] == 302
    name = 'Analytical <Society> & "Co"'
    post_form(client, "/auth/settings", {"display_name": name})
    public = app.test_client()  # no session: what anyone sees
    answer = public.get(f"/verify/{code}")
    page = answer.get_data(as_text=True)
    assert f'<img class="issuer-logo" src="/verify/{code}/issuer-logo.png"' in page
    assert 'alt="Logo of Analytical &lt;Society&gt; &amp; &#34;Co&#34;"' in page
    assert '<span class="issuer-name">Analytical &lt;Society&gt; &amp; &#34;Co&#34;</span>' in page
    assert "<Society>" not in page and "brand/" not in page and "organizer-" not in page
    assert "img-src 'self' data: blob:" in answer.headers["Content-Security-Policy"]

    logo = public.get(f"/verify/{code}/issuer-logo.png")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    key = organizer_row(app).logo_key
    with app.app_context():
        from app.storage import get_storage

        assert logo.data == get_storage().get(key)
    assert logo.headers["Cache-Control"] == "public, max-age=300"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    again = public.get(
        f"/verify/{code}/issuer-logo.png", headers={"If-None-Match": logo.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    # Only a real certificate's code, as printed, answers.
    for path in ("LAU-0000-0000-0000-0000", code.lower(), "not-a-code"):
        assert public.get(f"/verify/{path}/issuer-logo.png").status_code == 404


def pdf_text(pdf: bytes) -> str:
    import subprocess

    from tests.tools import need_program

    program = need_program("pdftotext", "poppler-utils")
    return subprocess.run(
        [program, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
