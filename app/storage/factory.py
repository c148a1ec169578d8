"""Choose and cache the backend that the app's configuration asks for."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from flask import current_app

from .base import InvalidKey, Storage, StorageError
from .keys import validate_key

EXTENSION_KEY = "laurel.storage"
ACCEPTED_URLS = "file:///absolute/path, s3://bucket or s3://bucket/prefix"

_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]")
_lock = threading.Lock()


def get_storage() -> Storage:
    """The storage backend of ``current_app``, made on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        with _lock:
            storage = app.extensions.get(EXTENSION_KEY)
            if storage is None:
                storage = app.extensions[EXTENSION_KEY] = storage_from_config(app.config)
    return storage


def check() -> tuple[bool, str]:
    """(ok, detail) for /readyz: configuration accepted and a probe object round-trips."""
    try:
        storage = get_storage()
    except StorageError as exc:
        return False, str(exc)
    return storage.check()


# Platforms whose containers start from a fresh disk at each deploy.
EPHEMERAL_DISK_PLATFORMS = frozenset({"render", "railway", "fly"})


def ephemeral_refusal(config: Mapping[str, Any]) -> str | None:
    """Why local storage is refused here, or None when it is not."""
    if urlsplit(config.get("STORAGE_URL") or "").scheme != "file":
        return None
    if config.get("STORAGE_ALLOW_EPHEMERAL"):
        return None
    if config.get("SERVERLESS"):
        where = "this is a serverless platform where files vanish between requests"
    elif config.get("PRODUCTION") and config.get("PLATFORM") in EPHEMERAL_DISK_PLATFORMS:
        where = (
            f"on {config['PLATFORM']} a container's disk is replaced at every deploy "
            "unless a volume is mounted there"
        )
    else:
        return None
    return (
        f"STORAGE_URL points at a local folder, but {where}. Set STORAGE_URL to "
        "s3://bucket (plus S3_ENDPOINT_URL for R2, MinIO or Tigris), or set "
        "STORAGE_ALLOW_EPHEMERAL=true if the folder is on a volume or losing files "
        "is acceptable (demos)."
    )


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """Build a backend from ``STORAGE_URL`` and the ``S3_*`` settings. Opens nothing."""
    refusal = ephemeral_refusal(config)
    if refusal:
        raise StorageError(refusal)
    parts = urlsplit(config.get("STORAGE_URL") or "")
    if parts.scheme == "file":
        from .local import LocalStorage

        return LocalStorage(_local_root(parts), secret_key=config.get("SECRET_KEY"))
    if parts.scheme == "s3":
        from .s3 import S3Storage

        return S3Storage(
            _bucket(parts),
            _prefix(parts),
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or None,
            addressing_style=config.get("S3_ADDRESSING_STYLE") or "auto",
        )
    # Only the scheme is echoed: the rest of a mistyped URL may hold a secret.
    raise StorageError(
        f"STORAGE_URL must be {ACCEPTED_URLS}; got {parts.scheme + ':' if parts.scheme else 'no'}"
        " scheme."
    )


def _local_root(parts: SplitResult) -> Path:
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise StorageError(
            "STORAGE_URL must give an absolute folder with three slashes, "
            f"like file:///srv/laurel; got file://{parts.netloc}{parts.path}."
        )
    return Path(unquote(parts.path))


def _bucket(parts: SplitResult) -> str:
    if "@" in parts.netloc:
        raise StorageError(
            "STORAGE_URL must not hold credentials; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY instead."
        )
    if parts.query or parts.fragment or not _BUCKET.fullmatch(parts.netloc):
        raise StorageError(
            f"STORAGE_URL must be s3://bucket or s3://bucket/prefix with a valid bucket name; "
            f"got s3://{parts.netloc}{parts.path}."
        )
    return parts.netloc


def _prefix(parts: SplitResult) -> str:
    prefix = unquote(parts.path).strip("/")
    try:
        return validate_key(prefix) if prefix else ""
    except InvalidKey as exc:
        raise StorageError(f"STORAGE_URL has an invalid key prefix: {exc}") from None
