"""Input rules shared by every backend: keys, content types, limits.

A key is ``segment/segment/...`` where each segment uses only
``[A-Za-z0-9._-]``. Anything else raises :class:`InvalidKey`, so a key can
never name a path outside the local root nor surprise S3 with odd encodings.
"""

from __future__ import annotations

import re

from .base import InvalidKey

# Leaves room for an S3 key prefix within S3's 1024-byte limit.
MAX_KEY_LENGTH = 500
# Leaves room under the 255-byte file name limit for temp and metadata suffixes.
MAX_SEGMENT_LENGTH = 200

# SigV4 presigned URLs cannot live longer than a week; both backends share the cap.
MAX_EXPIRES_IN = 7 * 24 * 3600

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
# type/subtype plus optional parameters, printable ASCII only: it ends up in headers.
_CONTENT_TYPE = re.compile(r"[!-~]+/[!-~]+(?:;[ -~]*)?")


def validate_key(key: object) -> str:
    """Return ``key`` unchanged if it is a valid object key, else raise InvalidKey."""
    if not isinstance(key, str) or not key:
        raise InvalidKey(f"Storage key must be a non-empty string, got {key!r}.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"Storage key is longer than {MAX_KEY_LENGTH} characters.")
    if key.startswith("/"):
        raise InvalidKey(f"Storage key must not start with '/': {key!r}.")
    for segment in key.split("/"):
        if not segment:
            raise InvalidKey(f"Storage key has an empty segment ('//' or trailing '/'): {key!r}.")
        if segment in (".", ".."):
            raise InvalidKey(f"Storage key must not contain '.' or '..' segments: {key!r}.")
        if not _SEGMENT.fullmatch(segment):
            raise InvalidKey(
                f"Storage key may only use letters, digits, '.', '_', '-' and '/': {key!r}."
            )
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise InvalidKey(f"Storage key segment is longer than {MAX_SEGMENT_LENGTH} characters.")
    return key


def validate_prefix(prefix: object) -> str:
    """Validate a listing prefix: ``""``, or a key, optionally ending with ``/``."""
    if prefix == "":
        return ""
    if not isinstance(prefix, str):
        raise InvalidKey(f"Storage prefix must be a string, got {prefix!r}.")
    validate_key(prefix.removesuffix("/"))
    return prefix


def is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True


def validate_content_type(content_type: object) -> str:
    if not isinstance(content_type, str) or len(content_type) > 255:
        raise ValueError(
            f"Content type must be a string of at most 255 characters: {content_type!r}."
        )
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"Content type must look like 'type/subtype': {content_type!r}.")
    return content_type


def validate_expires_in(expires_in: object) -> int:
    if not isinstance(expires_in, int) or not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise ValueError(f"expires_in must be 1..{MAX_EXPIRES_IN} seconds, got {expires_in!r}.")
    return expires_in


def validate_max_size(max_size: object) -> int:
    if not isinstance(max_size, int) or max_size < 1:
        raise ValueError(f"max_size must be a positive number of bytes, got {max_size!r}.")
    return max_size
