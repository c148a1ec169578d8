"""Flask's signed-cookie session, opened without work when there is no cookie.

Flask builds the cookie's signing serializer (key derivation included) for
every request before it looks for the cookie. Most requests to a public page
carry none; they get an empty session straight away, and the serializer is
built only to read a cookie or to write one.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
