"""Images from the browser: one path for backgrounds, logos and signatures.

The browser posts the file straight to storage (Vercel refuses request bodies over
4.5 MB) under a key `grant` hands out: a per-owner prefix, a creation stamp (the
checker deletes uploads never confirmed after a day), then a random token. `take`
then fetches it, checks and normalises it with Pillow, deletes the upload, and stores
the result under a content-addressed key.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import jsonify

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_NAME = re.compile(r"\d{8}T\d{6}-[0-9a-f]{24}")


def grant(prefix: str):
    """Where the browser may post one file under `prefix`, and for how long (JSON)."""
    from app.checker.hygiene import stamp
    from app.database import utcnow
    from app.storage import get_storage

    key = f"{prefix}{stamp(utcnow())}-{secrets.token_hex(12)}"
    post = get_storage().presigned_post(
        key, content_type="application/octet-stream", max_size=MAX_UPLOAD, expires_in=600
    )
    return jsonify(url=post.url, fields=post.fields, key=key)


def is_upload_under(prefix: str, key: str) -> bool:
    """A key that `grant(prefix)` could have handed out, nothing else."""
    return key.startswith(prefix) and UPLOAD_NAME.fullmatch(key[len(prefix) :]) is not None


def take(key: str, load, folder: str) -> str:
    """Check the upload at `key` with `load` (bytes -> normalised PNG bytes), store the
    result under `folder` and return its key. The upload is deleted either way.
    Raises storage's NotFound, and whatever `load` raises (BackgroundError, BackgroundBusy)."""
    from app.storage import get_storage

    storage = get_storage()
    upload = storage.get(key)
    try:
        normalised = load(upload)
    finally:
        storage.delete(key)
    final_key = f"{folder}{hashlib.sha256(normalised).hexdigest()}.png"
    storage.put(final_key, normalised, "image/png")
    return final_key
