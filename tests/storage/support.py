"""Helpers for the storage tests: a bare app, and browser-like requests."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import requests
from flask import Flask
from requests.structures import CaseInsensitiveDict

from app import storage

SECRET = "storage-tests-secret-key-0123456789"


def make_app(**config: object) -> Flask:
    """A bare Flask app with the storage settings app/config.py provides."""
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        STORAGE_URL="file:///nonexistent/laurel-storage",
        S3_ENDPOINT_URL=None,
        S3_REGION=None,
        S3_ADDRESSING_STYLE="auto",
        STORAGE_ALLOW_EPHEMERAL=False,
        SERVERLESS=False,
    )
    app.config.update(config)
    storage.init_app(app)
    return app


def use_s3(app: Flask, endpoint: str, bucket: str, prefix: str = "laurel-test") -> None:
    app.config.update(
        STORAGE_URL=f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}",
        S3_ENDPOINT_URL=endpoint,
        S3_REGION="us-east-1",
        S3_ADDRESSING_STYLE="path",
    )


@dataclass
class Fetched:
    status: int
    headers: CaseInsensitiveDict[str]
    body: bytes


Fetch = Callable[..., Fetched]


def fetch(app: Flask, url: str, fields: dict[str, str] | None = None, file: bytes = b"") -> Fetched:
    """GET ``url``, or POST ``fields`` plus ``file`` as multipart/form-data.

    Local links are app routes and go to the test client; S3 links go over
    real HTTP to the moto server.
    """
    if url.startswith(("http://localhost/", "/")):
        client = app.test_client()
        if fields is None:
            response = client.get(url)
        else:
            form = {**fields, "file": (io.BytesIO(file), "upload.bin")}
            response = client.post(url, data=form, content_type="multipart/form-data")
        headers = CaseInsensitiveDict(dict(response.headers))
        return Fetched(response.status_code, headers, response.get_data())
    if fields is None:
        reply = requests.get(url, timeout=10)
    else:
        reply = requests.post(url, data=fields, files={"file": ("upload.bin", file)}, timeout=10)
    return Fetched(reply.status_code, reply.headers, reply.content)
