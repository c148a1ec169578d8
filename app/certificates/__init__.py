"""Certificates: templates, issuing, downloads, revocation and public checks.

Rendering lives in `rendering` and loads Pillow only when it draws.
"""

from __future__ import annotations

from flask import Flask


def text_layout_check() -> tuple[bool, str]:
    """Readiness: shaping and right-to-left layout work with the shipped stack."""
    from app.certificates.rendering.textstack import status

    return status()


def init_app(app: Flask) -> None:
    from app.certificates import design, views
    from app.certificates.queries import certificates_by_participant, superseded_of
    from app.health import register_check

    register_check(app, "text_layout", text_layout_check)

    app.register_blueprint(views.bp)
    app.register_blueprint(design.bp)
    app.add_template_global(certificates_by_participant, "event_certificates")
    app.add_template_global(superseded_of, "event_superseded")
    app.add_template_global(views.outdated, "certificate_outdated")
