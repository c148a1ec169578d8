"""What only the local-folder backend does: atomic files, signed app routes."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import storage
from app.storage import PresignedPost, StorageError, get_storage
from app.storage.local import LocalStorage
from tests.storage.support import SECRET, Fetch, fetch, make_app


@pytest.fixture
def local(storage_app: Flask) -> Iterator[LocalStorage]:
    with storage_app.test_request_context():
        storage = get_storage()
        assert isinstance(storage, LocalStorage)
        yield storage


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(local: LocalStorage) -> Clock:
    clock = Clock()
    local._clock = clock
    return clock


def test_root_is_created_on_first_write_only(storage_app: Flask, storage_root: Path) -> None:
    with storage_app.test_request_context():
        storage = get_storage()
        assert storage.list_keys() == []
        assert not storage.exists("a")
        storage.url("a")
        assert not storage_root.exists()
        storage.put("a", b"x")
    assert (storage_root / "a").read_bytes() == b"x"


class Explodes(io.RawIOBase):
    """A stream that dies half-way, like a killed upload."""

    def readable(self) -> bool:
        return True

    sent = False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.sent:
            raise ConnectionResetError("client went away")
        self.sent = True
        buffer[:5] = b"half-"
        return 5


def test_a_failed_write_leaves_the_old_object(local: LocalStorage, storage_root: Path) -> None:
    local.put("doc.txt", b"complete", "text/plain")
    with pytest.raises(ConnectionResetError):
        local.put("doc.txt", Explodes())
    assert local.get("doc.txt") == b"complete"
    assert local.content_type("doc.txt") == "text/plain"
    assert sorted(p.name for p in storage_root.iterdir()) == ["doc.txt", "doc.txt~type"]


def test_leftover_temp_files_are_not_objects(local: LocalStorage, storage_root: Path) -> None:
    local.put("keep.png", b"x", "image/png")
    (storage_root / ".keep.png.x8k2~tmp").write_bytes(b"half")
    assert local.list_keys() == ["keep.png"]
    assert local.content_type("keep.png") == "image/png"


def test_content_type_is_guessed_for_files_copied_in(
    local: LocalStorage, storage_root: Path
) -> None:
    storage_root.mkdir()
    (storage_root / "copied.pdf").write_bytes(b"%PDF")
    assert local.content_type("copied.pdf") == "application/pdf"


def test_download_route_streams_with_safe_headers(local: LocalStorage, http: Fetch) -> None:
    local.put("c/ada.pdf", b"%PDF-1.7", "application/pdf")
    reply = http(local.url("c/ada.pdf", filename="ada.pdf"))
    assert reply.status == 200
    assert reply.headers["Content-Length"] == "8"
    assert reply.headers["Content-Disposition"] == "attachment; filename=ada.pdf"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_expired_download_link_is_410(local: LocalStorage, clock: Clock, http: Fetch) -> None:
    local.put("a.txt", b"x")
    url = local.url("a.txt", expires_in=60)
    clock.now += 59
    assert http(url).status == 200
    clock.now += 2
    reply = http(url)
    assert reply.status == 410
    assert b"expired" in reply.body


@pytest.mark.parametrize("damage", [lambda t: t[:-2], lambda t: t + "x", lambda t: "x" + t])
def test_altered_download_link_is_403(
    local: LocalStorage, http: Fetch, damage: Callable[[str], str]
) -> None:
    local.put("a.txt", b"x")
    base, token = local.url("a.txt").rsplit("/", 1)
    reply = http(f"{base}/{damage(token)}")
    assert reply.status == 403
    assert b"not valid" in reply.body


def test_link_signed_with_another_key_is_403(local: LocalStorage, http: Fetch) -> None:
    other = LocalStorage(local.root, secret_key="another-secret-key-0123456789")
    local.put("a.txt", b"x")
    assert http(other.url("a.txt")).status == 403


def test_upload_link_is_not_a_download_link(local: LocalStorage, http: Fetch) -> None:
    local.put("a.txt", b"x")
    post = local.presigned_post("a.txt", content_type="text/plain", max_size=10)
    token = post.url.rsplit("/", 1)[1]
    assert http(f"http://localhost/storage/{token}").status == 403


def test_download_of_deleted_object_is_404(local: LocalStorage, http: Fetch) -> None:
    local.put("a.txt", b"x")
    url = local.url("a.txt")
    local.delete("a.txt")
    assert http(url).status == 404


@pytest.fixture
def upload(local: LocalStorage) -> PresignedPost:
    return local.presigned_post("up/bg.png", content_type="image/png", max_size=10)


def test_upload_over_the_limit_is_refused(
    local: LocalStorage, upload: PresignedPost, http: Fetch
) -> None:
    reply = http(upload.url, upload.fields, b"x" * 11)
    assert reply.status == 413
    assert b"larger than 10 bytes" in reply.body
    assert not local.exists("up/bg.png")
    assert http(upload.url, upload.fields, b"x" * 10).status == 204


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"key": "up/other.png"}, 403),
        ({"Content-Type": "text/html"}, 403),
    ],
)
def test_upload_must_match_its_link(
    local: LocalStorage, upload: PresignedPost, http: Fetch, change, status
) -> None:
    reply = http(upload.url, {**upload.fields, **change}, b"x")
    assert reply.status == status
    assert local.list_keys() == []


def test_upload_needs_a_non_empty_file(
    local: LocalStorage, upload: PresignedPost, storage_app: Flask, http: Fetch
) -> None:
    no_file = storage_app.test_client().post(upload.url, data=upload.fields)
    assert no_file.status_code == 400
    assert http(upload.url, upload.fields, b"").status == 400
    assert local.list_keys() == []


def test_expired_upload_link_is_410(local: LocalStorage, clock: Clock, http: Fetch) -> None:
    post = local.presigned_post("a.png", content_type="image/png", max_size=10, expires_in=5)
    clock.now += 6
    assert http(post.url, post.fields, b"x").status == 410


def test_upload_needs_no_csrf_token(storage_root: Path) -> None:
    from flask_wtf import CSRFProtect

    app = Flask(__name__)
    app.config.update(SECRET_KEY=SECRET, STORAGE_URL=storage_root.as_uri())
    CSRFProtect(app)
    app.post("/form")(lambda: "ok")
    storage.init_app(app)
    with app.test_request_context():
        post = get_storage().presigned_post("a.png", content_type="image/png", max_size=10)
    assert fetch(app, "/form", {}).status == 400  # CSRF is on for everything else
    assert fetch(app, post.url, post.fields, b"png").status == 204


def test_urls_outside_a_request(storage_root: Path) -> None:
    app = make_app(STORAGE_URL=storage_root.as_uri())
    with app.app_context():
        assert get_storage().url("a").startswith("/storage/")
    app = make_app(STORAGE_URL=storage_root.as_uri(), SERVER_NAME="laurel.example")
    with app.app_context():
        assert get_storage().url("a").startswith("http://laurel.example/storage/")


def test_signing_needs_a_secret_key(storage_root: Path) -> None:
    app = make_app(STORAGE_URL=storage_root.as_uri(), SECRET_KEY=None)
    with app.test_request_context(), pytest.raises(StorageError, match="SECRET_KEY"):
        get_storage().url("a")


def test_routes_are_404_when_storage_is_s3(storage_app: Flask) -> None:
    storage_app.config["STORAGE_URL"] = "s3://some-bucket"
    client = storage_app.test_client()
    assert client.get("/storage/anything").status_code == 404
    assert client.post("/storage/upload/anything").status_code == 404
