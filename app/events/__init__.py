"""Events: list, create, edit and delete, each organizer seeing only their own."""

from __future__ import annotations

from flask import Flask

from app.events.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
