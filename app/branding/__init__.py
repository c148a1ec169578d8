"""Branding: the organizer's logo and signatures, placed on certificates by a layout's
`logo` and `signature` fields (which name their signature); each signer's name and
title are placeholders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.branding import models, views  # noqa: F401  (models: Organizer.signatures)

    app.register_blueprint(views.bp)
