"""Open Badges credentials: signed with joserfc at issue, verified here with jwcrypto."""

from __future__ import annotations

import base64
import json

import pytest
from jwcrypto import jwk, jws

from app.extensions import db
from app.models import Certificate
from tests.certificates.conftest import BASE_URL
from tests.certificates.test_issue_and_verify import issue_all
from tests.conftest import pem


def published_keys(client) -> jwk.JWKSet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.get_data(as_text=True))


def verified_payload(token: str, keys: jwk.JWKSet) -> dict:
    """jwcrypto: the key named by `kid`, RS256 only; raises when the signature is bad."""
    signed = jws.JWS()
    signed.deserialize(token)
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    signed.verify(keys.get_key(kid), alg="RS256")
    return json.loads(signed.payload)


def test_every_certificate_carries_a_credential_that_another_library_verifies(
    app, client, ended_event
):
    codes = issue_all(client, app, ended_event)
    page = client.get(f"/verify/{codes[0]}").get_data(as_text=True)
    assert f'href="/credentials/{codes[0]}"' in page  # offered to the holder
    response = client.get(f"/credentials/{codes[0]}")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    with app.app_context():
        row = db.session.query(Certificate).filter_by(code=codes[0]).one()
        assert row.credential_jws == token  # recorded with the certificate's row
        holder, event_id, owner_id = row.holder_name, row.event_id, row.event.owner_id

    payload = verified_payload(token, published_keys(client))
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["id"] == payload["jti"] == f"{BASE_URL}/credentials/{codes[0]}"
    assert payload["iss"] == payload["issuer"]["id"] == f"{BASE_URL}/credentials/issuers/{owner_id}"
    assert payload["issuer"]["type"] == ["Profile"] and payload["issuer"]["url"] == BASE_URL
    subject = payload["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == holder
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE_URL}/credentials/achievements/{event_id}"
    assert achievement["criteria"]["narrative"] == "Attended Ended <b>Workshop</b>."
    assert payload["validFrom"].endswith("Z")
    assert payload["nbf"] > 0 and payload["sub"] == achievement["id"]

    # The documents the credential points at resolve, and say the same.
    assert client.get(f"/credentials/issuers/{owner_id}").get_json()["id"] == payload["iss"]
    assert (
        client.get(f"/credentials/achievements/{event_id}").get_json()["name"]
        == (achievement["name"])
    )
    plain = client.get(f"/credentials/{codes[0]}?format=json").get_json()
    assert plain == payload


def test_tampered_payload_and_wrong_key_are_refused(app, client, ended_event, other_pem):
    code = issue_all(client, app, ended_event)[0]
    token = client.get(f"/credentials/{code}").get_data(as_text=True)
    keys = published_keys(client)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jws.InvalidJWSSignature):
        verified_payload(f"{header}.{forged}.{signature}", keys)

    stranger = jwk.JWK.from_pem(other_pem.encode())
    stranger_set = jwk.JWKSet()
    public = json.loads(stranger.export_public())
    public["kid"] = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]  # same name
    stranger_set.add(jwk.JWK(**public))
    with pytest.raises(jws.InvalidJWSSignature):
        verified_payload(token, stranger_set)


def test_same_data_signs_to_the_same_bytes(app, issuer_pem):
    from datetime import UTC, datetime

    from app.credentials.badge import Facts, issue

    facts = Facts(
        code="LAU-AAAA-BBBB-CCCC-DDDD",
        verify_url=f"{BASE_URL}/verify/LAU-AAAA-BBBB-CCCC-DDDD",
        holder_name="Zoë",
        event_id=7,
        event_title="Data night",
        event_date="2 May 2024",
        organizer_id=3,
        issuer="Laurel Lab",
        issued_at=datetime(2024, 5, 3, 9, 30, tzinfo=UTC),
    )
    with app.app_context():
        first = issue(facts)
    with app.app_context():
        app.extensions.pop("laurel.credentials", None)  # a fresh process: the key reloaded
        assert issue(facts) == first


def test_rotation_keeps_previous_keys_published(app_config, other_pem):
    from jwcrypto.jwk import JWK

    from app import create_app

    old_public = JWK.from_pem(other_pem.encode()).export_public()
    app_config["CREDENTIAL_PREVIOUS_KEYS"] = json.dumps([json.loads(old_public)])
    app = create_app(app_config)
    keys = app.test_client().get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 2 and len({k["kid"] for k in keys}) == 2
    assert all("d" not in k for k in keys)  # never a private part


@pytest.mark.parametrize(
    ("setting", "named"),
    [(None, "CREDENTIAL_SIGNING_KEY is not set"), ("weak", "1024-bit"), ("junk", "not a PEM")],
)
def test_production_without_a_good_key_turns_credentials_off_and_says_so(
    app_config, setting, named
):
    from app import create_app

    app_config["CREDENTIAL_SIGNING_KEY"] = {None: None, "weak": pem(1024), "junk": "nope"}[setting]
    app_config["PRODUCTION"] = True
    app_config["CRON_SECRET"] = secret = "s" * 32
    app = create_app(app_config)
    with app.app_context():
        from app.credentials import credentials_check

        ok, detail = credentials_check()
    assert not ok and named in detail
    # The checks' details are shown only to the cron bearer.
    bearer = {"Authorization": f"Bearer {secret}"}
    checks = app.test_client().get("/readyz", headers=bearer).get_json()["checks"]
    assert not checks["credentials"]["ok"] and named in checks["credentials"]["detail"]
    assert app.test_client().get("/.well-known/jwks.json").get_json() == {"keys": []}


def revoked_in_status_list(client, payload: dict, keys) -> bool:
    """What a verifier does: fetch the list the credential names, check it, read its bit."""
    import gzip

    entry = payload["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    path = entry["statusListCredential"].removeprefix(BASE_URL)
    listed = verified_payload(client.get(path).get_data(as_text=True), keys)
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revoking_and_unrevoking_update_the_status_list(app, client, ended_event):
    from tests.certificates.test_lifecycle import post, revoke

    codes = issue_all(client, app, ended_event)
    keys = published_keys(client)
    with app.app_context():
        rows = {c.code: c.id for c in db.session.query(Certificate)}
    payloads = {
        code: verified_payload(client.get(f"/credentials/{code}").get_data(as_text=True), keys)
        for code in codes
    }
    assert not any(revoked_in_status_list(client, p, keys) for p in payloads.values())

    revoke(client, ended_event, rows[codes[0]], "issued by mistake")
    assert revoked_in_status_list(client, payloads[codes[0]], keys)
    assert not revoked_in_status_list(client, payloads[codes[1]], keys)

    post(client, ended_event, f"/events/{ended_event}/certificates/{rows[codes[0]]}/unrevoke")
    assert not revoked_in_status_list(client, payloads[codes[0]], keys)


def test_an_unusable_key_is_named_on_the_event_page_and_issuing_goes_on(app_config):
    from app import create_app
    from tests.conftest import AuthActions
    from tests.core.helpers import add_participant, create_event

    app_config["CREDENTIAL_SIGNING_KEY"] = "-----BEGIN PRIVATE KEY-----\nnope"
    app = create_app(app_config)
    client = app.test_client()
    auth = AuthActions(app, client)
    auth.create()
    auth.login()
    event_id = create_event(
        client, title="Keyless", starts_at="2024-05-02T09:00", ends_at="2024-05-02T17:00"
    )
    add_participant(client, event_id, "Ada", "ada@example.org")
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "credentials are off: CREDENTIAL_SIGNING_KEY is not a PEM or JWK" in page
    codes = issue_all(client, app, event_id)
    assert len(codes) == 1 and client.get(f"/verify/{codes[0]}").status_code == 200
    assert client.get(f"/credentials/{codes[0]}").status_code == 404
