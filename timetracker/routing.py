"""Paths as clients write them: every API route answers the same with or without a trailing
slash, for every method.

A redirect would not do: many clients drop the body of a redirected PATCH. So the slash is taken
off before routing (the Swagger UI, which lives under ``/api/v1/swagger/``, keeps its own).
"""

from __future__ import annotations

API_PREFIX = "/api/v1/"
KEEPS_ITS_SLASH = ("/api/v1/swagger/",)


class OptionalTrailingSlash:
    """WSGI middleware: ``/api/v1/departments/`` is routed as ``/api/v1/departments``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        routed = routed_path(path)
        if routed != path:
            environ["PATH_INFO"] = routed
        return self.app(environ, start_response)


def routed_path(path: str) -> str:
    """The path an API route is looked up by: without its trailing slash."""
    if (
        path.startswith(API_PREFIX)
        and path.endswith("/")
        and len(path) > len(API_PREFIX)
        and not path.startswith(KEEPS_ITS_SLASH)
    ):
        return path.rstrip("/")
    return path
