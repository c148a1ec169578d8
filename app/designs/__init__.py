"""Reusable designs: three built in, the organizer's own saved under a name, and the
design of another of their events, each applied to an event's layout in one step."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.designs import views

    app.register_blueprint(views.bp)
