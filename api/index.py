"""Vercel's entrypoint: the WSGI `app`, and nothing else.

Vercel loads this file by its path (`vercel_runtime.vc_init`), so the
repository root is not always on `sys.path`; put it first so that `app` is
the package next to this folder and never something else with that name.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from app import create_app  # noqa: E402

app = create_app()
