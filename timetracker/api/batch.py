"""Batch: several API requests in one HTTP request.

Each sub-request is dispatched through the application exactly like a request of its own, with
the caller's credentials: authentication, the rate limit (every sub-request counts), the
permission checks, validation and its own transaction. They run one after another, and one
failing does not undo the others.
"""

from __future__ import annotations

import posixpath
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from werkzeug.test import EnvironBuilder

from timetracker.api.common import Blueprint
from timetracker.errors import ApiError
from timetracker.ratelimit import PREPAID
from timetracker.schemas.batch import (
    WITH_BODY,
    WITHOUT_BODY,
    BatchArgs,
    BatchItemSchema,
    BatchResultSchema,
)
from timetracker.store.db import finish_request_transaction

MAX_BATCH_SIZE = 100

blp = Blueprint(
    "batch",
    __name__,
    url_prefix="/api/v1/batch",
    description="Several requests in one: each runs as a request of its own, in order.",
)


def _item_problem(item: dict[str, Any]) -> str | None:
    """Why an item cannot be sent, or None."""
    method, has_body = item["method"], "body" in item
    if method in WITH_BODY and not has_body:
        return f"{method} needs a body"
    if method in WITHOUT_BODY and has_body:
        return f"{method} takes no body"
    path = item["relativeUrl"].lstrip("/").split("?", 1)[0]
    normal = posixpath.normpath(path) if path else ""
    if not path or normal != path.rstrip("/") or normal.startswith(".."):
        return "relativeUrl must be a plain path under /api/v1/"
    if normal.split("/", 1)[0] == "batch":
        return "A batch cannot contain another batch"
    return None


def _dispatch(item: dict[str, Any], prepaid: bool) -> tuple[int, Any]:
    """Run one item through the application, with the caller's credentials, address and host
    (a host outside TRUSTED_HOSTS is refused, and ``url`` links name the caller's host).

    ``prepaid``: the batch request itself counted toward the rate limit for this item."""
    path, _, query = item["relativeUrl"].lstrip("/").partition("?")
    builder = EnvironBuilder(
        path="/api/v1/" + path,
        base_url=request.host_url,
        query_string=query,
        method=item["method"],
        headers={"Authorization": request.headers.get("Authorization", "")},
        environ_base={"REMOTE_ADDR": request.remote_addr or ""},
        **({"json": item["body"]} if "body" in item else {}),
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ[PREPAID] = prepaid
    # A fresh application context: the sub-request gets its own ``g`` (caller, connection).
    with current_app.app_context():
        response = current_app.response_class.from_app(current_app.wsgi_app, environ)
    return response.status_code, response.get_json(silent=True)


@blp.route("")
class Batch(MethodView):
    @blp.arguments(BatchArgs, location="query")
    @blp.arguments(BatchItemSchema(many=True))
    @blp.response(200, BatchResultSchema(many=True))
    @blp.errors(413, 415)
    @blp.doc(
        requestBody={
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "maxItems": MAX_BATCH_SIZE,
                        "items": BatchItemSchema,
                    }
                }
            }
        }
    )
    def post(self, args, items):
        """Run several requests in one

        The body is an array of `{method, relativeUrl, body?, id?}` (at most 100, also given
        by `/info` `limits.maxBatchSize`); the answer is an array of `{status, body?, id?}` in
        the same order. Each item runs as a request of its own with your credentials, counts
        toward your rate limit (a batch costs as many requests as it has items, at least one)
        and commits on its own: a failed item does not undo the others.
        An item that cannot be sent (a GET with a body, a nested batch, a path leaving the API)
        gets status 400 without running.
        """
        if len(items) > MAX_BATCH_SIZE:
            raise ApiError(
                400,
                "invalid_argument",
                f"A batch holds at most {MAX_BATCH_SIZE} requests",
                fields="body",
            )
        # Hold no transaction while the sub-requests run their own.
        finish_request_transaction(commit=True)
        show = args["includeResponseBody"]
        results, dispatched = [], 0
        for item in items:
            problem = _item_problem(item)
            if problem:
                status = 400
                body: Any = {"key": "api.error.invalid_argument", "message": problem}
            else:
                status, body = _dispatch(item, prepaid=dispatched == 0)
                dispatched += 1
            result: dict[str, Any] = {"status": status}
            if "id" in item:
                result["id"] = item["id"]
            if body is not None and (
                show == "always" or (show == "get" and item["method"] == "GET")
            ):
                result["body"] = body
            results.append(result)
        return results


blueprints = [blp]
