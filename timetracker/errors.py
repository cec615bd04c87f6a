"""The one error shape: ``{"key": "api.error.<snake_case>", "message": "...", "fields": "...",
"requestId": "..."}`` (on the Teamwork face, also ``"STATUS": "Error"`` and ``"MESSAGE"``, the
message again, which its clients read).

``requestId`` is the request's ``X-Request-Id`` (``access_log``): a client reporting a failure
quotes it, and the log line with the same id is found in every process's log.

Every failure, whether raised by a view (:class:`ApiError`), by werkzeug (404 for unknown paths,
405, 413, 415), by argument validation or by a bug (500), leaves through :func:`error_response`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, current_app, g, has_request_context, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, SecurityError

from timetracker.access_log import request_id

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An expected failure with an HTTP status, a stable key and a human message."""

    def __init__(
        self,
        status: int,
        key: str,
        message: str,
        fields: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.key = key if key.startswith("api.error.") else f"api.error.{key}"
        self.message = message
        self.fields = fields
        self.headers = headers or {}


class KeyedMessage(str):
    """A validation message that names the key of its answer, for a refusal more telling than
    ``invalid_argument`` (``invalid_name``). marshmallow and webargs keep a message as it is
    raised; :func:`validation_error` looks for a key in them."""

    key: str

    def __new__(cls, text: str, key: str) -> KeyedMessage:
        message = super().__new__(cls, text)
        message.key = key
        return message


def not_found(kind: str, object_id: Any) -> ApiError:
    return ApiError(404, "object_not_found", f"{kind} with id {object_id} does not exist")


def object_not_found(message: str, field: str) -> ApiError:
    """An id named in a request body (``field``) that does not exist."""
    return ApiError(404, "object_not_found", message, fields=field)


def access_denied(message: str = "You do not have access to this object") -> ApiError:
    return ApiError(403, "access_denied", message)


def already_exists(kind: str, key: str, field: str = "name") -> ApiError:
    return ApiError(400, key, f"{kind} with specified {field} already exists", fields=field)


def invalid(message: str, fields: str | None = None) -> ApiError:
    return ApiError(400, "invalid_argument", message, fields=fields)


def invalid_date_range(message: str, fields: str) -> ApiError:
    """Dates that parse but do not fit together (an end before its start, a span too long)."""
    return ApiError(400, "invalid_date_range", message, fields=fields)


# Keys for the statuses werkzeug raises on its own; the others are derived from the status name.
_HTTP_KEYS = {
    400: "invalid_argument",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
}


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def error_response(error: ApiError):
    body: dict[str, Any] = {"key": error.key, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    if has_request_context():
        body["requestId"] = request_id()
        g.error_key = error.key  # the metrics count throttled and banned requests by it
        if on_teamwork_face():
            body["STATUS"] = "Error"
            body["MESSAGE"] = error.message
    response = jsonify(body)
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def on_teamwork_face() -> bool:
    """Whether the request's path is under the Teamwork face's prefix: its clients read an
    error from ``STATUS`` and ``MESSAGE``, which its errors carry beside the usual members."""
    prefix = current_app.config.get("TEAMWORK_PREFIX")
    path = request.path
    return bool(prefix) and (path == prefix or path.startswith(prefix + "/"))


def flatten_messages(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested ``{field: [msg]}`` into ``[(dotted.field, msg)]``."""
    if isinstance(messages, dict):
        pairs: list[tuple[str, str]] = []
        for name, inner in messages.items():
            # List positions (ints) add nothing useful to a field name.
            label = prefix if isinstance(name, int) else f"{prefix}.{name}" if prefix else name
            pairs.extend(flatten_messages(inner, label))
        return pairs
    if isinstance(messages, list | tuple):
        pairs = []
        for item in messages:
            pairs.extend(flatten_messages(item, prefix))
        return pairs
    return [(prefix, messages if isinstance(messages, str) else str(messages))]


def validation_error(messages: Any) -> ApiError:
    """A 400 that names every offending field, from webargs/marshmallow messages; its key is
    that of the first :class:`KeyedMessage` among them, else ``invalid_argument``."""
    # webargs nests messages under the location ("json", "query", ...); that level is noise.
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "path", "form", "headers"}:
        flat: dict[str, Any] = {}
        for per_location in messages.values():
            if isinstance(per_location, dict):
                flat.update(per_location)
            else:  # a message about the whole body, e.g. "Invalid JSON body."
                flat.setdefault("_schema", []).extend(per_location)
        messages = flat
    pairs = flatten_messages(messages)
    if not pairs:
        return invalid("Cannot parse provided arguments")
    names = list(dict.fromkeys(name for name, _ in pairs if name and name != "_schema"))
    detail = "; ".join(
        f"{name}: {msg}" if name and name != "_schema" else msg for name, msg in pairs
    )
    key = next((m.key for _, m in pairs if isinstance(m, KeyedMessage)), "invalid_argument")
    return ApiError(
        400, key, f"Cannot parse provided arguments: {detail}", ", ".join(names) or None
    )


def http_exception_to_api_error(exc: HTTPException) -> ApiError:
    if isinstance(exc, SecurityError):  # werkzeug's only one: a Host not in TRUSTED_HOSTS
        return ApiError(
            400,
            "untrusted_host",
            "The Host header names a host this server does not answer to "
            "(see TIMETRACKER_TRUSTED_HOSTS)",
        )
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if status in (400, 422) and ("messages" in data or "errors" in data):
        error = validation_error(data.get("messages") or data.get("errors"))
        error.headers.update(data.get("headers") or {})
        return error
    key = _HTTP_KEYS.get(status) or _snake(exc.name or "error")
    if status == 404:
        message = "HTTP 404 Not Found: no such endpoint"
    elif status == 413:
        message = "Request body is too large"
    elif status == 415:
        message = "HTTP 415 Unsupported Media Type: send the body as application/json"
    elif status >= 500:
        message = "Internal server error"
    else:
        message = data.get("message") or exc.description or exc.name
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return ApiError(400 if status == 422 else status, key, message, headers=headers)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    def handle_http_exception(exc: HTTPException):
        return error_response(http_exception_to_api_error(exc))

    def handle_unexpected(exc: Exception):
        # Never leak a stack trace to the client; the log keeps it.
        log.exception("Unhandled error")
        return error_response(ApiError(500, "internal_error", "Internal server error"))

    def handle_integrity_error(exc: IntegrityError):
        # The checks before each write make this a race between two concurrent requests.
        log.warning("Constraint violation: %s", exc.orig)
        return error_response(
            ApiError(
                400,
                "constraint_violation",
                "The change conflicts with data written at the same moment; reload and retry",
            )
        )

    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
