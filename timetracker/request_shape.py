"""What every request must look like before a view reads it: a body where one is needed, in
the media type the view takes, and no query parameter the operation does not declare."""

from __future__ import annotations

from flask import current_app, request

from timetracker.errors import ApiError


def _operation():
    """The view class and the method function that will answer, or (None, None)."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    return view_class, getattr(view_class, request.method.lower(), None)


def require_json_body():
    """Every POST, PUT and PATCH carries a body, in JSON (or what the view declares in
    ``accepts``; a view with ``takes_no_body`` needs none): no body is 400, another media type
    415, before any parsing."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.routing_exception is not None:
        return  # no such route or method: the 404/405 says more than a 415 would
    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    view_class, _ = _operation()
    if getattr(view_class, "takes_no_body", False):
        return  # an action named by its path alone (stopping a timer): a body is ignored
    # A view taking another format (CSV) names it in ``accepts`` and judges its own body.
    accepts = getattr(view_class, "accepts", None)
    if not has_body:
        if accepts:
            return
        raise ApiError(
            400,
            "invalid_argument",
            "Mandatory field is not specified: this request needs a body",
            fields="body",
        )
    if not (request.mimetype in accepts if accepts else request.is_json):
        raise ApiError(
            415,
            "unsupported_media_type",
            "HTTP 415 Unsupported Media Type: send the body as "
            + " or ".join(accepts or ("application/json",)),
        )


def refuse_unclear_queries():
    """A query parameter the operation does not read, or one given twice, is a 400 (as webargs
    answers for the operations that declare query arguments): a misspelt or repeated filter
    must not silently return something else than asked."""
    if not request.args or request.routing_exception is not None or request.method == "OPTIONS":
        return
    view_class, method = _operation()
    if view_class is None or method is None:
        return  # not an API operation (the documentation pages)
    repeated = sorted(k for k, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise ApiError(
            400,
            "invalid_argument",
            f"Give each query parameter once: {', '.join(repeated)} came more than once "
            "(lists are comma-separated)",
            fields=", ".join(repeated),
        )
    # flask-smorest keeps what ``@blp.arguments`` declares in the view's private ``_apidoc``
    # (its own document is built from it) and offers no public way to ask: hence the upper bound
    # on flask-smorest in pyproject.toml, and tests/test_library_internals.py.
    declared = getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    if any(p.get("in") == "query" for p in declared):
        return  # the operation's own argument schema refuses unknown parameters
    unknown = ", ".join(sorted(request.args))
    raise ApiError(
        400,
        "invalid_argument",
        f"Cannot parse provided arguments: this operation takes no query parameters ({unknown})",
        fields=unknown,
    )
