"""The event checker: moves events by the clock and issues the certificates that are due.

One function, `check_events` (in `run`), and three ways to start it: the cron
route, `flask events check` and the organizer's "Issue now" button.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.checker.cli import events
    from app.checker.status import checker_health, event_issuing, readiness
    from app.checker.views import api, bp
    from app.extensions import csrf
    from app.health import register_check

    # A machine's API authorised by its bearer secret; a CSRF token means nothing to cron.
    csrf.exempt(api)
    app.register_blueprint(api)
    app.register_blueprint(bp)
    app.cli.add_command(events)
    app.add_template_global(checker_health, "checker_health")
    app.add_template_global(event_issuing, "checker_event_issuing")
    # The last run's age names nothing private: platforms show it to anyone.
    register_check(app, "checker", readiness, public_detail=True)
