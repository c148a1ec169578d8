"""Routes behind the local backend's signed links: download and browser upload.

They answer 404 when storage is S3, whose links point at the bucket itself.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, abort, request
from werkzeug.wsgi import wrap_file

from .base import NotFound, StorageError, content_disposition
from .factory import get_storage
from .local import BadToken, ExpiredToken, LocalStorage

blueprint = Blueprint("storage", __name__, url_prefix="/storage")


@blueprint.get("/<token>")
def download(token: str) -> Response:
    storage = _local_storage()
    claims = _claims(storage, "download", token)
    key = claims["key"]
    try:
        stream = storage.open(key)
    except NotFound:
        abort(404, description="This file no longer exists.")
    response = Response(
        wrap_file(request.environ, stream),
        content_type=storage.content_type(key),
        direct_passthrough=True,
    )
    response.content_length = os.fstat(stream.fileno()).st_size
    if claims.get("filename"):
        response.headers["Content-Disposition"] = content_disposition(claims["filename"])
    # Stored files are served from the app's own origin: never let a browser
    # reinterpret one as HTML or script.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


@blueprint.post("/upload/<token>")
def upload(token: str) -> tuple[str, int]:
    storage = _local_storage()
    claims = _claims(storage, "upload", token)
    # The link allows its own size limit, which may exceed the app-wide one
    # (direct uploads exist to bypass the serverless request body limit).
    request.max_content_length = claims["max_size"] + 64 * 1024
    # The same conditions S3 enforces on a presigned POST policy.
    if request.form.get("key") != claims["key"]:
        abort(403, description="The form's 'key' field does not match this upload link.")
    if request.form.get("Content-Type") != claims["content_type"]:
        abort(403, description=f"The file must be of type {claims['content_type']}.")
    file = request.files.get("file")
    if file is None:
        abort(400, description="The upload form has no 'file' field.")
    size = file.stream.seek(0, os.SEEK_END)
    file.stream.seek(0)
    if size < 1:
        abort(400, description="The uploaded file is empty.")
    if size > claims["max_size"]:
        abort(413, description=f"The file is larger than {claims['max_size']} bytes.")
    storage.put(claims["key"], file.stream, claims["content_type"])
    return "", 204


def _local_storage() -> LocalStorage:
    try:
        storage = get_storage()
    except StorageError as exc:
        abort(503, description=str(exc))
    if not isinstance(storage, LocalStorage):
        abort(404)
    return storage


def _claims(storage: LocalStorage, purpose: str, token: str) -> dict[str, Any]:
    try:
        return storage.unsign(purpose, token)
    except ExpiredToken as exc:
        abort(410, description=str(exc))
    except BadToken as exc:
        abort(403, description=str(exc))
