"""Open Badges 3.0 credentials: every certificate is also a signed OpenBadgeCredential.

`keys` loads the issuer's signing key from the environment, `badge` builds and
signs the credential (VC-JWT, RS256), `views` publishes the public keys, the
issuer profile, achievements and each credential.
"""

from __future__ import annotations

from flask import Flask


def credentials_check() -> tuple[bool, str]:
    """Readiness: a signing key is configured and strong enough (else credentials are off)."""
    from app.credentials.keys import signing_key
    from app.credentials.pdf_signing import certificate_problem

    key = signing_key()
    if key.problem:
        return False, key.problem
    if problem := certificate_problem():
        return False, problem
    return True, f"signing with {key.kid} (RS256; PDFs PAdES)"


def init_app(app: Flask) -> None:
    from app.credentials import views
    from app.health import register_check

    register_check(app, "credentials", credentials_check)
    app.register_blueprint(views.bp)
    app.add_template_global(credentials_off, "credentials_off")


def credentials_off() -> str | None:
    """For the event page: why certificates are issued without a credential, if they are."""
    from app.credentials.keys import signing_key

    key = signing_key()
    return key.problem if key.key is None else None
