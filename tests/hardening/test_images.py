"""Image decoding is bounded: reduced-size decodes, and few large decodes at once."""

from __future__ import annotations

import io
import threading
import time

import pytest


def solid_png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def test_large_decodes_wait_for_a_slot(monkeypatch):
    from app.certificates.rendering import background

    active, peak, lock = [0], [0], threading.Lock()
    real = background._normalise

    def tracked(image):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            time.sleep(0.05)
            return real(image)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(background, "_normalise", tracked)
    data = solid_png(4000, 2500)  # 10 megapixels: a large decode
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(background.load_background(data)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(set(results)) == 1
    assert peak[0] == background.LARGE_DECODE_SLOTS


def test_busy_server_says_so_instead_of_queueing_forever(monkeypatch):
    from app.certificates.rendering import BackgroundBusy, background

    monkeypatch.setattr(background, "LARGE_DECODE_WAIT_SECONDS", 0.01)
    for _ in range(background.LARGE_DECODE_SLOTS):
        background._large_decodes.acquire()
    try:
        with pytest.raises(BackgroundBusy, match="busy"):
            background.load_background(solid_png(4000, 2500))
    finally:
        for _ in range(background.LARGE_DECODE_SLOTS):
            background._large_decodes.release()


def test_big_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    from PIL import Image

    from app.certificates.rendering import background

    buffer = io.BytesIO()
    Image.new("RGB", (8000, 5000), (200, 100, 50)).save(buffer, "JPEG", quality=80)
    sizes = []
    real = background._reduce

    def seen(image):
        sizes.append(image.size)
        return real(image)

    monkeypatch.setattr(background, "_reduce", seen)
    png = background.load_background(buffer.getvalue())
    assert sizes == [(4000, 2500)], "the JPEG decoder scaled by 1/2 while decoding"
    assert Image.open(io.BytesIO(png)).size == (3508, 2192)


def test_pillow_refuses_bombs_past_the_limit():
    from PIL import Image

    from app.certificates.rendering import background

    assert Image.MAX_IMAGE_PIXELS == background.MAX_PIXELS


def test_local_direct_upload_over_the_app_body_limit_still_works(app_config, tmp_path):
    """A 5 MB background goes to local storage through its signed link, past the 4 MB
    app-wide limit (the link carries its own), as it would to S3."""
    from app import create_app
    from app.storage import get_storage

    app = create_app({**app_config, "STORAGE_URL": (tmp_path / "files").as_uri()})
    with app.app_context():
        post = get_storage().presigned_post(
            "uploads/event-1/" + "a" * 24,
            content_type="application/octet-stream",
            max_size=10 * 1024 * 1024,
            expires_in=600,
        )
    body = b"\x89PNG" + b"\x00" * (5 * 1024 * 1024)
    response = app.test_client().post(
        post.url,
        data={**post.fields, "file": (io.BytesIO(body), "big.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 204, response.get_data(as_text=True)
