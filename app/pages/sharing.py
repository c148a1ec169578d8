"""What a holder's verify page offers besides the facts: a link to share it on LinkedIn."""

from __future__ import annotations

from urllib.parse import urlencode

from app.certificates.models import Certificate

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate: Certificate, issuer: str) -> str:
    """LinkedIn's add-to-profile form, filled in with this certificate."""
    issued = certificate.issued_at
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.event_title,
        "organizationName": issuer,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": certificate.verify_url,
        "certId": certificate.code,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(query)}"
