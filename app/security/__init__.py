"""Hardening that every request goes through: security headers, refusal of
control characters in form and query values, and throttling kept in the database."""

from __future__ import annotations

from flask import Flask

from app.security import headers, inputs


def init_app(app: Flask) -> None:
    headers.init_app(app)
    inputs.init_app(app)
