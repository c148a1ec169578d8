"""Refuse control characters in query and form values before any view runs.

PostgreSQL refuses NUL in text and no page needs a control character, so one
check here covers every form and query parameter with a message that names the
field, instead of a database error deep inside a view.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from app.validation import control_characters, describe_controls

# The local storage's upload route raises the body limit for its own file (up to
# 10 MB) inside the view; reading its form here would apply the app-wide 4 MB first.
# Its fields are checked against the signed upload token instead.
OWN_BODY_LIMIT = frozenset({"storage.upload"})


# The only bodies werkzeug parses into `request.form`; any other has no form fields.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def check_values() -> None:
    # Most requests have neither a query string nor a form: nothing to parse.
    sources = [("query parameter", request.args)] if request.query_string else []
    if request.mimetype in FORM_TYPES and request.endpoint not in OWN_BODY_LIMIT:
        sources.append(("form field", request.form))
    for source, values in sources:
        for name, value in values.items(multi=True):
            bad = control_characters(name) or control_characters(value)
            if bad:
                raise BadRequest(
                    f"The {source} {name[:40]!r} holds invisible control characters "
                    f"({describe_controls(bad)}); remove them and send it again."
                )


def init_app(app: Flask) -> None:
    app.before_request(check_values)
