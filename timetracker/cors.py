"""Cross-origin requests from browser scripts (CORS), for the origins in
``TIMETRACKER_CORS_ORIGINS``; with none configured the server sends no CORS headers at all.

A browser asks first with a preflight ``OPTIONS`` that carries no credentials: it is answered
without authentication, and counts toward neither the login ban nor the rate limit (see
:func:`timetracker.auth.authenticate`). Every answer under ``/api/``, errors included, carries
the headers, so a script can read a 401 or a 429 and the throttle's headers.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

# What a script sends beyond the always-allowed headers, and what it may read of the answer.
ALLOWED_HEADERS = ("Authorization", "Content-Type")
EXPOSED_HEADERS = ("X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Retry-After", "X-Request-Id")


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    CORS(
        app,
        resources={r"/api/*": {}},
        origins="*" if origins == ["*"] else origins,
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        # Credentials travel in the Authorization header a script sets, never as cookies.
        supports_credentials=False,
    )
