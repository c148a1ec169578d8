"""Uploaded backgrounds: what is accepted, what is refused (and the message says why)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.certificates.rendering import BackgroundError, default_background, load_background
from app.certificates.rendering.background import MAX_LONG_SIDE

from .helpers import (
    decode,
    image_bytes,
    png_bytes,
    png_chunk_types,
    png_header_only,
    template_image,
)


def refused(data: bytes) -> str:
    with pytest.raises(BackgroundError) as caught:
        load_background(data)
    return str(caught.value)


def noisy_png(size=(1200, 800)) -> bytes:
    # random-looking but deterministic pixels, so the PNG does not compress to nothing
    base = Image.effect_noise(size, 64).convert("RGB")
    return png_bytes(base)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_come_out_as_normalised_png(fmt):
    source = template_image((1600, 1131))
    result = load_background(image_bytes(source, fmt))
    image = decode(result)
    assert image.format == "PNG" and image.mode == "RGB" and image.size == (1600, 1131)
    assert set(png_chunk_types(result)) == {b"IHDR", b"IDAT", b"IEND"}
    assert load_background(image_bytes(source, fmt)) == result  # deterministic


def test_metadata_is_dropped():
    source = template_image((1200, 850))
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made by hand")
    result = load_background(png_bytes(source, pnginfo=info))
    assert set(png_chunk_types(result)) == {b"IHDR", b"IDAT", b"IEND"}


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (1200, 800), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 600, 800))
    result = decode(load_background(png_bytes(image)))
    assert result.getpixel((900, 400)) == (255, 255, 255)
    assert result.getpixel((100, 400)) == (0, 0, 255)


def test_palette_and_grey_images_become_rgb():
    for mode in ("P", "L", "LA", "1"):
        image = template_image((1200, 800)).convert(mode)
        assert decode(load_background(png_bytes(image))).mode == "RGB"


def test_sixteen_bit_and_colour_managed_images():
    grey16 = Image.linear_gradient("L").resize((1200, 800)).convert("I").point(lambda v: v * 257)
    result = decode(load_background(png_bytes(grey16.convert("I;16"))))
    assert result.mode == "RGB" and result.getpixel((0, 799)) == (255, 255, 255)
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (1200, 800), (200, 100, 50))
    result = decode(load_background(image_bytes(image, "PNG", icc_profile=srgb)))
    assert result.getpixel((5, 5)) == (200, 100, 50)
    assert "icc_profile" not in result.info


def test_large_uploads_are_scaled_down_to_a4_at_300_dpi():
    image = Image.new("RGB", (2400, 3600), (200, 180, 150))
    result = decode(load_background(image_bytes(image, "JPEG", quality=50)))
    assert result.size == (2339, MAX_LONG_SIDE)


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (1200, 800), (220, 30, 30))
    image.paste((30, 30, 220), (600, 0, 1200, 800))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    result = decode(load_background(image_bytes(image, "JPEG", exif=exif, quality=95)))
    assert result.size == (800, 1200)
    top, bottom = result.getpixel((400, 100)), result.getpixel((400, 1100))
    assert top[0] > 180 and top[2] < 80, top  # the left (red) half is now on top
    assert bottom[2] > 180 and bottom[0] < 80, bottom


def test_empty_file():
    assert refused(b"") == "The file is empty (0 bytes). Upload a PNG, JPEG or WebP image."


def test_text_file_named_png():
    message = refused(b"name,email\nAda,ada@example.com\n")
    assert "text, not an image" in message and "PNG, JPEG or WebP" in message


def test_truncated_png():
    data = noisy_png()
    assert "truncated" in refused(data[: len(data) // 2])
    assert "damaged or incomplete" in refused(data[:40])


def test_truncated_jpeg():
    data = image_bytes(Image.effect_noise((1200, 800), 64).convert("RGB"), "JPEG")
    assert "truncated" in refused(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    message = refused(png_header_only(20000, 20000))
    assert "20000x20000 pixels (400 megapixels)" in message
    assert "the limit is 40 megapixels" in message


def test_image_over_40_megapixels_is_refused_from_its_header():
    message = refused(png_header_only(8000, 6000))
    assert message.startswith("The image is 8000x6000 pixels (48 megapixels)")


def test_compressed_bomb_in_a_tiny_file():
    """A real 9000x5000 PNG of one colour is tiny on disk; it is refused unopened."""
    image = Image.new("1", (9000, 5000), 1)
    data = png_bytes(image)
    assert len(data) < 100_000
    assert "9000x5000 pixels (45 megapixels)" in refused(data)


def test_jpeg_bomb_is_refused_from_its_header(monkeypatch):
    # a JPEG's size comes from its SOF header; patch it to claim 20000x20000
    data = bytearray(image_bytes(Image.new("RGB", (1200, 800)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (20000).to_bytes(2, "big") + (20000).to_bytes(2, "big")
    message = refused(bytes(data))
    assert "megapixels" in message and "Scale it down" in message


def test_file_over_10_mb():
    data = b"\x89PNG\r\n\x1a\n" + bytes(10 * 1024 * 1024)
    assert refused(data).startswith("The file is 10.0 MB; the limit is 10 MB.")


def test_svg():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10"/>'
    assert refused(svg).startswith("SVG (vector) images are not supported")
    assert refused(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").startswith("SVG")


@pytest.mark.parametrize(("fmt", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_other_image_formats(fmt, name):
    data = image_bytes(template_image((1200, 800)), fmt)
    assert (
        refused(data) == f"{name} files are not supported: save the template as PNG, JPEG or WebP."
    )


def test_binary_junk():
    assert "not an image Laurel can read" in refused(bytes(range(256)) * 4)


def test_html_document():
    assert "HTML/XML document" in refused(b"<!doctype html><html><body>hi</body></html>")


def test_too_small_and_too_narrow():
    assert "only 600x400 pixels" in refused(png_bytes(Image.new("RGB", (600, 400))))
    assert "too long and narrow" in refused(png_bytes(Image.new("RGB", (3000, 400))))


def test_default_background_is_deterministic_and_a_fresh_copy():
    first = default_background()
    assert first.size == (1754, 1240) and first.mode == "RGB"
    first.paste((0, 0, 0), (0, 0, 500, 500))
    second = default_background()
    assert second.getpixel((10, 10)) != (0, 0, 0)
    out_a, out_b = io.BytesIO(), io.BytesIO()
    second.save(out_a, "PNG")
    default_background().save(out_b, "PNG")
    assert out_a.getvalue() == out_b.getvalue()
    # the heading band is left to the layout's heading field; the border has ink
    heading = second.crop((300, 280, 1450, 360)).convert("L")
    assert heading.getextrema()[0] > 200
    assert second.crop((40, 40, 70, 1200)).convert("L").getextrema()[0] < 200
