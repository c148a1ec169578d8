"""The event checker (placeholder until its package lands)."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
