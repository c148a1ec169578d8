"""What a holder's verify page offers: who issued it, and links to share it."""

from __future__ import annotations

from urllib.parse import urlencode

from app.certificates.models import Certificate

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def issuer_name(certificate: Certificate) -> str:
    """The organizer's display name when they set one, else what was recorded at issue."""
    return certificate.event.owner.display_name or certificate.issuer


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's add-to-profile form, filled in with this certificate."""
    issued = certificate.issued_at
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.event_title,
        "organizationName": issuer_name(certificate),
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": certificate.verify_url,
        "certId": certificate.code,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(query)}"
