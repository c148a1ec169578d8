"""Organizers: sign-in, sign-up (closed unless SIGNUP_OPEN) and `flask users`."""

from __future__ import annotations

import re

from flask import Flask

from app.auth import cli
from app.auth.views import bp
from app.extensions import db, login_manager

SESSION_ID = re.compile(r"(?P<id>[0-9]{1,10})\.(?P<version>[0-9]{1,10})\.[A-Za-z0-9_-]*")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(cli.users)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_organizer)


def load_organizer(session_id: str):
    """The organizer of a session or remember cookie, if its version is current."""
    from app.auth.models import Organizer
    from app.database import MAX_ID

    found = SESSION_ID.fullmatch(session_id)
    if found is None or int(found["id"]) > MAX_ID:
        return None
    organizer_id, version = found["id"], found["version"]
    organizer = db.session.get(Organizer, int(organizer_id))
    if organizer is None or str(organizer.session_version) != version:
        return None
    return organizer
