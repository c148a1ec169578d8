"""Local-folder backend, for development and single-host deployments.

Downloads and browser uploads go through signed, expiring app routes
(:mod:`app.storage.views`) so callers use it exactly like S3.
"""

from __future__ import annotations

import mimetypes
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from .base import DEFAULT_CONTENT_TYPE, NotFound, PresignedPost, Storage, StorageError
from .keys import (
    is_valid_key,
    validate_content_type,
    validate_expires_in,
    validate_key,
    validate_max_size,
    validate_prefix,
)

DOWNLOAD_ENDPOINT = "storage.download"
UPLOAD_ENDPOINT = "storage.upload"

# "~" is not allowed in keys, so these files can never collide with an object
# and list_keys() skips them.
_TYPE_SUFFIX = "~type"
_TEMP_SUFFIX = "~tmp"


class BadToken(StorageError):
    """A signed storage link was altered, truncated or made for something else."""


class ExpiredToken(BadToken):
    """A signed storage link is genuine but past its expiry."""


class LocalStorage(Storage):
    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        secret_key: str | bytes | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_absolute():
            raise StorageError(f"Local storage needs an absolute folder, got {str(root)!r}.")
        self.description = f"local storage at {self.root}"
        self._secret_key = secret_key
        self._clock = clock

    # -- objects -----------------------------------------------------------

    def put(
        self, key: str, data: bytes | BinaryIO, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        path = self._path(key)
        content_type = validate_content_type(content_type)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            staged = _stage(path, data)
            try:
                # A crash between these two leaves the old object with the new
                # type at worst, never a new object with no type.
                os.replace(_stage(_type_path(path), content_type.encode()), _type_path(path))
                os.replace(staged, path)
            finally:
                Path(staged).unlink(missing_ok=True)
        except _SourceFailed as failed:
            # The caller's stream broke, not storage: let its own error through.
            raise failed.__cause__ from None  # type: ignore[misc]
        except OSError as exc:
            raise StorageError(f"{self.description}: cannot write {key!r}: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound(f"{self.description}: no object {key!r}.") from None
        except OSError as exc:
            raise StorageError(f"{self.description}: cannot read {key!r}: {exc}") from exc

    def content_type(self, key: str) -> str:
        """The type given to put(); guessed from the extension for files copied in by hand."""
        path = self._path(key)
        try:
            return _type_path(path).read_text("ascii")
        except (OSError, UnicodeError):
            return mimetypes.guess_type(path.name)[0] or DEFAULT_CONTENT_TYPE

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
            _type_path(path).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{self.description}: cannot delete {key!r}: {exc}") from exc

    def list_keys(self, prefix: str = "") -> list[str]:
        prefix = validate_prefix(prefix)
        # Walk only the deepest folder the prefix fully names.
        folder = prefix.rpartition("/")[0]
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        keys = []
        for dirpath, _dirnames, filenames in os.walk(start, onerror=self._walk_error):
            relative = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix) and is_valid_key(key):
                    keys.append(key)
        return sorted(keys)

    def _walk_error(self, exc: OSError) -> None:
        if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            raise StorageError(f"{self.description}: cannot list: {exc}") from exc

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    # -- signed links --------------------------------------------------------

    def url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        token = self.sign("download", {"key": validate_key(key), "filename": filename}, expires_in)
        return _build_url(DOWNLOAD_ENDPOINT, token)

    def presigned_post(
        self, key: str, *, content_type: str, max_size: int, expires_in: int = 600
    ) -> PresignedPost:
        claims = {
            "key": validate_key(key),
            "content_type": validate_content_type(content_type),
            "max_size": validate_max_size(max_size),
        }
        token = self.sign("upload", claims, expires_in)
        # The same field names S3 hands out, so the browser code does not care.
        return PresignedPost(
            url=_build_url(UPLOAD_ENDPOINT, token),
            fields={"key": key, "Content-Type": content_type},
        )

    def sign(self, purpose: str, claims: dict[str, Any], expires_in: int) -> str:
        expires_at = int(self._clock()) + validate_expires_in(expires_in)
        return self._serializer(purpose).dumps({**claims, "exp": expires_at})

    def unsign(self, purpose: str, token: str) -> dict[str, Any]:
        """The claims of a token made by sign() for ``purpose``; BadToken or ExpiredToken."""
        try:
            claims = self._serializer(purpose).loads(token)
        except BadSignature:
            raise BadToken("This link is not valid: it is incomplete or was altered.") from None
        if self._clock() > claims["exp"]:
            raise ExpiredToken("This link has expired; go back and ask for a new one.")
        return claims

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        if not self._secret_key:
            raise StorageError("SECRET_KEY must be set: it signs local storage links.")
        # The salt keeps a download link from being replayed as an upload link.
        return URLSafeSerializer(self._secret_key, salt=f"laurel.storage.{purpose}")


def _type_path(path: Path) -> Path:
    return path.with_name(path.name + _TYPE_SUFFIX)


class _SourceFailed(Exception):
    """Carries an error raised by the caller's stream past put()'s OSError handling."""


def _stage(path: Path, data: bytes | BinaryIO) -> str:
    """Write ``data`` to a temp file next to ``path``; os.replace then publishes it whole."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(data, (bytes, bytearray, memoryview)):
                out.write(data)
            else:
                while chunk := _read(data):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp


def _read(stream: BinaryIO) -> bytes:
    try:
        return stream.read(1024 * 1024)
    except Exception as exc:
        raise _SourceFailed from exc


def _build_url(endpoint: str, token: str) -> str:
    # Inside a request url_for knows the host; outside one (CLI, cron) only
    # SERVER_NAME does, and without it a path is the best anyone can give.
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, token=token, _external=True)
    script_name = current_app.config.get("APPLICATION_ROOT") or "/"
    adapter = current_app.url_map.bind("localhost", script_name=script_name)
    return adapter.build(endpoint, {"token": token})
