"""Organizers: sign-in, sign-up (closed unless SIGNUP_OPEN) and `flask users`."""

from __future__ import annotations

from flask import Flask

from app.auth import cli
from app.auth.views import bp
from app.extensions import db, login_manager


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(cli.users)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_organizer)


def load_organizer(organizer_id: str):
    from app.auth.models import Organizer

    if not organizer_id.isdigit():
        return None
    return db.session.get(Organizer, int(organizer_id))
