"""`flask demo seed`: a demo organizer and events for local development."""

from __future__ import annotations

from flask import Flask

from app.demo.cli import demo


def init_app(app: Flask) -> None:
    app.cli.add_command(demo)
