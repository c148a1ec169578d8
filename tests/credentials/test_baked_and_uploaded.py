"""Baked badges and the public credential check: round trips, and each refusal's reason."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import Certificate
from tests.certificates.test_issue_and_verify import issue_all
from tests.core.helpers import post_form

CHECK = "/verify/credential"


def stored_png(app, code: str) -> tuple[bytes, str]:
    from app.storage import get_storage

    with app.app_context():
        row = db.session.query(Certificate).filter_by(code=code).one()
        return get_storage().get(row.png_key), row.credential_jws


def check(client, data: bytes, name: str = "upload.png"):
    """Upload as a browser does: the file field, with the form's token."""
    return post_form(
        client,
        CHECK,
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_stored_png_carries_the_stored_credential_and_renders_the_same(
    app, client, ended_event
):
    from app.certificates.issuing import RENDERED, event_template, render_files
    from app.certificates.rendering import CertificateData, render_png_pdf
    from app.credentials.baking import KEYWORD, extract

    code = issue_all(client, app, ended_event)[0]
    png, credential = stored_png(app, code)
    assert credential and extract(png) == credential
    image = Image.open(io.BytesIO(png))
    image.load()  # Pillow reads chunks after the image data once it has decoded it
    assert image.info["openbadgecredential"] == credential  # another reader agrees
    with app.app_context():
        row = db.session.query(Certificate).filter_by(code=code).one()
        data = CertificateData(**{name: getattr(row, name) for name in RENDERED})
        plain = render_png_pdf(data, *event_template(row.event))[0]  # nothing baked
        assert render_files(row, row.event)[0] == png  # re-rendered from the row: baked again
    # Apart from the chunk, the same bytes: the chunk sits whole before IEND.
    chunk_start = png.index(b"iTXt" + KEYWORD) - 4
    iend = png.index(b"IEND") - 4
    assert png[:chunk_start] + png[iend:] == plain
    assert Image.open(io.BytesIO(png)).tobytes() == Image.open(io.BytesIO(plain)).tobytes()


def test_an_uploaded_png_or_jwt_is_verified_then_revoked(app, client, ended_event):
    from tests.certificates.test_lifecycle import revoke

    code = issue_all(client, app, ended_event)[0]
    png, credential = stored_png(app, code)
    verified = check(client, png)
    assert verified.status_code == 200 and "✓ Verified" in page(verified), page(verified)
    assert f"/verify/{code}" in page(verified)  # leads to the certificate's page
    as_jwt = check(client, credential.encode(), "credential.jwt")
    assert "✓ Verified" in page(as_jwt)
    envelope = {
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{credential}",
    }
    assert "✓ Verified" in page(check(client, json.dumps(envelope).encode(), "vc.json"))

    with app.app_context():
        row_id = db.session.query(Certificate).filter_by(code=code).one().id
    revoke(client, ended_event, row_id, "issued by mistake")
    revoked = check(client, png)
    assert revoked.status_code == 200 and "✗ Revoked" in page(revoked)
    assert "revoked on" in page(revoked) and "issued by mistake" in page(revoked)


def _resign(app, claims: dict, kid: str | None = None, key=None) -> str:
    from joserfc import jws

    from app.credentials.badge import canonical
    from app.credentials.keys import signing_key

    with app.app_context():
        current = signing_key()
        header = {"alg": "RS256", "kid": kid or current.kid, "typ": "vc+jwt"}
        return jws.serialize_compact(
            header, canonical(claims), key or current.key, algorithms=["RS256"]
        )


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_each_bad_credential_is_refused_with_its_reason(app, client, ended_event, other_pem):
    from joserfc.jwk import RSAKey

    code = issue_all(client, app, ended_event)[0]
    _png, token = stored_png(app, code)
    header, _payload, signature = token.split(".")
    claims = _claims(token)

    tampered = {**claims, "name": "Something else entirely"}
    forged = base64.urlsafe_b64encode(json.dumps(tampered).encode()).rstrip(b"=").decode()
    expired = {**claims, "validUntil": "2024-06-01T00:00:00Z"}
    future = datetime.now(UTC) + timedelta(days=30)
    early = {**claims, "validFrom": future.strftime("%Y-%m-%dT%H:%M:%SZ")}
    stranger = RSAKey.import_key(other_pem)
    foreign_issuer = {**claims, "issuer": {**claims["issuer"], "id": "https://evil.example/i/1"}}
    cases = {
        "tampered": (f"{header}.{forged}.{signature}", "signature does not match"),
        "wrong key, same name": (_resign(app, claims, key=stranger), "signature does not match"),
        "unknown key": (
            _resign(app, claims, kid="nope", key=stranger),
            "not signed by this issuer",
        ),
        "expired": (_resign(app, expired), "expired on 01 June 2024"),
        "not yet valid": (_resign(app, early), "not valid before"),
        "other issuer": (_resign(app, foreign_issuer), "is not one of this Laurel"),
    }
    for name, (bad, reason) in cases.items():
        response = check(client, bad.encode(), "credential.jwt")
        assert response.status_code == 200, name
        assert "✗ Not verified" in page(response) and reason in page(response), (
            name,
            page(response),
        )


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (b"", "nothing was sent"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "cut short or damaged"),
        (b"not a token at all", "is not a credential"),
        (b"\xff\xfe\x00garbage", "neither a baked PNG nor text"),
        (b'{"name": "x"}', "carries no signature"),
        (b"{broken json", "cannot be read"),
        (b"a.b.c", "not base64url JSON"),
    ],
)
def test_bad_uploads_get_a_4xx_or_a_reason_never_a_5xx(client, upload, reason):
    response = check(client, upload, "upload.bin")
    assert response.status_code < 500
    assert reason in page(response), page(response)


def test_a_png_without_a_credential_says_so(client):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    response = check(client, buffer.getvalue())
    assert response.status_code == 400 and "carries no Open Badges credential" in page(response)


def test_the_verify_page_offers_the_check(app, client, ended_event):
    code = issue_all(client, app, ended_event)[0]
    assert f'href="{CHECK}"' in page(client.get(f"/verify/{code}"))
    assert client.get(CHECK).status_code == 200
