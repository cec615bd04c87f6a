"""Batch: several API requests in one HTTP request.

Each sub-request is dispatched through the application exactly like a request of its own, with
the caller's credentials: authentication, the permission checks, validation and its own
transaction. They run one after another, and one failing does not undo the others. The rate
limit counts the batch by its size: one request per started 100 items.

A sub-request is marked in its WSGI environ, so a batch inside a batch is refused however its
path was spelt (``batch``, ``%62atch``, ``./batch``...): the mark travels with the request,
a string match on the path would not.
"""

from __future__ import annotations

import io
import json
import math
import posixpath
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, request
from flask.views import MethodView
from werkzeug.urls import iri_to_uri

from timetracker.api.common import Blueprint
from timetracker.errors import ApiError
from timetracker.ratelimit import PREPAID, charge
from timetracker.schemas.batch import (
    WITH_BODY,
    WITHOUT_BODY,
    BatchArgs,
    BatchItemSchema,
    BatchResultSchema,
)
from timetracker.services.events import BATCH_ID
from timetracker.store.db import finish_request_transaction

ITEMS_PER_REQUEST = 100  # what one request of the rate limit buys in a batch
IN_BATCH = "timetracker.batch_item"  # the WSGI environ mark of a sub-request

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
        return NESTED
    return None


NESTED = "A batch cannot contain another batch"


# What a batch item's environ takes from the batch request's: the credentials (each item is
# authenticated again: a password changed, an account disabled or a token revoked by an earlier
# item or another process refuses the items after it), where it was sent and from where (a host
# outside TRUSTED_HOSTS is refused, and ``url`` links name the caller's host).
_INHERITED_ENVIRON = (
    "HTTP_AUTHORIZATION",
    "SCRIPT_NAME",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "HTTP_HOST",
    "REMOTE_ADDR",
    "wsgi.version",
    "wsgi.url_scheme",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
)


def _wsgi_string(text: str) -> str:
    """A WSGI environ's string: the UTF-8 bytes, each as one Latin-1 character (PEP 3333)."""
    return text.encode().decode("latin-1")


def item_environ(parent: dict[str, Any], item: dict[str, Any], batch_id: str) -> dict[str, Any]:
    """The WSGI environ of one item, as werkzeug's ``EnvironBuilder`` would make it (the path
    percent-decoded and without a fragment, the body as JSON), built directly: a batch makes a
    thousand."""
    path, _, query = item["relativeUrl"].lstrip("/").partition("?")
    path = urlsplit("/api/v1/" + path).path
    # The standard library's encoder, as EnvironBuilder's: it writes the NaN or Infinity the
    # batch's own parser accepted, so the item's parser refuses them as a request's would (a
    # faster encoder would turn them into null).
    body = b"" if "body" not in item else json.dumps(item["body"]).encode()
    environ = {key: parent[key] for key in _INHERITED_ENVIRON if key in parent}
    environ.update(
        {
            "REQUEST_METHOD": item["method"],
            "PATH_INFO": _wsgi_string(unquote(iri_to_uri(path))),
            "QUERY_STRING": _wsgi_string(query),
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            PREPAID: True,
            IN_BATCH: True,
            BATCH_ID: batch_id,  # the event log says which batch a change came from
        }
    )
    if "body" in item:
        environ["CONTENT_TYPE"] = "application/json"
    return environ


def _dispatch(item: dict[str, Any], batch_id: str) -> tuple[int, Any]:
    """Run one item through the application, with the batch's credentials, from the batch's
    address and host; the batch paid for it toward the rate limit."""
    environ = item_environ(request.environ, item, batch_id)
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
            "content": {"application/json": {"schema": {"type": "array", "items": BatchItemSchema}}}
        }
    )
    def post(self, args, items):
        """Run several requests in one

        The body is an array of `{method, relativeUrl, body?, id?}` (at most 1000 by default;
        `/info` `limits.maxBatchSize` gives this server's limit); the answer is an array of
        `{status, body?, id?}` in the same order. Each item runs as a request of its own with
        your credentials and commits on its own: a failed item does not undo the others. Toward
        your rate limit the batch counts one request per started 100 items (a full batch of
        1000 counts 10), charged before anything runs.
        An item that cannot be sent (a GET with a body, a nested batch, a path leaving the API)
        gets status 400 without running.
        """
        if request.environ.get(IN_BATCH):
            raise ApiError(400, "invalid_argument", NESTED)
        limit = current_app.config["BATCH_MAX_SIZE"]
        if len(items) > limit:
            raise ApiError(
                400,
                "invalid_argument",
                f"A batch holds at most {limit} requests",
                fields="body",
            )
        # The batch request itself counted as one request; the rest of its price comes first.
        charge(max(math.ceil(len(items) / ITEMS_PER_REQUEST) - 1, 0))
        # Hold no transaction while the sub-requests run their own.
        finish_request_transaction(commit=True)
        show = args["includeResponseBody"]
        batch_id = uuid.uuid4().hex
        results = []
        for item in items:
            problem = _item_problem(item)
            if problem:
                status = 400
                body: Any = {"key": "api.error.invalid_argument", "message": problem}
            else:
                status, body = _dispatch(item, batch_id)
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
