"""Build, sign and verify an OpenBadgeCredential (OB 3.0 on VC Data Model 2.0).

The proof is VC-JWT: a compact JWS, RS256 (the algorithm every verifier must
support), whose payload is the credential itself plus `iss`, `sub`, `nbf`, `jti`.
RSASSA-PKCS1-v1_5 is deterministic and the payload is serialised with sorted keys,
so the same certificate signs to the same bytes on every platform.

joserfc signs (maintained, typed, RFC-complete, built on `cryptography`, which the
app already needs); the tests verify with jwcrypto, a different implementation.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
MEDIA_TYPE = "application/vc+jwt"
# Bitstring Status List: 16 KiB of bits per list (the spec's minimum, for herd privacy);
# a certificate's index is its row id, so list n covers ids n*LIST_BITS onwards.
LIST_BITS = 131072


def site_root(verify_url: str) -> str:
    """`https://host/verify/CODE` → `https://host`: where the issuer's documents live."""
    return verify_url.rsplit("/verify/", 1)[0]


def issuer_prefix(root: str) -> str:
    return f"{root}/credentials/issuers/"


def issuer_id(root: str, organizer_id: int) -> str:
    return f"{issuer_prefix(root)}{organizer_id}"


def achievement_id(root: str, event_id: int) -> str:
    return f"{root}/credentials/achievements/{event_id}"


def credential_id(root: str, code: str) -> str:
    return f"{root}/credentials/{code}"


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def issuer_profile(root: str, organizer_id: int, name: str) -> dict:
    return {
        "@context": CONTEXT,
        "id": issuer_id(root, organizer_id),
        "type": ["Profile"],
        "name": name,
        "url": root,
    }


def achievement(root: str, event_id: int, title: str, dates: str) -> dict:
    return {
        "id": achievement_id(root, event_id),
        "type": ["Achievement"],
        "name": title,
        "description": f"Attendance at {title} ({dates}).",
        "criteria": {"narrative": f"Attended {title}."},
    }


@dataclass(frozen=True)
class Facts:
    """What a credential states; the same fields the certificate's row records."""

    code: str
    verify_url: str
    holder_name: str
    event_id: int
    event_title: str
    event_date: str
    organizer_id: int
    issuer: str
    issued_at: datetime


def status_list_url(root: str, number: int) -> str:
    return f"{root}/credentials/status/{number}"


def status_entry(root: str, index: int) -> dict:
    number, bit = divmod(index, LIST_BITS)
    url = status_list_url(root, number)
    return {
        "id": f"{url}#{bit}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(bit),
        "statusListCredential": url,
    }


def status_list_credential(root: str, number: int, revoked_bits: list[int], issuer: str) -> dict:
    """The list's credential: bit i set means the certificate at that index is revoked."""
    import gzip

    bits = bytearray(LIST_BITS // 8)
    for bit in revoked_bits:
        bits[bit // 8] |= 0x80 >> (bit % 8)  # bit 0 is the first byte's highest bit
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=")
    url = status_list_url(root, number)
    return {
        "@context": [CONTEXT[0]],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Laurel", "url": root},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + encoded.decode(),
        },
    }


def credential(facts: Facts, status_index: int | None = None) -> dict:
    root = site_root(facts.verify_url)
    profile = issuer_profile(root, facts.organizer_id, facts.issuer)
    del profile["@context"]
    document = {
        "@context": CONTEXT,
        "id": credential_id(root, facts.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile,
        "validFrom": _instant(facts.issued_at),
        "name": f"{facts.event_title}: certificate of attendance",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": facts.holder_name,
                }
            ],
            "achievement": achievement(root, facts.event_id, facts.event_title, facts.event_date),
        },
    }
    if status_index is not None:
        document["credentialStatus"] = status_entry(root, status_index)
    return document


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def jwt_claims(document: dict) -> dict:
    """The VC-JWT payload: the credential with the registered claims it maps to."""
    issued = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    claims = dict(document)
    subject = document["credentialSubject"]
    claims.update(
        iss=document["issuer"]["id"],
        sub=subject.get("achievement", subject)["id"],
        jti=document["id"],
        nbf=int(issued.timestamp()),
    )
    if "validUntil" in document:
        until = datetime.fromisoformat(document["validUntil"].replace("Z", "+00:00"))
        claims["exp"] = int(until.timestamp())
    return claims


def sign(document: dict, key, kid: str) -> str:
    from joserfc import jws

    header = {"alg": "RS256", "kid": kid, "typ": "vc+jwt"}
    return jws.serialize_compact(header, canonical(jwt_claims(document)), key, algorithms=["RS256"])


def sign_with_current_key(document: dict) -> str | None:
    """Signed with the issuer's key, or None while credentials are off."""
    from app.credentials.keys import signing_key

    key = signing_key()
    if key.key is None:
        return None
    return sign(document, key.key, key.kid)


def issue(facts: Facts, status_index: int | None = None) -> str | None:
    """The signed credential of a certificate, or None while credentials are off."""
    return sign_with_current_key(credential(facts, status_index))
