"""Batch: several API requests in one HTTP request.

Each sub-request is dispatched through the application exactly like a request of its own, with
the caller's credentials: authentication, the permission checks and validation. They run one
after another, and one failing does not undo the others. On SQLite, items that write run in
groups sharing one transaction, each under a savepoint of its own, so a failed item undoes its
own changes alone and a group commits once (a commit per item costs more than a small item
itself); on PostgreSQL each item commits on its own (see ``_run_group``). The rate
limit counts the batch by its size: one request per started 100 items.

A sub-request is marked in its WSGI environ, so a batch inside a batch is refused however its
path was spelt (``batch``, ``%62atch``, ``./batch``...): the mark travels with the request,
a string match on the path would not.
"""

from __future__ import annotations

import io
import json
import logging
import math
import posixpath
import sqlite3
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from flask import Flask, Response, current_app, request
from flask.views import MethodView
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.urls import iri_to_uri

from timetracker.api.common import Blueprint
from timetracker.errors import ApiError
from timetracker.permissions import LOGINS, LoginMemo
from timetracker.ratelimit import PREPAID, charge
from timetracker.routing import routed_path
from timetracker.schemas.batch import (
    WITH_BODY,
    WITHOUT_BODY,
    BatchArgs,
    BatchItemSchema,
    BatchResultSchema,
)
from timetracker.services.events import BATCH_ID
from timetracker.store.db import (
    WRITE_METHODS,
    finish_request_transaction,
    get_engine,
    share_transaction,
)

log = logging.getLogger(__name__)

ITEMS_PER_REQUEST = 100  # what one request of the rate limit buys in a batch
IN_BATCH = "timetracker.batch_item"  # the WSGI environ mark of a sub-request
# On SQLite, items that write commit together in groups, each item under a savepoint of its
# own: at most this many, holding the write lock at most this long (checked between items).
GROUP_ITEMS = 100
GROUP_SECONDS = 0.1

blp = Blueprint(
    "batch",
    __name__,
    url_prefix="/api/v1",
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
# item or another process refuses the items after it; in a group of writes on SQLite, which no
# other process can change, a verified login stands for the next items until an item may have
# changed one: ``caller.LoginMemo``), where it was sent and from where (a host outside
# TRUSTED_HOSTS is refused, and ``url`` links name the caller's host).
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


def _body_bytes(value: Any) -> bytes:
    """An item's body as JSON: orjson writes it, several times faster than the standard
    library, which writes what orjson cannot (an integer beyond 64 bits, a lone surrogate). The
    batch's parser has refused NaN and Infinity (``json_provider.read_json``), which orjson
    would write as null."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value).encode()


def item_environ(
    parent: dict[str, Any], item: dict[str, Any], batch_id: str, logins: LoginMemo | None = None
) -> dict[str, Any]:
    """The WSGI environ of one item, as werkzeug's ``EnvironBuilder`` would make it (the path
    percent-decoded and without a fragment, the body as JSON), built directly: a batch makes a
    thousand."""
    path, _, query = item["relativeUrl"].lstrip("/").partition("?")
    path = "/api/v1/" + path
    if not (path.isascii() and path.isprintable()) or "%" in path or "#" in path:
        # A plain path (printable ASCII, no escape, no fragment) is its own WSGI path; any
        # other is made as EnvironBuilder would: the fragment cut, escapes decoded, UTF-8.
        path = _wsgi_string(unquote(iri_to_uri(urlsplit(path).path)))
    body = b"" if "body" not in item else _body_bytes(item["body"])
    environ = {key: parent[key] for key in _INHERITED_ENVIRON if key in parent}
    environ.update(
        {
            "REQUEST_METHOD": item["method"],
            # As the application's OptionalTrailingSlash would route it (see _respond).
            "PATH_INFO": routed_path(path),
            "QUERY_STRING": _wsgi_string(query),
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            PREPAID: True,
            IN_BATCH: True,
            BATCH_ID: batch_id,  # the event log says which batch a change came from
        }
    )
    if logins is not None:
        environ[LOGINS] = logins
    if "body" in item:
        environ["CONTENT_TYPE"] = "application/json"
    return environ


def _dispatch(
    item: dict[str, Any], batch_id: str, conn: Connection | None, logins: LoginMemo | None
) -> tuple[int, Any]:
    """Run one item through the application, with the batch's credentials, from the batch's
    address and host; the batch paid for it toward the rate limit. With ``conn``, inside its
    transaction under a savepoint of the item's own, its login verified once for the group
    (``logins``)."""
    app = current_app._get_current_object()
    environ = item_environ(request.environ, item, batch_id, logins)
    # A fresh application context: the sub-request gets its own ``g`` (caller, connection).
    with app.app_context():
        if conn is not None:
            share_transaction(conn)
        response = _respond(app, environ)
    try:
        status = response.status_code
        if 100 <= status < 200 or status in (204, 304):
            return status, None  # an answer without a body, as a server would send it
        value = getattr(response, "json_value", _NO_VALUE)
        if value is _NO_VALUE:  # not made by the JSON provider: its body says
            value = response.get_json(silent=True)
        return status, value
    finally:
        response.close()


_NO_VALUE = object()


def _respond(app: Flask, environ: dict[str, Any]) -> Response:
    """The response of ``app`` to ``environ``, handled as Flask's ``wsgi_app`` handles a
    request (its context, hooks, error handlers and teardown), without writing the response
    out as WSGI and reading it back. The WSGI middleware in front of ``wsgi_app`` is not run:
    the environ's path is already routed as OptionalTrailingSlash would (``item_environ``),
    and ProxyFix has nothing to do, as an item's environ carries the batch's address and host
    as ProxyFix left them and no forwarding headers."""
    ctx = app.request_context(environ)
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            return app.full_dispatch_request()
        except Exception as exc:
            error = exc
            return app.handle_exception(exc)
        except BaseException as exc:
            error = exc
            raise
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)


def _run_one(
    item: dict[str, Any],
    batch_id: str,
    conn: Connection | None = None,
    logins: LoginMemo | None = None,
) -> tuple[int, Any]:
    problem = _item_problem(item)
    if problem:
        return 400, {"key": "api.error.invalid_argument", "message": problem}
    return _dispatch(item, batch_id, conn, logins)


class _GroupLost(Exception):
    """SQLite rolled a group's transaction back by itself (a full disk, an I/O error)."""


def _run_group(items: list[dict[str, Any]], batch_id: str) -> list[tuple[int, Any]]:
    """Run items from the start of ``items`` and answer them: on SQLite, items that write run
    in one transaction, each under its own savepoint, until GROUP_ITEMS have run or
    GROUP_SECONDS have passed, and commit together. Should the group fail (its commit, its
    BEGIN, SQLite rolling it back), nothing of it stays, and its items run again one by one,
    each committing on its own and answering its own failure if it lasts."""
    engine = get_engine()
    group = items[:GROUP_ITEMS]
    if engine.dialect.name != "sqlite" or not any(i["method"] in WRITE_METHODS for i in group):
        # PostgreSQL: a request locks its rows first and the event log's ordering lock last; a
        # group would hold that lock from its first event on while its later items lock rows,
        # and deadlock with the requests around it. Reads alone gain nothing from sharing, and
        # a shared read on SQLite would keep seeing the database as it was when it began (a
        # write transaction holds the write lock: nothing changes under its reads).
        return [_run_one(item, batch_id) for item in group]
    answers: list[tuple[int, Any]] = []
    conn = engine.connect()
    try:
        conn.execution_options(write=True)
        # The group holds the write lock: only its items can change a login.
        logins = LoginMemo()
        logins.watching(conn)
        transaction = conn.begin()
        began = time.monotonic()
        driver = conn.connection.driver_connection
        for item in group:
            answers.append(_run_one(item, batch_id, conn, logins))
            if not driver.in_transaction:
                raise _GroupLost("the database rolled the transaction back")
            if time.monotonic() - began >= GROUP_SECONDS:
                break
        # A COMMIT that fails on SQLite has not committed: rolling back and running the items
        # again cannot make a change twice.
        transaction.commit()
        return answers
    except (SQLAlchemyError, sqlite3.Error, _GroupLost) as exc:
        log.warning("a batch's group of %d items failed: %s", len(answers), exc)
        # Whatever state it is in, the connection goes, and its transaction with it (closing
        # rolls back), so that the items' own transactions can take the lock.
        conn.invalidate()
    finally:
        conn.close()
    # At least one item, so that a batch whose groups cannot begin still moves on.
    return [_run_one(item, batch_id) for item in items[: max(len(answers), 1)]]


@blp.route("/batch")
class Batch(MethodView):
    # A POST that writes nothing itself: each item is judged as a request of its own, so a
    # read-only API token may send a batch, whose writing items it is refused one by one.
    writes_only_through_items = True

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
        your credentials, and a failed item changes nothing and does not undo the others (a
        read-only API token may send a batch: its writing items get 403
        `api.error.token_read_only`). Toward
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
        answers: list[tuple[int, Any]] = []
        while len(answers) < len(items):
            answers += _run_group(items[len(answers) :], batch_id)
        results = []
        for item, (status, body) in zip(items, answers, strict=True):
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
