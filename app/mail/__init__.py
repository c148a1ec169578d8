"""Email: the outbox, its transports (EMAIL_URL) and the local outbox page."""

from __future__ import annotations

from flask import Flask, current_app

from app.health.checks import register_check


def mail_check() -> tuple[bool, str]:
    settings = current_app.config["MAIL"]
    if any(p.setting == "EMAIL_URL" for p in current_app.config["CONFIG_PROBLEMS"]):
        return False, "EMAIL_URL is wrong; email is off"
    if not settings.enabled:
        return True, "off: EMAIL_URL is not set, so no email is sent"
    if settings.kind == "outbox":
        return True, "local outbox: messages are kept, not sent (development)"
    return True, f"{settings.kind} transport configured"


def init_app(app: Flask) -> None:
    from app.mail import models  # noqa: F401  (the table, for migrations)
    from app.mail.views import bp, deliveries, events_bp

    app.register_blueprint(bp)
    app.register_blueprint(events_bp)
    app.add_template_global(deliveries, "email_deliveries")
    # Whether email is on names no secret; the issue wants /readyz to say it.
    register_check(app, "email", mail_check, public_detail=True)
