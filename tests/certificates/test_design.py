"""Templates and layouts: bad input is refused with a message, nothing is stored."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest

from app.extensions import db
from app.models import Event
from tests.certificates.conftest import storage_keys
from tests.conftest import csrf_token


def image_bytes(fmt: str = "PNG", size=(1600, 1131), color=(40, 90, 160)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A small file that claims to be a 20000x20000 image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload_background(client, event_id: int, content: bytes) -> tuple[int, str]:
    page = f"/events/{event_id}/design/"
    return direct_upload(client, page, f"{page}upload", f"{page}background", content)


def direct_upload(client, page: str, grant_url: str, confirm_url: str, content: bytes):
    """What upload.js does: get a grant, post to storage, confirm (status, text).

    Storage may refuse the file itself (the local route checks what S3's policy
    would); then that refusal is the answer the browser sees."""
    token = csrf_token(client, page)
    grant = client.post(grant_url, headers={"X-CSRFToken": token}).get_json()
    form = {**grant["fields"], "file": (io.BytesIO(content), "upload")}
    if grant["url"].startswith("http://localhost/"):
        stored = client.post(grant["url"], data=form, content_type="multipart/form-data")
        if stored.status_code != 204:
            return stored.status_code, stored.get_data(as_text=True)
    else:
        import requests

        files = {"file": ("upload", content)}
        stored = requests.post(grant["url"], data=grant["fields"], files=files, timeout=30)
        if stored.status_code not in (200, 204):
            return stored.status_code, stored.text
    confirmed = client.post(confirm_url, data={"key": grant["key"], "csrf_token": token})
    return confirmed.status_code, confirmed.get_data(as_text=True)


def background_key(app, event_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Event, event_id).certificate_background_key


def test_a_good_background_is_normalised_and_used(app, client, ended_event):
    status, text = upload_background(client, ended_event, image_bytes("JPEG"))
    assert status == 302, text
    key = background_key(app, ended_event)
    assert key and key.startswith(f"templates/event-{ended_event}/") and key.endswith(".png")
    assert storage_keys(app, "uploads/") == []
    preview = client.get(f"/events/{ended_event}/design/preview.png")
    assert preview.status_code == 200 and preview.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text, not an image", "PNG, JPEG or WebP"),
        (image_bytes()[:2000], "truncated"),
        (b"", ""),
        (huge_png_header(20000, 20000), "megapixels"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        (image_bytes("GIF"), "GIF"),
    ],
    ids=["text", "truncated", "empty", "bomb", "svg", "gif"],
)
def test_bad_backgrounds_are_refused(app, client, ended_event, content, message):
    status, text = upload_background(client, ended_event, content)
    assert 400 <= status < 500
    assert message.lower() in text.lower()
    assert background_key(app, ended_event) is None
    assert storage_keys(app, "templates/") == []


def test_a_file_over_10_mb_is_refused(app, client, ended_event):
    status, _ = upload_background(
        client, ended_event, b"\x89PNG" + b"\x00" * (10 * 1024 * 1024 + 1)
    )
    assert 400 <= status < 500
    assert background_key(app, ended_event) is None
    assert storage_keys(app, "templates/") == []


def layout_with(**changes) -> str:
    from app.certificates.rendering import DEFAULT_LAYOUT, layout_to_dict

    layout = layout_to_dict(DEFAULT_LAYOUT)
    layout["fields"][0].update(changes)
    return json.dumps(layout)


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        (layout_with(shadow=True), "shadow"),
        (layout_with(x=1.5), "fields[0].x"),
        (layout_with(font="comic"), "fields[0].font"),
        (layout_with(color="red!"), "is not a colour"),
        ("{not json", "JSON"),
    ],
    ids=["unknown-field", "out-of-range", "unknown-font", "bad-colour", "not-json"],
)
def test_bad_layouts_name_the_field(app, client, ended_event, layout, message):
    page = f"/events/{ended_event}/design/"
    token = csrf_token(client, page)
    response = client.post(f"{page}layout", data={"layout": layout, "csrf_token": token})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, ended_event).certificate_layout is None
    live = client.post(
        f"{page}preview.png", json={"layout": layout}, headers={"X-CSRFToken": token}
    )
    assert live.status_code == 400 and any(message in m for m in live.get_json()["messages"])


def test_a_good_layout_is_saved(app, client, ended_event):
    page = f"/events/{ended_event}/design/"
    token = csrf_token(client, page)
    layout = layout_with(color="#aa0000")
    response = client.post(f"{page}layout", data={"layout": layout, "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert "#aa0000" in db.session.get(Event, ended_event).certificate_layout


def test_a_refused_background_comes_back_to_the_designer(app, client, ended_event):
    status, text = upload_background(client, ended_event, b"just some text, not an image")
    assert status == 400
    assert "<h1>Certificate design</h1>" in text and "That background cannot be used" in text
    assert 'aria-invalid="true"' in text  # the file field is marked, the message named


def test_a_custom_background_keeps_the_heading(app, client, ended_event):
    from PIL import Image

    from app.certificates.rendering import DEFAULT_LAYOUT, render_preview

    assert "CERTIFICATE OF ATTENDANCE" in client.get(f"/events/{ended_event}/design/").get_data(
        as_text=True
    )  # a field of the layout the organizer edits, so it can be changed or removed
    plain = image_bytes(size=(1600, 1131), color=(250, 250, 250))
    preview = Image.open(io.BytesIO(render_preview(DEFAULT_LAYOUT, plain))).convert("L")
    width, height = preview.size
    band = preview.crop(
        (int(width * 0.2), int(height * 0.23), int(width * 0.8), int(height * 0.28))
    )
    assert band.getextrema()[0] < 100  # dark heading letters on the plain background
