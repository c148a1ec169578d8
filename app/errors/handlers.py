"""Error responses: JSON for API clients, HTML for people, never a trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from app.extensions import db

DATABASE_DOWN = (
    "The database is unreachable. Check that DATABASE_URL points at a running "
    "database and that it accepts connections from here."
)
SCHEMA_MISSING = (
    "The database has no Laurel tables yet, or an old version of them. "
    "Run `flask db upgrade` against it."
)
# Two requests creating the same row at once: the database's unique constraint
# refuses the second, after the views' own checks passed for both.
CONCURRENT_CHANGE = (
    "Someone (or another tab) made the same change at the same moment, so this one was "
    "not saved. Reload the page to see the current state, then try again if needed."
)
REFUSED_VALUE = (
    "The database refused a value in this request (too long, or a character it cannot "
    "store). Shorten or retype the text and send it again."
)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    if wants_json():
        body = {"error": error.name, "status": code, "message": error.description}
        response = jsonify(body)
    else:
        response = Response(render_template("errors/error.html", error=error, code=code))
    # Retry-After (429, 503) and WWW-Authenticate (401) travel with the error.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, code


def too_large() -> RequestEntityTooLarge:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return RequestEntityTooLarge(
        f"The request is larger than {limit / 1024 / 1024:.0f} MB, the most this server "
        "accepts in one request. Send a smaller file (split a CSV into several files)."
    )


def is_missing_schema(error: sa_exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def handle_http(error: HTTPException) -> tuple[Response, int]:
    db.session.rollback()
    if error.code == 413 and error.description == RequestEntityTooLarge.description:
        error = too_large()
    return error_response(error)


def handle_csrf(error: CSRFError) -> tuple[Response, int]:
    db.session.rollback()
    return error_response(
        BadRequest(
            f"{error.description} The form's security token is missing or expired: "
            "reload the page and submit the form again."
        )
    )


def handle_database(error: sa_exc.DBAPIError) -> tuple[Response, int]:
    db.session.rollback()
    if isinstance(error, sa_exc.IntegrityError):
        current_app.logger.info("concurrent change refused: %s", error.orig)
        return error_response(Conflict(CONCURRENT_CHANGE))
    if isinstance(error, sa_exc.DataError):
        current_app.logger.info("value refused by the database: %s", error.orig)
        return error_response(BadRequest(REFUSED_VALUE))
    if is_missing_schema(error):
        message = SCHEMA_MISSING
    elif isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        message = DATABASE_DOWN
    else:
        return handle_unexpected(error)
    current_app.logger.error("database error: %s", error.orig)
    return error_response(ServiceUnavailable(message))


def handle_unexpected(error: Exception) -> tuple[Response, int]:
    db.session.rollback()
    current_app.logger.exception("unhandled error", exc_info=error)
    return error_response(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(sa_exc.OperationalError, handle_database)
    app.register_error_handler(sa_exc.InterfaceError, handle_database)
    app.register_error_handler(sa_exc.ProgrammingError, handle_database)
    app.register_error_handler(sa_exc.IntegrityError, handle_database)
    app.register_error_handler(sa_exc.DataError, handle_database)
    app.register_error_handler(Exception, handle_unexpected)
