"""What only the S3 backend does: the bucket prefix, boto error translation, POST policy."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.storage import NotFound, StorageError, get_storage
from app.storage.s3 import S3Storage
from tests.s3server import use_fake_aws_env
from tests.storage.support import use_s3


@pytest.fixture
def s3(storage_app: Flask, s3_endpoint: str, s3_bucket: str) -> Iterator[S3Storage]:
    use_s3(storage_app, s3_endpoint, s3_bucket, prefix="tenant/a")
    with storage_app.app_context():
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        yield storage


def test_objects_live_under_the_prefix(s3: S3Storage, s3_admin: Any) -> None:
    s3.put("x/one.txt", b"1")
    s3_admin.put_object(Bucket=s3.bucket, Key="elsewhere.txt", Body=b"0")
    s3_admin.put_object(Bucket=s3.bucket, Key="tenant/a/weird key!", Body=b"0")
    stored = s3_admin.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert "tenant/a/x/one.txt" in [item["Key"] for item in stored]
    # Foreign objects and keys that break the rules stay invisible.
    assert s3.list_keys() == ["x/one.txt"]


def test_content_type_is_stored(s3: S3Storage, s3_admin: Any) -> None:
    s3.put("a.pdf", b"%PDF", "application/pdf")
    head = s3_admin.head_object(Bucket=s3.bucket, Key="tenant/a/a.pdf")
    assert head["ContentType"] == "application/pdf"


def test_presigned_post_policy_limits_size_and_type(s3: S3Storage) -> None:
    post = s3.presigned_post("up/bg.png", content_type="image/png", max_size=5_000_000)
    assert post.url.endswith(f"/{s3.bucket}")
    assert post.fields["key"] == "tenant/a/up/bg.png"
    policy = json.loads(base64.b64decode(post.fields["policy"]))
    # moto 5 stores POST uploads without enforcing the policy, so this checks
    # what real S3 (and R2, MinIO, Tigris) is told to enforce.
    assert ["content-length-range", 1, 5_000_000] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert {"key": "tenant/a/up/bg.png"} in policy["conditions"]


def test_missing_bucket_is_a_storage_error_naming_it(s3: S3Storage) -> None:
    gone = S3Storage("laurel-gone", endpoint_url=s3.endpoint_url, addressing_style="path")
    with pytest.raises(StorageError) as caught:
        gone.get("a")
    assert not isinstance(caught.value, NotFound)
    message = str(caught.value)
    assert message.startswith(f"S3 bucket 'laurel-gone' at {s3.endpoint_url}: cannot download 'a'")
    assert "NoSuchBucket" in message
    from botocore.exceptions import ClientError

    assert isinstance(caught.value.__cause__, ClientError)  # kept for the log


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_aws_env(monkeypatch)


@pytest.mark.usefixtures("fake_credentials")
def test_unreachable_endpoint_fails_check_quickly() -> None:
    dead = S3Storage("bucket", endpoint_url="http://127.0.0.1:9", max_attempts=1)
    ok, detail = dead.check()
    assert not ok
    assert detail.startswith("S3 bucket 'bucket' at http://127.0.0.1:9: cannot upload")
    assert "Could not connect" in detail


@pytest.mark.usefixtures("fake_credentials")
def test_malformed_endpoint_names_the_setting() -> None:
    with pytest.raises(StorageError, match="S3_ENDPOINT_URL"):
        S3Storage("bucket", endpoint_url="not a url").exists("a")


def test_one_client_shared_by_threads(s3: S3Storage) -> None:
    clients, errors = [], []

    def work(n: int) -> None:
        try:
            clients.append(s3.client)
            s3.put(f"t/{n}", str(n).encode())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({id(client) for client in clients}) == 1
    assert s3.list_keys("t/") == sorted(f"t/{n}" for n in range(8))


def test_auto_addressing_works_with_an_ip_endpoint(
    storage_app: Flask, s3_endpoint: str, s3_bucket: str
) -> None:
    auto = S3Storage(s3_bucket, endpoint_url=s3_endpoint, region="us-east-1")
    auto.put("a", b"x")
    assert auto.get("a") == b"x"
