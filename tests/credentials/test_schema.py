"""Every credential Laurel issues is valid under 1EdTech's Open Badges 3.0 JSON Schema.

The schema is vendored in tests/schemas/openbadges/ (with its licence); formats
(date-time, date) are checked too, not only shapes.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from app.extensions import db
from app.models import Certificate
from tests.certificates.test_issue_and_verify import issue_all

SCHEMA = json.loads(
    (
        Path(__file__).parents[1] / "schemas/openbadges/ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


def validator(definition: str | None = None) -> Draft201909Validator:
    """The whole credential's schema, or one of its `$defs` (Profile, Achievement)."""
    schema = SCHEMA
    if definition is not None:
        schema = {k: SCHEMA[k] for k in ("$schema", "$defs")} | {"$ref": f"#/$defs/{definition}"}
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def problems(document: dict, definition: str | None = None) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator(definition).iter_errors(document)
    ]


def payload_of(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


@pytest.fixture
def app_config(app_config):
    from tests.certificates.conftest import BASE_URL

    app_config["BASE_URL"] = BASE_URL
    return app_config


def test_every_issued_credential_is_valid_open_badges_3(app, client, ended_event):
    codes = issue_all(client, app, ended_event)
    with app.app_context():
        tokens = {c.code: c.credential_jws for c in db.session.query(Certificate)}
        owner_id = db.session.query(Certificate).first().event.owner_id
    assert sorted(tokens) == codes and all(tokens.values())
    for code, token in tokens.items():
        assert problems(payload_of(token)) == [], code

    # The documents the credential links to are valid instances of the same classes.
    profile = client.get(f"/credentials/issuers/{owner_id}").get_json()
    assert problems(profile, "Profile") == []
    achievement = client.get(f"/credentials/achievements/{ended_event}").get_json()
    assert problems(achievement, "Achievement") == []


def test_the_schema_refuses_what_open_badges_3_forbids(app, client, ended_event):
    """The check has teeth: the same credential, broken in the ways a bug would."""
    code = issue_all(client, app, ended_event)[0]
    payload = client.get(f"/credentials/{code}?format=json").get_json()
    broken = {
        "no validFrom": {k: v for k, v in payload.items() if k != "validFrom"},
        "VC 1.1 context": {**payload, "@context": ["https://www.w3.org/2018/credentials/v1"]},
        "not a badge": {**payload, "type": ["VerifiableCredential"]},
        "bad date": {**payload, "validFrom": "3 May 2024"},
    }
    for name, document in broken.items():
        assert problems(document), name
