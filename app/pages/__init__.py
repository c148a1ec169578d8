"""Pages anyone can open: the home page and certificate verification."""

from __future__ import annotations

from flask import Flask

from app.pages.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
