"""The storage interface every backend implements, and its errors."""

from __future__ import annotations

import unicodedata
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import quote

from werkzeug.http import dump_options_header

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class StorageError(Exception):
    """Storage is misconfigured, unreachable or refused the operation."""


class InvalidKey(StorageError):
    """The key breaks the key rules (see :mod:`app.storage.keys`)."""


class NotFound(StorageError):
    """No object is stored under the key."""


@dataclass(frozen=True)
class PresignedPost:
    """A browser upload target: POST ``fields`` then the ``file`` as multipart/form-data."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)


class Storage(ABC):
    """Object storage: flat keys, whole objects, no partial writes."""

    #: Names the backend in messages, e.g. "S3 bucket 'certs'".
    description: str

    @abstractmethod
    def put(
        self, key: str, data: bytes | BinaryIO, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        """Store bytes or a binary stream under ``key``, replacing any previous object."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Return a readable binary stream (close it, or use ``with``); NotFound if missing."""

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error (as on S3)."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> list[str]:
        """Sorted keys that start with ``prefix`` (a plain string prefix, as on S3)."""

    @abstractmethod
    def url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        """A download URL valid for ``expires_in`` seconds; ``filename`` makes it an attachment."""

    @abstractmethod
    def presigned_post(
        self, key: str, *, content_type: str, max_size: int, expires_in: int = 600
    ) -> PresignedPost:
        """A browser upload of 1..``max_size`` bytes of ``content_type`` to ``key``."""

    def bounded(self, seconds: float) -> Storage:
        """This storage, with each call answered or failed within about ``seconds``.

        Local folders answer at disk speed; network backends override this.
        """
        return self

    def check(self) -> tuple[bool, str]:
        """Write, read back and delete a probe object: (ok, detail) for /readyz."""
        key = f"_readyz/probe-{uuid.uuid4().hex}"
        payload = b"laurel readiness probe"
        try:
            self.put(key, payload, "text/plain")
            try:
                if self.get(key) != payload:
                    return False, f"{self.description}: probe object read back differently."
            finally:
                self.delete(key)
        except StorageError as exc:
            return False, str(exc)
        return True, f"{self.description}: write, read and delete ok."


def content_disposition(filename: str) -> str:
    """An ``attachment`` header value for ``filename`` (RFC 6266, UTF-8 aware)."""
    # Path separators and control characters have no place in a suggested name.
    name = (
        "".join(c for c in filename if c not in "/\\" and unicodedata.category(c)[0] != "C").strip()
        or "download"
    )
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    if ascii_name == name:
        return dump_options_header("attachment", {"filename": name})
    return dump_options_header(
        "attachment",
        {"filename": ascii_name or "download", "filename*": f"UTF-8''{quote(name, safe='')}"},
    )
