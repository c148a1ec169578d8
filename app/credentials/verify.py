"""Checking a credential someone uploads: a baked PNG, a compact JWS, or JSON wrapping one.

What a verifier elsewhere would do, against this Laurel's own keys and rows:
the signature (RS256, by a key this issuer publishes, current or previous), the
issuer, the dates (validFrom / validUntil, nbf / exp) and the revocation status
list bit. Each failure is a sentence that says what failed; nothing here raises
on bad input.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.credentials.baking import SIGNATURE, NotABadge, extract

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
ENVELOPE_PREFIX = "data:application/vc+jwt,"
# Clocks differ a little between the issuer and whoever checks.
CLOCK_SKEW_SECONDS = 60


@dataclass
class Verdict:
    """What the check found: `failures` empty means verified; `payload` once readable."""

    failures: list[str] = field(default_factory=list)
    payload: dict | None = None
    certificate: object | None = None  # the Certificate row the credential names, if any
    revoked: bool = False

    @property
    def verified(self) -> bool:
        return not self.failures


class Unreadable(ValueError):
    """The upload holds no credential this page can check; the message says why."""


def token_from_upload(data: bytes) -> str:
    """The compact JWS inside what was uploaded (PNG, .jwt text or JSON)."""
    if data.startswith(SIGNATURE):
        try:
            return extract(data)
        except NotABadge as exc:
            raise Unreadable(str(exc)) from None
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Unreadable(
            "This file is neither a baked PNG nor text: upload the certificate's PNG, "
            "its .jwt credential, or JSON holding it."
        ) from None
    if text.startswith("{"):
        return _token_from_json(text)
    if COMPACT_JWS.match(text):
        return text
    raise Unreadable(
        "This text is not a credential: a VC-JWT is three base64url parts joined by dots."
    )


def _token_from_json(text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"This JSON cannot be read ({exc}).") from None
    envelope = document.get("id") if isinstance(document, dict) else None
    if isinstance(envelope, str) and envelope.startswith(ENVELOPE_PREFIX):
        token = envelope.removeprefix(ENVELOPE_PREFIX).strip()  # EnvelopedVerifiableCredential
        if COMPACT_JWS.match(token):
            return token
    raise Unreadable(
        "This JSON carries no signature: it is the credential's content only. Upload the "
        "credential as downloaded (the .jwt file) or the certificate's PNG, which carry it."
    )


def _decode_part(part: str) -> dict:
    value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _instant(value) -> datetime | None:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None
    return None


def _signature_failure(token: str, header: dict) -> str | None:
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    from app.credentials.keys import signing_key

    if header.get("alg") != "RS256":
        return f"The credential is signed with {header.get('alg')!r}; this issuer signs with RS256."
    published = signing_key().published
    kid = header.get("kid")
    keys = [jwk for jwk in published if jwk["kid"] == kid]
    if not keys:
        return (
            "The credential was not signed by this issuer: its key "
            f"({kid or 'unnamed'}) is not among the keys at /.well-known/jwks.json."
        )
    try:
        jws.deserialize_compact(token, KeySet.import_key_set({"keys": keys}), algorithms=["RS256"])
    except (JoseError, ValueError):
        return (
            "The signature does not match: the credential was changed after it was signed, "
            "or signed with another key under this key's name."
        )
    return None


def verify_token(token: str, root: str, now: datetime) -> Verdict:
    """Every check on a compact JWS, as a verifier that trusts this issuer would run them."""
    from app.credentials.badge import issuer_prefix

    verdict = Verdict()
    try:
        header, payload = (_decode_part(p) for p in token.split(".")[:2])
    except ValueError:
        verdict.failures.append("The credential's header or content is not base64url JSON.")
        return verdict
    verdict.payload = payload
    if failure := _signature_failure(token, header):
        verdict.failures.append(failure)

    issuer = payload.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    ours = issuer_prefix(root)
    if not (isinstance(issuer_ref, str) and issuer_ref.startswith(ours)):
        verdict.failures.append(f"The issuer {issuer_ref!r} is not one of this Laurel's issuers.")
    elif payload.get("iss") not in (None, issuer_ref):
        verdict.failures.append("The token's iss claim names another issuer than the credential.")
    if "OpenBadgeCredential" not in (payload.get("type") or []):
        verdict.failures.append("This is not an OpenBadgeCredential.")

    skew = CLOCK_SKEW_SECONDS
    start = _instant(payload.get("validFrom")) or _instant(payload.get("nbf"))
    if start is None:
        verdict.failures.append("The credential has no valid validFrom date.")
    elif (start - now).total_seconds() > skew:
        verdict.failures.append(f"The credential is not valid before {start:%d %B %Y %H:%M} UTC.")
    end = _instant(payload.get("validUntil")) or _instant(payload.get("exp"))
    if end is not None and (now - end).total_seconds() > skew:
        verdict.failures.append(f"The credential expired on {end:%d %B %Y %H:%M} UTC.")

    _check_status(verdict, payload.get("credentialStatus"), root)
    return verdict


def _check_status(verdict: Verdict, status, root: str) -> None:
    """The status list bit, read from the rows the list is made of (same answer, no fetch)."""
    from app.credentials.badge import LIST_BITS, status_list_url
    from app.credentials.status import certificate_at

    if not isinstance(status, dict):
        verdict.failures.append("The credential names no revocation status list to check.")
        return
    listed, bit = str(status.get("statusListCredential", "")), str(status.get("statusListIndex"))
    number = listed.rsplit("/", 1)[-1]
    if not (number.isdigit() and bit.isdigit() and listed == status_list_url(root, int(number))):
        verdict.failures.append(f"The credential's status list {listed!r} is not this issuer's.")
        return
    verdict.certificate = certificate = certificate_at(int(number) * LIST_BITS + int(bit))
    if certificate is not None and certificate.revoked_at is not None:
        verdict.revoked = True
        reason = certificate.revoked_reason or "no reason given"
        verdict.failures.append(
            f"The credential was revoked on {certificate.revoked_at:%d %B %Y} ({reason})."
        )
