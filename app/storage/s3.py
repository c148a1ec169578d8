"""S3 backend: AWS S3 and compatible services (Cloudflare R2, MinIO, Fly Tigris).

boto3 is imported on first use, never at import: it is slow to load and most
requests never touch storage. Credentials come from boto3's usual sources
(``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` and friends).
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from .base import (
    DEFAULT_CONTENT_TYPE,
    NotFound,
    PresignedPost,
    Storage,
    StorageError,
    content_disposition,
)
from .keys import (
    is_valid_key,
    validate_content_type,
    validate_expires_in,
    validate_key,
    validate_max_size,
    validate_prefix,
)

ADDRESSING_STYLES = ("auto", "path", "virtual")
_MISSING_CODES = {"NoSuchKey", "NotFound", "404"}

# One boto3 session for the process: it caches the parsed service models, which
# makes every client after the first cheap. Sessions are not thread-safe, so
# clients are made under a lock; the clients themselves are.
_session: Any = None
_session_lock = threading.Lock()

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 30.0
# Bounded clients come in half-second steps, so a process makes a handful at most.
BOUND_STEP = 0.5
MIN_BOUND = 0.5
EXPECT_CONTINUE_SECONDS = 1.5


class S3Storage(Storage):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        max_attempts: int = 3,
    ) -> None:
        if addressing_style not in ADDRESSING_STYLES:
            raise StorageError(
                f"S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}; "
                f"got {addressing_style!r}."
            )
        self.bucket = bucket
        self.prefix = validate_key(prefix.strip("/")) + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region
        self.addressing_style = addressing_style
        self.max_attempts = max_attempts
        where = f" at {endpoint_url}" if endpoint_url else ""
        self.description = f"S3 bucket {bucket!r}{where}"
        self._client: Any = None
        self._timeouts = (CONNECT_TIMEOUT, READ_TIMEOUT)
        self._bounded: dict[float, S3Storage] = {}
        self._bounded_lock = threading.Lock()

    def bounded(self, seconds: float) -> S3Storage:
        """This bucket through a client whose timeouts and retries fit in ``seconds``.

        One try when little time is left, two otherwise; each try's connect and
        read timeouts share what is left. A hung endpoint then costs at most
        about ``seconds``, never botocore's 60 s read timeout times its retries.
        """
        seconds = max(MIN_BOUND, math.floor(seconds / BOUND_STEP) * BOUND_STEP)
        if seconds >= self.max_attempts * (CONNECT_TIMEOUT + READ_TIMEOUT):
            return self
        with self._bounded_lock:
            view = self._bounded.get(seconds)
            if view is None:
                view = copy.copy(self)
                attempts = 2 if seconds >= 8 else 1
                per_try = seconds / attempts
                view.max_attempts = attempts
                # A PUT first waits for "100 Continue" (up to about 1.4 s with a
                # silent peer), then for the read timeout: keep room for both.
                read = per_try - EXPECT_CONTINUE_SECONDS if per_try >= 3 else per_try / 3
                view._timeouts = (min(CONNECT_TIMEOUT, per_try / 3), read)
                view._client, view._bounded = None, {}
                view._bounded_lock = threading.Lock()
                self._bounded[seconds] = view
        return view

    @property
    def client(self) -> Any:
        """The boto3 client, made on first use and then shared by all threads."""
        if self._client is None:
            with _session_lock, self._errors("connect"):
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        global _session
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise StorageError(f"{self.description}: boto3 is not installed: {exc}.") from exc

        connect_timeout, read_timeout = self._timeouts
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # total_max_attempts counts the first try; botocore's max_attempts would not.
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            s3={"addressing_style": self.addressing_style},
            signature_version="s3v4",
        )
        if _session is None:
            _session = boto3.session.Session()
        try:
            return _session.client(
                "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
            )
        except ValueError as exc:  # botocore's word for a malformed endpoint or region
            raise StorageError(
                f"{self.description}: check S3_ENDPOINT_URL and S3_REGION: {exc}"
            ) from exc

    # -- objects -----------------------------------------------------------

    def put(
        self, key: str, data: bytes | BinaryIO, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> None:
        target = self._key(key)
        content_type = validate_content_type(content_type)
        with self._errors("upload", key):
            if isinstance(data, (bytes, bytearray, memoryview)):
                self.client.put_object(
                    Bucket=self.bucket, Key=target, Body=bytes(data), ContentType=content_type
                )
            else:
                # Multipart above boto3's threshold, so big streams never sit in memory.
                self.client.upload_fileobj(
                    data, self.bucket, target, ExtraArgs={"ContentType": content_type}
                )

    def open(self, key: str) -> BinaryIO:
        target = self._key(key)
        with self._errors("download", key):
            return self.client.get_object(Bucket=self.bucket, Key=target)["Body"]

    def get(self, key: str) -> bytes:
        target = self._key(key)
        # Reading is where a dropped connection shows up, so it is translated too.
        with self._errors("download", key):
            return self.client.get_object(Bucket=self.bucket, Key=target)["Body"].read()

    def exists(self, key: str) -> bool:
        target = self._key(key)
        try:
            with self._errors("check", key):
                self.client.head_object(Bucket=self.bucket, Key=target)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        target = self._key(key)
        with self._errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=target)

    def list_keys(self, prefix: str = "") -> list[str]:
        full_prefix = self.prefix + validate_prefix(prefix)
        keys = []
        with self._errors("list"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full_prefix
            )
            for page in pages:
                keys.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        # Objects written by other tools may break the key rules; hide them as local does.
        return sorted(key for key in keys if is_valid_key(key))

    # -- presigned links -----------------------------------------------------

    def url(self, key: str, *, expires_in: int = 3600, filename: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        expires_in = validate_expires_in(expires_in)
        with self._errors("sign a download link for", key):
            return self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires_in
            )

    def presigned_post(
        self, key: str, *, content_type: str, max_size: int, expires_in: int = 600
    ) -> PresignedPost:
        target = self._key(key)
        content_type = validate_content_type(content_type)
        conditions = [
            {"Content-Type": content_type},
            ["content-length-range", 1, validate_max_size(max_size)],
        ]
        with self._errors("sign an upload for", key):
            post = self.client.generate_presigned_post(
                self.bucket,
                target,
                Fields={"Content-Type": content_type},
                Conditions=conditions,
                ExpiresIn=validate_expires_in(expires_in),
            )
        return PresignedPost(url=post["url"], fields=post["fields"])

    # -- helpers -------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    @contextmanager
    def _errors(self, action: str, key: str | None = None) -> Iterator[None]:
        """Turn boto exceptions into StorageError/NotFound that name this bucket."""
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:
            error = self._translate(exc, action, key)
            if error is None:
                raise
            raise error from exc

    def _translate(self, exc: Exception, action: str, key: str | None) -> StorageError | None:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        what = f"{action} {key!r}" if key else action
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "unknown"))
            if key is not None and code in _MISSING_CODES:
                return NotFound(f"{self.description}: no object {key!r}.")
            message = error.get("Message") or "no details"
            return StorageError(f"{self.description}: cannot {what}: {code}: {message}")
        if isinstance(exc, (BotoCoreError, Boto3Error)):
            return StorageError(f"{self.description}: cannot {what}: {exc}")
        return None
