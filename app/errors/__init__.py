"""One place that turns every error into JSON under /api/ or a page elsewhere."""

from __future__ import annotations

from flask import Flask

from app.errors import handlers


def init_app(app: Flask) -> None:
    handlers.register(app)
