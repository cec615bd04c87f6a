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

    # Parsing a rule's path into the parts its matching is made of (a regular expression per
    # segment, its weights, the converters' names) is most of what remains of adding it; the
    # result depends only on the path and on the converters the map knows, so each path is
    # parsed once per process and later rules of the same path (in the next app) take the
    # parts, the trace and new converters of their own. Through werkzeug's private
    # ``Rule._parse_rule``, whose side effects on ``_trace``, ``_converters`` and
    # ``arguments`` are replayed (checked in tests/test_library_internals.py).

    def _parse_rule(self, rule: str):
        key = (rule, *self.map.converters.items())
        parsed = _parsed_rules.get(key)
        if parsed is None:
            traced = len(self._trace)
            self._converter_calls = calls = []
            try:
                parts = list(super()._parse_rule(rule))
            finally:
                del self._converter_calls
            _parsed_rules[key] = (parts, self._trace[traced:], calls)
            return parts
        parts, trace, calls = parsed
        self._trace.extend(trace)
        for variable, converter, args, kwargs in calls:
            self._converters[variable] = self.get_converter(variable, converter, args, kwargs)
            self.arguments.add(variable)
        return parts

    def get_converter(self, variable_name, converter_name, args, kwargs):
        calls = getattr(self, "_converter_calls", None)
        if calls is not None:
            calls.append((variable_name, converter_name, args, kwargs))
        return super().get_converter(variable_name, converter_name, args, kwargs)


# Rule paths parsed in this process: (path, the map's converters) -> (parts, trace, the
# converters made, as get_converter's arguments).
_parsed_rules: dict[tuple, tuple[list, list, list]] = {}
