"""The storage contract: every test runs against the local folder and real S3 (moto)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator

import pytest

from app.storage import InvalidKey, NotFound, Storage
from tests.storage.support import Fetch

BAD_KEYS = [
    "",
    "../escape",
    "a/../../escape",
    "..",
    ".",
    "a/./b",
    "/absolute",
    "a//b",
    "trailing/",
    "back\\slash",
    "spa ce",
    "new\nline",
    "nul\x00byte",
    "café.png",
    "emoji-🎓",
    "x" * 501,
    "a/" + "y" * 201,
    "tilde~1",
]


def test_put_get_bytes(storage: Storage) -> None:
    storage.put("certs/one.txt", b"hello", "text/plain")
    assert storage.get("certs/one.txt") == b"hello"
    assert storage.exists("certs/one.txt")


def test_put_stream_and_open(storage: Storage) -> None:
    storage.put("stream.bin", io.BytesIO(b"\x00\x01" * 1000))
    with storage.open("stream.bin") as stream:
        assert stream.read() == b"\x00\x01" * 1000


def test_overwrite_replaces_the_object(storage: Storage) -> None:
    storage.put("doc", b"first version", "text/plain")
    storage.put("doc", b"second", "application/json")
    assert storage.get("doc") == b"second"
    assert storage.list_keys() == ["doc"]


def test_delete(storage: Storage) -> None:
    storage.put("gone.txt", b"x")
    storage.delete("gone.txt")
    assert not storage.exists("gone.txt")
    storage.delete("gone.txt")  # deleting twice is fine, as on S3


def test_missing_key_is_not_found(storage: Storage) -> None:
    assert not storage.exists("missing/key")
    with pytest.raises(NotFound):
        storage.get("missing/key")
    with pytest.raises(NotFound):
        storage.open("missing/key")


def test_a_folder_is_not_an_object(storage: Storage) -> None:
    storage.put("folder/file", b"x")
    assert not storage.exists("folder")
    with pytest.raises(NotFound):
        storage.get("folder")


def test_list_keys_by_prefix(storage: Storage) -> None:
    for key in ["a/2", "a/1", "ab/3", "b/4", "top"]:
        storage.put(key, key.encode())
    assert storage.list_keys() == ["a/1", "a/2", "ab/3", "b/4", "top"]
    assert storage.list_keys("a/") == ["a/1", "a/2"]
    assert storage.list_keys("a") == ["a/1", "a/2", "ab/3"]
    assert storage.list_keys("b/4") == ["b/4"]
    assert storage.list_keys("nothing/") == []
    storage.delete("a/1")
    assert storage.list_keys("a/") == ["a/2"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_are_refused(storage: Storage, key: str) -> None:
    operations: list[Callable[[], object]] = [
        lambda: storage.put(key, b"x"),
        lambda: storage.get(key),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.url(key),
        lambda: storage.presigned_post(key, content_type="image/png", max_size=10),
    ]
    for operation in operations:
        with pytest.raises(InvalidKey):
            operation()
    assert storage.list_keys() == []


@pytest.mark.parametrize("prefix", ["/", "../", "a//", "é"])
def test_bad_prefixes_are_refused(storage: Storage, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        storage.list_keys(prefix)


def test_non_string_keys_are_refused(storage: Storage) -> None:
    with pytest.raises(InvalidKey):
        storage.get(None)  # type: ignore[arg-type]


def test_bad_content_type_is_refused(storage: Storage) -> None:
    with pytest.raises(ValueError, match="type/subtype"):
        storage.put("x", b"x", "text/plain\r\nX-Evil: 1")


class Chunks(io.RawIOBase):
    """A non-seekable stream of ``size`` pseudo-random bytes, as a request body would be."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(1024 * 1024)
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.sha256.update(self.block[:n])
        self.left -= n
        return n


def test_large_stream_round_trip(storage: Storage) -> None:
    source = Chunks(20 * 1024 * 1024)
    storage.put("big/object.bin", source, "application/octet-stream")
    digest, size = hashlib.sha256(), 0
    with storage.open("big/object.bin") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    assert size == 20 * 1024 * 1024
    assert digest.hexdigest() == source.sha256.hexdigest()


def test_download_url(storage: Storage, http: Fetch) -> None:
    storage.put("certs/ada.pdf", b"%PDF-1.7 fake", "application/pdf")
    reply = http(storage.url("certs/ada.pdf", expires_in=60))
    assert reply.status == 200
    assert reply.body == b"%PDF-1.7 fake"
    assert reply.headers["Content-Type"] == "application/pdf"
    assert "attachment" not in reply.headers.get("Content-Disposition", "")


def test_download_url_with_filename(storage: Storage, http: Fetch) -> None:
    storage.put("certs/ada.png", b"png bytes", "image/png")
    reply = http(storage.url("certs/ada.png", filename="Certificate \u2013 Ada Lovelace.png"))
    disposition = reply.headers["Content-Disposition"]
    assert reply.body == b"png bytes"
    assert disposition.startswith("attachment;")
    assert 'filename="Certificate  Ada Lovelace.png"' in disposition
    assert "filename*=UTF-8''Certificate%20%E2%80%93%20Ada%20Lovelace.png" in disposition


def test_presigned_post_upload(storage: Storage, http: Fetch) -> None:
    post = storage.presigned_post("uploads/background.png", content_type="image/png", max_size=1024)
    assert post.fields["Content-Type"] == "image/png"
    reply = http(post.url, post.fields, b"\x89PNG fake image")
    assert reply.status == 204, reply.body
    assert storage.get("uploads/background.png") == b"\x89PNG fake image"
    download = http(storage.url("uploads/background.png"))
    assert download.headers["Content-Type"] == "image/png"


def test_check_ok_leaves_nothing_behind(storage: Storage) -> None:
    ok, detail = storage.check()
    assert ok, detail
    assert storage.description in detail
    assert storage.list_keys() == []


@pytest.fixture
def broken_storage(storage: Storage, storage_root: os.PathLike[str]) -> Iterator[Storage]:
    """The same backend, pointed at a place it cannot write to."""
    from app.storage.local import LocalStorage
    from app.storage.s3 import S3Storage

    if isinstance(storage, LocalStorage):
        blocker = os.fspath(storage_root)
        with open(blocker, "wb"):  # a file where the folder should be
            pass
        yield storage
    else:
        assert isinstance(storage, S3Storage)
        yield S3Storage(
            "no-such-bucket-laurel",
            endpoint_url=storage.endpoint_url,
            region="us-east-1",
            addressing_style="path",
        )


def test_check_fails_with_a_clear_message(broken_storage: Storage) -> None:
    ok, detail = broken_storage.check()
    assert not ok
    assert detail.startswith(broken_storage.description)
    assert "Traceback" not in detail
