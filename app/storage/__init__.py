"""Object storage: one interface, a local-folder backend and an S3 backend.

Use :func:`get_storage` inside the app. :func:`init_app` only registers the
routes that the local backend's signed links point at; it creates no folder,
opens no socket and does not import boto3 (nothing here does until first use).
"""

from __future__ import annotations

from flask import Flask

from .base import InvalidKey, NotFound, PresignedPost, Storage, StorageError
from .factory import check, ephemeral_refusal, get_storage, storage_from_config

__all__ = [
    "InvalidKey",
    "NotFound",
    "PresignedPost",
    "Storage",
    "StorageError",
    "check",
    "ephemeral_refusal",
    "get_storage",
    "init_app",
    "storage_from_config",
]


def init_app(app: Flask) -> None:
    from app.health import register_check

    from .views import blueprint

    app.register_blueprint(blueprint)
    register_check(app, "storage", check, cache_seconds=30)
    # The upload route is authorised by its signed token, as S3 authorises a
    # presigned POST by its policy; a CSRF token would make the two differ.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(blueprint)
