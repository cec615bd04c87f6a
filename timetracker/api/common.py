"""What every resource blueprint shares: the argument parser (400 on bad input), documented error
responses, the public-endpoint marker and the period actions (lock, approve, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import Request, request
from flask.views import MethodView
from marshmallow import RAISE, Schema
from marshmallow.utils import missing
from webargs.flaskparser import FlaskParser

from timetracker.access import current_caller
from timetracker.errors import invalid
from timetracker.json_provider import JsonLimitError, read_json
from timetracker.store.db import get_db

# Responses any authenticated operation can give, whatever it does.
AUTH_ERRORS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    429: "TOO_MANY_REQUESTS",
}
ERROR_RESPONSES = {
    **AUTH_ERRORS,
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class Parser(FlaskParser):
    """Bad arguments are a 400 in this API (the product's "Cannot parse provided arguments").

    Unknown query parameters are refused too: a misspelt filter (``taskIds`` for ``ids``) must
    not silently return everything.
    """

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

    def load_json(self, req: Request, schema: Schema) -> Any:
        """The JSON body, read within the limits of :func:`timetracker.json_provider.read_json`
        (nesting, numbers); missing when the request has none. A schema whose input carries
        request bodies of its own (a batch's items) names how deep they sit in
        ``json_depth_above_bodies``: its body may nest that much deeper, so that each of those
        bodies may nest as deep as a request's."""
        if not req.is_json:
            return missing
        data = req.get_data(cache=True)
        if not data:
            return missing
        try:
            return read_json(data, getattr(schema, "json_depth_above_bodies", 0))
        except JsonLimitError as exc:
            raise invalid(f"Cannot parse provided arguments: {exc}") from None
        except ValueError:  # not JSON, or not UTF-8
            raise invalid("Cannot parse provided arguments: Invalid JSON body.") from None


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def arguments(self, schema, *args, **kwargs):
        """As flask-smorest's, with a schema class instantiated once here: webargs would build
        a new instance for every request (a quarter of a millisecond for a larger schema)."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def register_views_in_doc(self, api, *args, **kwargs):
        """As flask-smorest's, unless ``api`` only routes the views (a serving app's
        :class:`timetracker.docs.Api`, which serves the document described once in the
        process, when first asked for)."""
        if getattr(api, "describes", True):
            super().register_views_in_doc(api, *args, **kwargs)

    def errors(self, *codes: int, public: bool = False) -> Callable:
        """Document the error responses of an operation.

        Authenticated operations always document 400 (bad auth scheme), 401, 403 and 429.
        """
        statuses = dict.fromkeys(codes)
        if not public:
            statuses.update(dict.fromkeys(AUTH_ERRORS))

        def decorator(func):
            for code in sorted(statuses, reverse=True):
                func = self.alt_response(code, response=ERROR_RESPONSES[code])(func)
            return func

        return decorator


def csv_body(example: str) -> dict:
    """The OpenAPI request body of an import: CSV text, with its template as the example."""
    return {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}, "example": example}},
    }


def import_body(max_length: int) -> bytes:
    """The body of an import request, which may be larger than a JSON body
    (``IMPORT_MAX_CONTENT_LENGTH``: 100,000 lines of time-track are some 5 MB); 413 beyond."""
    request.max_content_length = max_length
    return request.get_data()


def doc(text: str):
    """Set a view's docstring (its OpenAPI summary and description) from a built string."""

    def decorator(func):
        func.__doc__ = text
        return func

    return decorator


def public(view):
    """Mark a view (function or MethodView class) as reachable without authentication."""
    view.public = True
    return view


def is_public(view) -> bool:
    return bool(
        getattr(view, "public", False)
        or getattr(getattr(view, "view_class", None), "public", False)
    )


def period_action(
    blp: Blueprint, path: str, schema, result_schema, summary: str, act: Callable
) -> None:
    """A POST acting on users' time-track over a period (lock, unlock, approve, ...), at
    ``path`` ("/timetrack/lock"); its endpoint is named by the path's last segment ("Lock")."""

    class Action(MethodView):
        @blp.arguments(schema)
        @blp.response(200, result_schema)
        @blp.errors(404, 413, 415)
        @doc(summary)
        def post(self, body):
            return act(get_db(), current_caller(), body)

    blp.route(path, endpoint=path.rpartition("/")[2].capitalize())(Action)
