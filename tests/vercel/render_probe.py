"""A WSGI app that renders one script sample's certificate and answers its digests.

Served by Vercel's launcher in test_render_parity.py, from the source tree and from a
built function: `GET /<script>` renders the sample of tests/rendering/scripts.py with
the app's own renderer (fonts, vendored FriBiDi and dependencies as deployed) and
answers `{"png": sha256, "pdf": sha256, "text_layout": [ok, detail]}`; `GET /branded`
renders the branded, custom-field sample of tests/rendering/branded.py.
"""

from __future__ import annotations

import hashlib
import json


def app(environ, start_response):
    from app.certificates.rendering import render_png_pdf, textstack
    from tests.rendering.branded import render_branded
    from tests.rendering.scripts import SCRIPTS, certificate_data

    script = environ.get("PATH_INFO", "/").strip("/")
    if script not in (*SCRIPTS, "branded"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"unknown script"]
    if script == "branded":
        png, pdf = render_branded()
    else:
        png, pdf = render_png_pdf(certificate_data(script))
    body = json.dumps(
        {
            "png": hashlib.sha256(png).hexdigest(),
            "pdf": hashlib.sha256(pdf).hexdigest(),
            "text_layout": textstack.status(),
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
