"""Engine creation and the per-request connection.

One request is one transaction: the first call to :func:`get_db` opens a connection and begins a
transaction; the app commits it after a successful response and rolls it back otherwise, so a
failed request never leaves half a change behind. A read (GET, HEAD, OPTIONS) on PostgreSQL at
READ COMMITTED is the exception: it runs without a transaction, which saves BEGIN and COMMIT (two
round trips of its six) and changes nothing it sees, and gets one if it asks to write. A batch's
items on SQLite share one transaction instead, each under a savepoint of its own
(:func:`share_transaction`).

SQLite needs care to be a good concurrent citizen: every connection gets ``foreign_keys=ON``, WAL
and a busy timeout, and a write request begins with ``BEGIN IMMEDIATE``. A deferred transaction
that reads first and writes later cannot wait for a busy writer (SQLite answers "database is
locked" at once to avoid a deadlock); taking the write lock up front lets it queue instead.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from flask import current_app, g, request
from sqlalchemy import Connection, Engine, Executable, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError

from timetracker.errors import ApiError, error_response
from timetracker.store.prepared import WATCH, Prepared

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
# SQLite's page cache, in KiB: its default, and what one large transaction (an import) gets.
CACHE_KIB, LARGE_CACHE_KIB = 2_000, 128_000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def normalize_url(url_or_path: str) -> str:
    """Accept a plain file path or any SQLAlchemy URL; PostgreSQL goes through psycopg 3."""
    if "://" not in url_or_path:
        path = Path(url_or_path).expanduser()
        return f"sqlite:///{path}"
    if url_or_path.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url_or_path.split("://", 1)[1]
    return url_or_path


def backend(url_or_path: str) -> str | None:
    """The kind of database a path or URL names (``sqlite``, ``postgresql``, ...), or None when
    it is not a URL at all."""
    try:
        return make_url(normalize_url(url_or_path)).get_backend_name()
    except ArgumentError:
        return None


def location(url_or_path: str) -> str:
    """Where the database is, to tell a person: a SQLite file's absolute path, otherwise the URL
    without its password."""
    url = make_url(normalize_url(url_or_path))
    if url.get_backend_name() != "sqlite":
        return url.render_as_string(hide_password=True)
    database = url.database or ""
    if not database or database == ":memory:":
        return "in memory (SQLite)"
    return str(Path(database).expanduser().resolve())


def json_text(value: Any) -> str:
    """A JSON column's text, by orjson (every change writes an event's data and changes); what
    orjson cannot write (an integer beyond 64 bits, a lone surrogate) by the standard library's
    encoder."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def _watched(engine: Engine) -> Engine:
    """The statements SQLAlchemy runs on a connection with the ``WATCH`` execution option are
    shown to its function (``Prepared`` shows its own)."""

    @event.listens_for(engine, "before_execute")
    def _show(conn, statement, multiparams, params, execution_options):
        watch = execution_options.get(WATCH)
        if watch is not None:
            watch(statement)

    return engine


# A pooled connection idle for longer than this is tried before it is handed out.
PING_AFTER_IDLE_S = 1.0


def _pinged_when_idle(engine: Engine) -> Engine:
    """Try a pooled connection before handing it out only when it has been idle for
    PING_AFTER_IDLE_S: a database restart or a dropped connection shows there, and the pool
    connects again; a connection given back a moment ago saves the round trip (one of a small
    read's four). A connection that dies within that moment fails its request with 503, as
    any statement that loses its database does, and the pool starts afresh."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the connection did not answer")

    return engine


def make_engine(url_or_path: str, pool_size: int = 8) -> Engine:
    url = make_url(normalize_url(url_or_path))
    if url.get_backend_name() != "sqlite":
        return _pinged_when_idle(
            _watched(
                create_engine(
                    url,
                    pool_size=pool_size,
                    max_overflow=8,
                    json_serializer=json_text,
                )
            )
        )

    database = url.database or ""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=8,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        json_serializer=json_text,
    )
    _watched(engine)

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection, _record):
        # Take over transaction control from pysqlite so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _default_cache(dbapi_connection, record):
        # (No connection when it was invalidated: a new one starts with the default.)
        if record.info.pop("large_cache", False) and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection):
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        # On the driver: every request begins a transaction, and SQLAlchemy's execution
        # around a statement with no result costs more than the statement.
        try:
            conn.connection.driver_connection.execute(f"BEGIN {mode}")
        except sqlite3.Error as exc:  # SQLite still locked after the busy timeout
            raise DBAPIError.instance(f"BEGIN {mode}", (), exc, sqlite3.Error) from exc

    return engine


def large_cache(conn: Connection) -> None:
    """Let one large write transaction (an import) keep its pages in memory until it commits.

    With SQLite's default cache of 2 MB, the pages of 100,000 new records spill to the
    write-ahead log while the transaction runs, and are read back and written again as it goes
    on. The connection gets its default cache back when it returns to the pool, so no
    connection keeps more memory than it needs for long.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{LARGE_CACHE_KIB}")
        conn.info["large_cache"] = True


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction outside any request (start-up, the command line): on SQLite it takes
    the write lock up front, so it queues behind other writers instead of failing."""
    with engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            yield conn


# Rows a streamed read fetches at a time: the server-side cursor's batch on PostgreSQL, and the
# rows held in memory between two chunks of the answer.
STREAM_BATCH = 1000


def stream_rows(
    engine: Engine, statement: Executable, batch: int = STREAM_BATCH
) -> Iterator[Sequence[tuple]]:
    """The rows of ``statement`` in batches of up to ``batch``, read through a connection of
    their own (a server-side cursor on PostgreSQL; SQLite's cursor steps through the table
    lazily anyway), so memory holds one batch however many rows there are.

    A generator for a streamed answer: the request's own connection is committed and closed
    before the body is sent, so this one is opened at the first ``next()`` and closed when the
    generator ends or is closed (a client that hangs up). It only reads; its transaction is
    rolled back.
    """
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(statement)
        try:
            yield from result.partitions()
        finally:
            result.close()


def get_engine() -> Engine:
    return current_app.extensions["timetracker"]["engine"]


def get_db(write: bool | None = None) -> Connection:
    """The connection of the current request, inside its transaction.

    ``write`` defaults to whether the HTTP method changes data. A request that began on a read
    (authentication always does, and so does slow preparation such as hashing passwords) and
    then asks to write gets its write transaction then: on SQLite the read transaction is
    committed and ``BEGIN IMMEDIATE`` takes the write lock, so a slow or failing check never
    holds it. (PostgreSQL needs no such switch: its writers lock rows, not the database.)
    """
    if write is None:
        write = request.method in WRITE_METHODS
    context = g._get_current_object()
    conn = context.get("db")
    if conn is None:
        conn = get_engine().connect()
        if write:
            conn = conn.execution_options(write=True)
        elif (
            request.method not in WRITE_METHODS
            and conn.dialect.name == "postgresql"
            and conn.default_isolation_level == "READ COMMITTED"
        ):
            # A read on PostgreSQL runs without a transaction: under READ COMMITTED (the
            # database's default) each statement sees a snapshot of its own either way, so
            # BEGIN and COMMIT would be two round trips that change nothing.
            conn.execution_options(isolation_level="AUTOCOMMIT")
            context.db = conn
            return conn
        conn.begin()
        context.db = conn
    elif write and not conn.get_execution_options().get("write"):
        if conn.dialect.name == "sqlite" and conn.in_transaction():
            conn.commit()  # the read; then BEGIN IMMEDIATE
            conn.execution_options(write=True)
            conn.begin()
        elif conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            # A read that asks to write after all: its writes get a transaction.
            if conn.in_transaction():
                conn.commit()
            conn.execution_options(write=True, isolation_level=conn.default_isolation_level)
            conn.begin()
        else:
            conn.execution_options(write=True)
    return conn


def ping() -> None:
    """Raise unless the database answers."""
    get_db(write=False).exec_driver_sql("SELECT 1")


def finish_request_transaction(commit: bool) -> None:
    """Commit or roll back the request's transaction and give the connection back; in a shared
    transaction (:func:`share_transaction`), release or roll back the request's savepoint."""
    conn = g.pop("db", None)
    if conn is None:
        return
    savepoint = g.pop("db_savepoint", None)
    if savepoint is not None:
        savepoint.end(commit)
        return
    try:
        if conn.in_transaction():
            if commit:
                conn.commit()
            else:
                conn.rollback()
    except DBAPIError:
        # Whatever state the failure left the driver in, the connection goes, and its
        # transaction with it: the pool must not hand it to the next request.
        conn.invalidate()
        raise
    finally:
        conn.close()


# A savepoint's statements, on the driver: through SQLAlchemy's execution, the three cost more
# than a small request's own.
_SAVEPOINT = Prepared(text("SAVEPOINT request"))
_ROLLBACK_TO = Prepared(text("ROLLBACK TO SAVEPOINT request"))
_RELEASE = Prepared(text("RELEASE SAVEPOINT request"))


class Savepoint:
    """A savepoint in ``conn``'s transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        _SAVEPOINT.execute(conn, {})

    def end(self, keep: bool) -> None:
        """Keep the changes made since it was set, or undo them; either way it is gone."""
        if not keep:
            _ROLLBACK_TO.execute(self.conn, {})
        _RELEASE.execute(self.conn, {})


def share_transaction(conn: Connection) -> None:
    """Let the request of the current (fresh) application context run inside ``conn``'s
    transaction, under a savepoint of its own: its commit releases the savepoint, its rollback
    undoes its changes alone, and the connection stays open for the next one (a batch's items)."""
    context = g._get_current_object()
    context.db = conn
    context.db_savepoint = Savepoint(conn)


# SQLSTATEs of a transaction the database gave up on because of a concurrent one: retrying wins.
RETRYABLE = {"40001", "40P01"}  # serialization failure, deadlock detected


def commit_failure(exc: DBAPIError) -> ApiError:
    """What the client hears when its transaction could not commit: never success."""
    if getattr(exc.orig, "sqlstate", None) in RETRYABLE:
        return ApiError(
            409,
            "write_conflict",
            "A concurrent change got in the way; nothing was saved, send the request again",
            headers={"Retry-After": "0"},
        )
    return ApiError(
        503,
        "database_unavailable",
        "The database could not save the change; nothing was saved, try again later",
        headers={"Retry-After": "1"},
    )


def commit_request(response):
    """After the view: commit the request's transaction after a successful response, roll back
    otherwise.

    The commit runs after the view, so its failure (a serialization failure on PostgreSQL, a
    full disk) replaces the answer: 409 to retry, or 503, in the error shape."""
    try:
        finish_request_transaction(commit=response.status_code < 400)
    except DBAPIError as exc:
        log.warning("commit failed: %s", exc)
        return error_response(commit_failure(exc))
    return response


def roll_back_request(_exc) -> None:
    """At the request's end, whatever happened: what is still open is rolled back."""
    finish_request_transaction(commit=False)


def init_app(app) -> None:
    """The answer when the database gives up on a statement; :mod:`timetracker.pipeline`
    registers :func:`commit_request` and :func:`roll_back_request`."""

    # The database gave up on a statement (SQLite still locked after the busy timeout, a
    # serialization failure or deadlock on PostgreSQL): nothing was saved; say so, not 500.
    @app.errorhandler(OperationalError)
    def _database_gave_up(exc: OperationalError):
        log.warning("database operation failed: %s", exc)
        return error_response(commit_failure(exc))
