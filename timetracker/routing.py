"""Paths as clients write them: every API route answers the same with or without a trailing
slash, for every method; under the Teamwork face's prefix, doubled slashes
(``/teamwork//projects/1/time_entries.json``, from a base URL ending in a slash) count as one.

A redirect would not do: many clients drop the body of a redirected PATCH. So the slash is taken
off before routing (the Swagger UI, which lives under ``/api/v1/swagger/``, keeps its own).

And the app's URL rules (:class:`Rule`), whose URL builders are made when first used.
"""

from __future__ import annotations

import re

from werkzeug import routing

API_PREFIX = "/api/v1/"
_SLASHES = re.compile(r"/{2,}")
KEEPS_ITS_SLASH = ("/api/v1/swagger/",)


class OptionalTrailingSlash:
    """WSGI middleware: ``/api/v1/departments/`` is routed as ``/api/v1/departments``."""

    def __init__(self, app, teamwork_prefix: str = ""):
        self.app = app
        self.teamwork_prefix = teamwork_prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        routed = routed_path(path, self.teamwork_prefix)
        if routed != path:
            environ["PATH_INFO"] = routed
        return self.app(environ, start_response)


def routed_path(path: str, teamwork_prefix: str = "") -> str:
    """The path an API route is looked up by: without its trailing slash; under the Teamwork
    prefix, with runs of slashes made one."""
    if teamwork_prefix and "//" in path:
        single = _SLASHES.sub("/", path)
        if single.startswith(teamwork_prefix + "/"):
            return single
    if (
        path.startswith(API_PREFIX)
        and path.endswith("/")
        and len(path) > len(API_PREFIX)
        and not path.startswith(KEEPS_ITS_SLASH)
    ):
        return path.rstrip("/")
    return path


class Rule(routing.Rule):
    """werkzeug's URL rule, whose two URL builders (for ``url_for``) are compiled when first
    used rather than when the rule is added.

    Compiling them (Python code generated and compiled for each rule) is some two thirds of
    building an app once its document is built (:mod:`timetracker.docs`), and nearly every
    rule here is only matched, never built: a server does not miss the time, but a test
    process builds an app for every test.
    """

    def _compile_builder(self, append_unknown: bool = True):
        # werkzeug's private factory of a builder, which Rule.compile binds to the rule
        # (checked in tests/test_library_internals.py; the bound on werkzeug in pyproject.toml).
        compile_builder = super()._compile_builder
        compiled = None

        def build(rule, *args, **kwargs):
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(append_unknown).__get__(rule, None)
            return compiled(*args, **kwargs)

        return build
