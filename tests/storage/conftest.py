"""Fixtures for the storage tests: a minimal app and both backends."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.storage import Storage, get_storage
from tests.storage.support import Fetch, fetch, make_app, use_s3


@pytest.fixture
def storage_root(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def storage_app(storage_root: Path) -> Flask:
    return make_app(STORAGE_URL=storage_root.as_uri())


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, storage_app: Flask) -> Iterator[Storage]:
    """Each backend, as get_storage() returns it, inside a request like a view."""
    if request.param == "s3":
        use_s3(
            storage_app,
            request.getfixturevalue("s3_endpoint"),
            request.getfixturevalue("s3_bucket"),
        )
    with storage_app.test_request_context():
        yield get_storage()


@pytest.fixture
def http(storage_app: Flask) -> Fetch:
    return functools.partial(fetch, storage_app)
