"""Certificate rendering: fonts, layouts, backgrounds, PNG and PDF output. No Flask, no DB.

The public names are re-exported here lazily: `from app.certificates.rendering import
parse_layout, undrawable` loads neither Pillow nor segno (forms can validate layouts and
names cheaply); names from `background` and `render` load Pillow on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    # fonts (no Pillow until get_font is called)
    "FAMILIES": "fonts",
    "WEIGHTS": "fonts",
    "UndrawableTextError": "fonts",
    "undrawable": "fonts",
    "describe_char": "fonts",
    "normalize_text": "fonts",
    "get_font": "fonts",
    # layout (no Pillow)
    "DEFAULT_LAYOUT": "layout",
    "Layout": "layout",
    "LayoutError": "layout",
    "QRField": "layout",
    "ImageField": "layout",
    "unknown_placeholders": "layout",
    "fill_placeholders": "layout",
    "load_brand_image": "background",
    "TextField": "layout",
    "layout_to_dict": "layout",
    "layout_to_json": "layout",
    "parse_layout": "layout",
    # background (Pillow)
    "BackgroundBusy": "background",
    "BackgroundError": "background",
    "DEFAULT_SIZE": "default_template",
    "default_background": "default_template",
    "load_background": "background",
    # render (Pillow, segno)
    "CertificateData": "render",
    "render_pdf": "render",
    "render_png": "render",
    "render_png_pdf": "render",
    "render_preview": "render",
}

__all__ = [
    "DEFAULT_LAYOUT",
    "DEFAULT_SIZE",
    "FAMILIES",
    "WEIGHTS",
    "BackgroundBusy",
    "BackgroundError",
    "CertificateData",
    "ImageField",
    "Layout",
    "LayoutError",
    "QRField",
    "TextField",
    "UndrawableTextError",
    "default_background",
    "describe_char",
    "fill_placeholders",
    "get_font",
    "layout_to_dict",
    "layout_to_json",
    "load_background",
    "load_brand_image",
    "normalize_text",
    "parse_layout",
    "render_pdf",
    "render_png",
    "render_png_pdf",
    "render_preview",
    "undrawable",
    "unknown_placeholders",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from .background import BackgroundBusy, BackgroundError, load_background, load_brand_image
    from .default_template import DEFAULT_SIZE, default_background
    from .fonts import (
        FAMILIES,
        WEIGHTS,
        UndrawableTextError,
        describe_char,
        get_font,
        normalize_text,
        undrawable,
    )
    from .layout import (
        DEFAULT_LAYOUT,
        ImageField,
        Layout,
        LayoutError,
        QRField,
        TextField,
        fill_placeholders,
        layout_to_dict,
        layout_to_json,
        parse_layout,
        unknown_placeholders,
    )
    from .render import (
        CertificateData,
        render_pdf,
        render_png,
        render_png_pdf,
        render_preview,
    )
