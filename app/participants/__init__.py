"""Participants of an event: add, edit, remove, attendance, CSV in and out."""

from __future__ import annotations

from flask import Flask

from app.participants.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
