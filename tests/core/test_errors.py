"""One error module: JSON under /api/, pages elsewhere, never a traceback."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden

from app.extensions import db


@pytest.fixture
def failing_app(app):
    @app.get("/boom")
    @app.get("/api/boom")
    def boom():
        db.session.execute(db.text("SELECT 1"))
        raise RuntimeError("secret internals")

    @app.get("/api/forbidden")
    def forbidden():
        raise Forbidden("Not yours.")

    return app


@pytest.mark.parametrize(
    ("path", "method", "code"),
    [
        ("/nowhere", "get", 404),
        ("/healthz", "post", 405),
        ("/boom", "get", 500),
    ],
)
def test_html_errors(failing_app, path, method, code):
    response = getattr(failing_app.test_client(), method)(path)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert "secret internals" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/nowhere", 404),
        ("/api/boom", 500),
        ("/api/forbidden", 403),
    ],
)
def test_json_errors_under_api(failing_app, path, code):
    response = failing_app.test_client().get(path)
    assert response.status_code == code
    body = response.get_json()
    assert body["status"] == code and body["message"]
    assert "secret internals" not in response.get_data(as_text=True)


def test_json_when_asked(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"] == "Not Found"


def test_missing_tables_name_the_migration_command(tmp_path):
    from app import create_app

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    response = app.test_client().post(
        "/auth/login", data={"email": "a@example.org", "password": "x"}
    )
    assert response.status_code == 503
    assert "flask db upgrade" in response.get_data(as_text=True)
