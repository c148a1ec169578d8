"""The cron bearer: `Authorization: Bearer <CRON_SECRET>`, checked in constant time."""

from __future__ import annotations

import hmac


def bearer_matches(header: str | None, secret: str) -> bool:
    """`Authorization: Bearer <secret>`, compared in constant time whatever the lengths."""
    scheme, _, token = (header or "").strip().partition(" ")
    # WSGI headers are latin-1 decoded bytes; this gives back those bytes.
    given = token.strip().encode("latin-1", "replace")
    matches = hmac.compare_digest(given, secret.encode("utf-8"))
    return matches and scheme.lower() == "bearer"
