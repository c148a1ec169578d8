"""Error responses: JSON for API clients, HTML for people, never a trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, ServiceUnavailable

from app.extensions import db

DATABASE_DOWN = (
    "The database is unreachable. Check that DATABASE_URL points at a running "
    "database and that it accepts connections from here."
)
SCHEMA_MISSING = (
    "The database has no Laurel tables yet, or an old version of them. "
    "Run `flask db upgrade` against it."
)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if wants_json():
        body = {"error": error.name, "status": code, "message": error.description}
        return jsonify(body), code
    return render_template("errors/error.html", error=error, code=code), code


def is_missing_schema(error: sa_exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def handle_http(error: HTTPException) -> tuple[Response | str, int]:
    db.session.rollback()
    return error_response(error)


def handle_csrf(error: CSRFError) -> tuple[Response | str, int]:
    db.session.rollback()
    return error_response(
        BadRequest(
            f"{error.description} The form's security token is missing or expired: "
            "reload the page and submit the form again."
        )
    )


def handle_database(error: sa_exc.DBAPIError) -> tuple[Response | str, int]:
    db.session.rollback()
    if is_missing_schema(error):
        message = SCHEMA_MISSING
    elif isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        message = DATABASE_DOWN
    else:
        return handle_unexpected(error)
    current_app.logger.error("database error: %s", error.orig)
    return error_response(ServiceUnavailable(message))


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    db.session.rollback()
    current_app.logger.exception("unhandled error", exc_info=error)
    return error_response(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(sa_exc.OperationalError, handle_database)
    app.register_error_handler(sa_exc.InterfaceError, handle_database)
    app.register_error_handler(sa_exc.ProgrammingError, handle_database)
    app.register_error_handler(Exception, handle_unexpected)
