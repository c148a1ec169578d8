"""Choosing a backend from the settings, and what importing the package costs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app import storage
from app.storage import StorageError, get_storage
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage
from tests.storage.support import make_app

ROOT = Path(__file__).resolve().parents[2]


def backend(**config: object) -> storage.Storage:
    with make_app(**config).app_context():
        return get_storage()


def test_file_url_gives_local_storage(tmp_path: Path) -> None:
    folder = tmp_path / "with space"
    made = backend(STORAGE_URL=folder.as_uri())
    assert isinstance(made, LocalStorage)
    assert made.root == folder


def test_s3_url_gives_s3_storage() -> None:
    made = backend(
        STORAGE_URL="s3://certs/laurel/prod/",
        S3_ENDPOINT_URL="https://account.r2.cloudflarestorage.com",
        S3_REGION="auto",
        S3_ADDRESSING_STYLE="path",
    )
    assert isinstance(made, S3Storage)
    assert (made.bucket, made.prefix) == ("certs", "laurel/prod/")
    assert made.endpoint_url == "https://account.r2.cloudflarestorage.com"
    assert (made.region, made.addressing_style) == ("auto", "path")
    assert backend(STORAGE_URL="s3://certs").prefix == ""


def test_backend_is_made_once_per_app(tmp_path: Path) -> None:
    app = make_app(STORAGE_URL=tmp_path.as_uri())
    with app.app_context():
        assert get_storage() is get_storage() is app.extensions["laurel.storage"]
    other = make_app(STORAGE_URL=tmp_path.as_uri())
    with other.app_context():
        assert get_storage() is not app.extensions["laurel.storage"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:hunter2@example.com/x", "file:///absolute/path, s3://bucket"),
        ("", "got no scheme"),
        ("/srv/laurel", "got no scheme"),
        ("file://relative/folder", "absolute folder with three slashes"),
        ("s3://key:hunter2@bucket", "must not hold credentials"),
        ("s3://", "valid bucket name"),
        ("s3://bucket?region=x", "valid bucket name"),
        ("s3://bucket/../up", "invalid key prefix"),
    ],
)
def test_bad_storage_url_names_the_setting(url: str, expected: str) -> None:
    with pytest.raises(StorageError, match="STORAGE_URL") as caught:
        backend(STORAGE_URL=url)
    assert expected in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_bad_addressing_style_names_the_setting() -> None:
    with pytest.raises(StorageError, match="S3_ADDRESSING_STYLE"):
        backend(STORAGE_URL="s3://bucket", S3_ADDRESSING_STYLE="dns")


def test_local_storage_is_refused_on_serverless(tmp_path: Path) -> None:
    app = make_app(STORAGE_URL=tmp_path.as_uri(), SERVERLESS=True)
    reason = storage.ephemeral_refusal(app.config)
    assert reason is not None
    assert "STORAGE_URL" in reason
    assert "STORAGE_ALLOW_EPHEMERAL" in reason
    with app.app_context():
        with pytest.raises(StorageError) as caught:
            get_storage()
        assert str(caught.value) == reason
        assert storage.check() == (False, reason)
    assert list(tmp_path.iterdir()) == []


def test_serverless_may_opt_into_ephemeral_storage(tmp_path: Path) -> None:
    config = {"STORAGE_URL": tmp_path.as_uri(), "SERVERLESS": True, "STORAGE_ALLOW_EPHEMERAL": True}
    assert storage.ephemeral_refusal(config) is None
    app = make_app(**config)
    with app.app_context():
        assert isinstance(get_storage(), LocalStorage)
        assert storage.check()[0]


def test_s3_is_fine_on_serverless() -> None:
    assert storage.ephemeral_refusal({"STORAGE_URL": "s3://b", "SERVERLESS": True}) is None
    assert isinstance(backend(STORAGE_URL="s3://bucket", SERVERLESS=True), S3Storage)


def test_init_app_registers_only_the_storage_routes(tmp_path: Path) -> None:
    app = make_app(STORAGE_URL=(tmp_path / "never").as_uri())
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    rules.pop("/static/<path:filename>")
    assert rules == {
        "/storage/<token>": "storage.download",
        "/storage/upload/<token>": "storage.upload",
    }
    assert "laurel.storage" not in app.extensions
    assert not (tmp_path / "never").exists()


def test_importing_and_configuring_does_not_load_boto3() -> None:
    script = textwrap.dedent(
        """
        import sys
        import app.storage as storage
        from flask import Flask

        app = Flask("probe")
        app.config.update(STORAGE_URL="s3://bucket/prefix", S3_ENDPOINT_URL="http://127.0.0.1:9")
        storage.init_app(app)
        with app.app_context():
            storage.get_storage()
        loaded = sorted(m for m in ("boto3", "botocore", "s3transfer") if m in sys.modules)
        assert not loaded, loaded
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("platform", "production", "refused"),
    [
        ("render", True, True),
        ("fly", True, True),
        ("railway", True, True),
        ("docker", True, False),
        ("render", False, False),
        ("local", False, False),
    ],
)
def test_local_storage_on_container_platforms(tmp_path: Path, platform, production, refused):
    config = {
        "STORAGE_URL": tmp_path.as_uri(),
        "SERVERLESS": False,
        "PLATFORM": platform,
        "PRODUCTION": production,
    }
    reason = storage.ephemeral_refusal(config)
    assert (reason is not None) == refused
    if refused:
        assert platform in reason and "volume" in reason
        assert storage.ephemeral_refusal({**config, "STORAGE_ALLOW_EPHEMERAL": True}) is None
