"""Liveness (`/healthz`) and readiness (`/readyz`) for platforms and people."""

from __future__ import annotations

from flask import Flask

from app.health.checks import database_check, migrations_check, register_check, settings_check
from app.health.views import bp

__all__ = ["init_app", "register_check"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_check(app, "settings", settings_check, public_detail=True)
    register_check(app, "database", database_check)
    register_check(app, "migrations", migrations_check)
