"""Baked badges: the credential carried inside the certificate's PNG.

Open Badges 3.0 bakes a PNG with an `iTXt` chunk whose keyword is
`openbadgecredential` and whose text is the credential (for a VC-JWT, the
compact JWS), uncompressed. The chunk goes just before `IEND`, so the image
data is untouched and removing the chunk gives back the rendered bytes.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
# A PNG with more chunks than this before IEND is not one Laurel made; stop looking.
MAX_CHUNKS = 10_000


class NotABadge(ValueError):
    """The bytes are not a PNG, or carry no Open Badges credential; the message says which."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _chunks(png: bytes):
    """(kind, data, start, end) of each chunk, checked against the file's length."""
    if not png.startswith(SIGNATURE):
        raise NotABadge("This file is not a PNG image.")
    position = len(SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if position + 12 > len(png):
            break
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(png):
            break
        yield kind, png[position + 8 : end - 4], position, end
        if kind == b"IEND":
            return
        position = end
    raise NotABadge("This PNG is cut short or damaged (no IEND chunk).")


def _credential_of(data: bytes) -> str | None:
    keyword, _, rest = data.partition(b"\0")
    if keyword != KEYWORD or len(rest) < 2:
        return None
    compressed, _method, rest = rest[0], rest[1], rest[2:]
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        text = zlib.decompressobj().decompress(text, 1 << 20)  # bounded: a credential is small
    return text.decode("utf-8", "replace")


def bake(png: bytes, credential: str) -> bytes:
    """The PNG with `credential` in its `openbadgecredential` chunk (replacing any)."""
    out, tail = [png[: len(SIGNATURE)]], b""
    for kind, data, start, end in _chunks(png):
        if kind == b"IEND":
            tail = png[start:end]
        elif not (kind == b"iTXt" and _credential_of(data) is not None):
            out.append(png[start:end])
    text = KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + credential.encode()
    return b"".join([*out, _chunk(b"iTXt", text), tail])


def extract(png: bytes) -> str:
    """The credential baked into a PNG; NotABadge says what is wrong otherwise."""
    for kind, data, _start, _end in _chunks(png):
        if kind == b"iTXt" and (found := _credential_of(data)) is not None:
            return found.strip()
    raise NotABadge(
        "This PNG carries no Open Badges credential (no iTXt chunk named openbadgecredential)."
    )
