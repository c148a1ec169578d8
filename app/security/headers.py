"""Security headers, set on every response in this one place.

The Content-Security-Policy allows scripts, styles, fonts and images from the
app's own origin only (templates hold no inline script or style), plus the object
storage origin in two places: `connect-src`, where the designer posts backgrounds
directly, and `img-src`, because a certificate's image on the verify page redirects
to a signed storage link and a browser checks the redirect's target too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response

HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def storage_origins(config: Mapping[str, Any]) -> list[str]:
    """Origins a browser posts direct uploads to (S3 presigned POST) and loads signed
    links from."""
    if not str(config.get("STORAGE_URL") or "").startswith("s3://"):
        return []
    endpoint = config.get("S3_ENDPOINT_URL")
    if not endpoint:
        return ["https://*.amazonaws.com"]
    parts = urlsplit(str(endpoint))
    if not parts.scheme or not parts.netloc:
        return []
    origin = f"{parts.scheme}://{parts.netloc}"
    # Virtual-hosted addressing puts the bucket in front of the endpoint's host.
    return [origin, f"{parts.scheme}://*.{parts.netloc}"]


def content_security_policy(config: Mapping[str, Any]) -> str:
    storage = storage_origins(config)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *storage],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *storage],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(config: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(config),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if config.get("PRODUCTION"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


def init_app(app: Flask) -> None:
    headers = [(name.lower(), name, value) for name, value in security_headers(app.config).items()]

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        # A header a view set itself stays. One pass over the response's headers
        # instead of `setdefault`'s three per name: this runs on every answer.
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend(
            [(name, value) for low, name, value in headers if low not in present]
        )
        return response
