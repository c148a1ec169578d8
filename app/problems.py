"""Refuse to serve while a required setting is missing, and say which.

The app still starts, so every page can name the setting to fix; the log
says it once per process.
"""

from __future__ import annotations

from flask import Flask, abort, request

# Liveness and readiness must answer even when settings are wrong: readiness
# is where a platform's dashboard shows the reason.
EXEMPT_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "static"})


def describe(app: Flask) -> str:
    problems = app.config["CONFIG_PROBLEMS"]
    return "Laurel is not configured: " + " ".join(p.message for p in problems)


def init_app(app: Flask) -> None:
    if not app.config["CONFIG_PROBLEMS"]:
        return
    message = describe(app)
    app.logger.error(message)

    @app.before_request
    def refuse_until_configured() -> None:
        if request.endpoint not in EXEMPT_ENDPOINTS:
            abort(503, description=message)
