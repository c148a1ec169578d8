"""Laurel: certificates for the events you run.

`create_app()` builds the WSGI app for every platform. It reads settings,
binds extensions and registers blueprints; it opens no connection, starts no
thread and writes no file, so that a serverless cold start stays cheap and a
misconfigured deploy can still explain itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure a Laurel app."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, config_overrides or {})
    register_converters(app)
    register_extensions(app)
    register_features(app)
    register_proxy_fix(app)
    return app


def configure(app: Flask, overrides: Mapping[str, Any]) -> None:
    from app.config import database_overrides, load_config

    app.config.update(load_config(os.environ, app.instance_path))
    app.config.update(overrides)
    if "DATABASE_URL" in overrides:
        app.config.update(database_overrides(overrides["DATABASE_URL"], app.config))


def register_converters(app: Flask) -> None:
    """`<int:...>` in routes matches database ids only: an id beyond the column's
    range is a 404 like any other unknown id, not an overflow in the driver.
    Routes added from here on compile their URL builders on first use."""
    from app.database import DatabaseId
    from app.url_rules import LazyBuildRule

    app.url_map.converters["int"] = DatabaseId
    app.url_rule_class = LazyBuildRule


def register_extensions(app: Flask) -> None:
    from app import database, links
    from app.cookie_session import LazyCookieSessionInterface
    from app.extensions import csrf, db, login_manager

    app.session_interface = LazyCookieSessionInterface()
    database.init_app(app, db, str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    links.init_app(app)


def register_features(app: Flask) -> None:
    """Each feature registers its own views, commands and hooks."""
    from app import (
        auth,
        branding,
        certificates,
        checker,
        credentials,
        demo,
        designs,
        errors,
        events,
        health,
        mail,
        pages,
        participants,
        problems,
        security,
        storage,
    )

    features = (
        errors,
        security,
        problems,
        health,
        storage,
        auth,
        events,
        participants,
        certificates,
        branding,
        designs,
        checker,
        mail,
        credentials,
        pages,
        demo,
    )
    for feature in features:
        feature.init_app(app)


def register_proxy_fix(app: Flask) -> None:
    """Trust the platform's proxy for client address, scheme and host."""
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
