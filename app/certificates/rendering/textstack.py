"""The complex text layout stack: Pillow's raqm with the vendored FriBiDi.

Pillow's wheel bundles FreeType, HarfBuzz and raqm, but opens FriBiDi from the system
when `PIL._imagingft` is first imported, and quietly falls back to basic layout (no
shaping, no right-to-left) when there is none. So `require()` loads the copy shipped in
`vendor/fribidi/` before Pillow's font module, on every execution model, and then checks
that raqm uses it: anything else is a `TextStackError` naming the missing piece, shown
on /readyz and raised by every render, never a silent fallback.

`embedding_levels` runs that same FriBiDi's Unicode bidi algorithm over a line, which
the renderer uses to order runs drawn with different fonts.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor" / "fribidi"
FRIBIDI_VERSION = "1.0.8"
_FRIBIDI_PAR_ON = 0x40  # FRIBIDI_PAR_ON: paragraph direction from the first strong char

_lock = threading.Lock()
_library: ctypes.CDLL | None = None


class TextStackError(RuntimeError):
    """A piece of the text layout stack is missing or not the shipped one."""


def vendored_path() -> Path:
    return VENDOR / platform.machine() / "libfribidi.so.0"


def _load() -> ctypes.CDLL:
    path = vendored_path()
    if not path.is_file():
        raise TextStackError(
            f"fribidi: no vendored libfribidi.so.0 for {platform.machine()} "
            f"(looked for {path}); right-to-left text cannot be laid out"
        )
    library = ctypes.CDLL(str(path), mode=os.RTLD_NOW | os.RTLD_GLOBAL)
    for name, restype in (
        ("fribidi_get_bidi_types", None),
        ("fribidi_get_bracket_types", None),
        ("fribidi_get_par_embedding_levels_ex", ctypes.c_int8),
    ):
        getattr(library, name).restype = restype
    return library


def _mapped_fribidi() -> set[str]:
    """Paths of every FriBiDi this process has mapped (empty where /proc is missing)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return set()
    return {line.split()[-1] for line in maps.read_text().splitlines() if "libfribidi" in line}


def _check_pillow() -> None:
    from PIL import features

    if not features.check_feature("raqm"):
        raise TextStackError(
            "raqm: Pillow's complex text layout is unavailable (its wheel bundles raqm "
            "and HarfBuzz; FriBiDi did not load)"
        )
    loaded = features.version_feature("fribidi")
    if loaded != FRIBIDI_VERSION:
        raise TextStackError(
            f"fribidi: Pillow uses FriBiDi {loaded}, not the vendored {FRIBIDI_VERSION} "
            "(PIL.ImageFont was imported before textstack.require())"
        )
    others = _mapped_fribidi() - {str(vendored_path())}
    if others:
        raise TextStackError(
            f"fribidi: a second FriBiDi is loaded ({', '.join(sorted(others))}); "
            "PIL.ImageFont was imported before textstack.require()"
        )


_load_error: TextStackError | None = None


def load_fribidi() -> None:
    """Load the vendored FriBiDi (ctypes only, no Pillow). Modules that import Pillow's
    ImageDraw or ImageFont call this first; a failure is kept for `require` to raise."""
    global _library, _load_error
    with _lock:
        if _library is None and _load_error is None:
            try:
                _library = _load()
            except (OSError, TextStackError) as exc:
                _load_error = (
                    exc
                    if isinstance(exc, TextStackError)
                    else TextStackError(f"fribidi: cannot load {vendored_path()}: {exc}")
                )


_checked = False


def require() -> ctypes.CDLL:
    """Make the stack ready (idempotent, thread-safe) or raise TextStackError."""
    global _checked
    load_fribidi()
    if _load_error is not None:
        raise _load_error
    assert _library is not None
    if not _checked:
        _check_pillow()
        _checked = True
    return _library


def status() -> tuple[bool, str]:
    """For /readyz: whether text can be laid out, and with what."""
    try:
        require()
    except TextStackError as exc:
        return False, str(exc)
    from PIL import features

    return True, (
        f"raqm {features.version_feature('raqm')}, HarfBuzz "
        f"{features.version_feature('harfbuzz')}, FriBiDi {FRIBIDI_VERSION} (vendored)"
    )


def embedding_levels(text: str) -> list[int]:
    """The bidi embedding level of each character of one paragraph (odd: right to left)."""
    library = require()
    size = len(text)
    if not size:
        return []
    chars = (ctypes.c_uint32 * size)(*map(ord, text))
    types = (ctypes.c_uint32 * size)()
    brackets = (ctypes.c_uint32 * size)()
    levels = (ctypes.c_int8 * size)()
    direction = ctypes.c_uint32(_FRIBIDI_PAR_ON)
    library.fribidi_get_bidi_types(chars, size, types)
    library.fribidi_get_bracket_types(chars, size, types, brackets)
    if not library.fribidi_get_par_embedding_levels_ex(
        types, brackets, size, ctypes.byref(direction), levels
    ):
        raise TextStackError("fribidi: could not resolve the bidi levels of a text")
    return list(levels)
