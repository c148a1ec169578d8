"""All valid certificates of an event as one ZIP.

The local backend streams it to the browser as it is built; with S3 the ZIP is
built in the temporary directory, stored, and offered through a presigned URL
(a serverless response cannot stream for long, and S3 serves big files best).
The stored ZIP is named after what it holds, so it is reused while nothing
changed; a new one replaces it, and the checker deletes exports after a day.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterable, Iterator

from app.certificates.models import Certificate
from app.certificates.queries import download_name
from app.storage import Storage

CHUNK = 1024 * 1024


class _Chunks:
    """A write-only file that hands out what was written so far."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing buffered here."""

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _members(certificates: Iterable[Certificate]) -> Iterator[tuple[str, str]]:
    for certificate in certificates:
        yield certificate.png_key, download_name(certificate, "png")
        yield certificate.pdf_key, download_name(certificate, "pdf")


def _write_members(archive: zipfile.ZipFile, storage: Storage, certificates, sink=None):
    for key, name in _members(certificates):
        # PNG and PDF are compressed already; storing them keeps this fast.
        with storage.open(key) as source, archive.open(name, "w") as target:
            while chunk := source.read(CHUNK):
                target.write(chunk)
                if sink is not None:
                    yield sink.take()


def stream_zip(storage: Storage, certificates: list[Certificate]) -> Iterator[bytes]:
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
        yield from _write_members(archive, storage, certificates, sink)
    yield sink.take()


def store_zip(storage: Storage, certificates: list[Certificate], key: str) -> None:
    with tempfile.TemporaryFile() as scratch:
        with zipfile.ZipFile(scratch, "w", zipfile.ZIP_STORED) as archive:
            for _ in _write_members(archive, storage, certificates):
                pass
        scratch.seek(0)
        storage.put(key, scratch, "application/zip")


def export_key(event_id: int, certificates: list[Certificate], stamp: str) -> str:
    return f"exports/event-{event_id}/{stamp}-{_content_id(certificates)}.zip"


def latest_export(storage: Storage, event_id: int, certificates: list[Certificate]) -> str | None:
    """A stored ZIP of exactly these certificates, if one is still there."""
    suffix = f"-{_content_id(certificates)}.zip"
    keys = [k for k in storage.list_keys(f"exports/event-{event_id}/") if k.endswith(suffix)]
    return keys[-1] if keys else None


def _content_id(certificates: list[Certificate]) -> str:
    digest = hashlib.sha256()
    for certificate in sorted(certificates, key=lambda c: c.code):
        digest.update(
            f"{certificate.code}:{certificate.png_sha256}:{certificate.pdf_sha256}\n".encode()
        )
    return digest.hexdigest()[:24]
