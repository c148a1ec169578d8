"""Branding: the organizer's logo and signature, placed on certificates by a layout's
`logo` and `signature` fields; the signer's name and title are placeholders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.branding import views

    app.register_blueprint(views.bp)
