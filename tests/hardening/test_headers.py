"""Security headers on every response of every route, from one place; no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.hardening.routes import fill, methods, routes

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
MESSAGES = TEMPLATES / "mail" / "message"
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_secure_headers(response, where: str, production: bool = False) -> None:
    headers = response.headers
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, f"{where}: {name} is {headers.get(name)!r}"
    csp = headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives.get("frame-ancestors") == "'none'", where
    assert directives.get("script-src") == "'self'", where
    assert directives.get("style-src") == "'self'", where
    assert directives.get("object-src") == "'none'", where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    hsts = headers.get("Strict-Transport-Security")
    if production:
        assert hsts and "max-age=31536000" in hsts, where
    else:
        assert hsts is None, f"{where}: HSTS outside production would pin localhost"


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_route_sends_the_headers(app, client, auth, event_id, signed_in):
    if not signed_in:
        auth.logout()
    seen = 0
    for rule in routes(app):
        path = fill(rule, event_id)
        for method in methods(rule):
            response = client.open(path, method=method)
            assert_secure_headers(response, f"{method} {path} ({response.status_code})")
            seen += 1
    assert seen > 30


def test_error_and_static_responses_send_the_headers(client):
    for path in ("/no/such/page", "/static/css/laurel.css", "/healthz", "/api/nothing"):
        assert_secure_headers(client.get(path), path)


def test_production_adds_hsts(app_config):
    from app import create_app

    app = create_app({**app_config, "PRODUCTION": True, "LAUREL_ENV": "production"})
    client = app.test_client()
    for path in ("/", "/auth/login", "/healthz", "/static/css/laurel.css"):
        assert_secure_headers(client.get(path), path, production=True)


def test_connect_src_allows_the_storage_endpoint_for_direct_uploads(client, app_config):
    csp = client.get("/").headers["Content-Security-Policy"]
    connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src"))
    assert app_config["S3_ENDPOINT_URL"].rstrip("/") in connect


def test_templates_hold_no_inline_script_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"<style\b|\sstyle\s*=", re.I)
    for template in TEMPLATES.rglob("*.html"):
        if template.is_relative_to(MESSAGES):
            continue  # email bodies: read by mail clients, which need inline styles; no CSP there
        text = template.read_text()
        for pattern in (inline_script, handler, style):
            found = pattern.search(text)
            assert found is None, f"{template.relative_to(TEMPLATES)}: {found.group(0)!r}"
