"""`url_for` in templates, remembering the links that are the same on every page.

Every page links the style sheet, the scripts, the icon and the navigation; each
`url_for` walks werkzeug's URL builder again. A link with no values (or a static
file's name) depends only on the script root the app is mounted at, so it is built
once per root and endpoint; links with other values are built as usual.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request, url_for


def init_app(app: Flask) -> None:
    built: dict[tuple[str, str, str | None], str] = {}

    def template_url_for(endpoint: str, **values: Any) -> str:
        constant = not values or (endpoint == "static" and values.keys() == {"filename"})
        if not constant or endpoint.startswith(".") or not has_request_context():
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        link = built.get(key)
        if link is None:
            link = built[key] = url_for(endpoint, **values)
        return link

    app.jinja_env.globals["url_for"] = template_url_for
