"""The hottest statements, run straight on the database driver.

Every authenticated request looks its caller up, and most reads of one object fetch it by id:
two small statements whose own work in the database takes a few microseconds, while
SQLAlchemy's execution around each (an execution context, its events, a result object, row
mappings) costs several times that. A :class:`Prepared` statement is compiled by SQLAlchemy
once per dialect and then run on the request's own driver connection, inside the request's
transaction, with SQLAlchemy's own conversions of its parameters and results (a SQLite date
string becomes a ``date`` as it would through the engine). The statements of a change of time
(its checks, its write and its event) are prepared too: a batch runs a thousand of them.
Statements whose shape depends on their values (IN lists, optional filters) go through
SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, Connection, Executable, Label, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

# An execution option, ``conn.execution_options(**{WATCH: fn})``: ``fn`` is called with each
# statement the connection runs, before it runs: a prepared statement's SQL text, or the
# statement given to SQLAlchemy (``db.make_engine`` passes those on). Cheaper than a cursor
# event, which SQLAlchemy would call for every statement of every connection.
WATCH = "timetracker.watch"


@dataclass
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # the parameters' order for a positional paramstyle
    defaults: dict[str, Any]  # the values of the statement's own parameters (literals)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters needing conversion
    names: tuple[str, ...]
    types: tuple[TypeEngine, ...]
    # The columns' conversions, known at the first run: some depend on the type the driver
    # reports (PostgreSQL's numerics).
    results: tuple[Callable[[Any], Any] | None, ...] | None = None

    def convert(self, dialect: Dialect, description) -> tuple[Callable[[Any], Any] | None, ...]:
        if self.results is None:
            self.results = tuple(
                type_.dialect_impl(dialect).result_processor(dialect, column[1])
                for type_, column in zip(self.types, description, strict=True)
            )
        return self.results


def _named_columns(statement: Executable) -> tuple[ColumnElement, ...]:
    """The columns ``statement`` returns (none for a statement without rows), each a table's
    column or a labelled expression, their names unique: the keys of SQLAlchemy's own row
    mapping are then their names. (An unlabelled expression or a repeated name would get a
    label made up at compile time.)"""
    columns = tuple(getattr(statement, "exported_columns", ()))
    for column in columns:
        if not isinstance(column, ColumnClause | Label):
            raise ValueError(f"label each expression of a prepared statement: {column}")
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"a prepared statement names each column once: {names}")
    return columns


class Prepared:
    def __init__(self, statement: Executable):
        self.statement = statement
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, dialect: Dialect) -> _Compiled:
        # The compiled statement's ``binds``, ``positiontup``, ``post_compile_params`` and
        # ``literal_execute_params`` are attributes of SQLAlchemy's compiler (its "Core
        # internals" documentation), read once per statement and dialect.
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            # (an IN list, a value SQLAlchemy writes into the SQL when it runs)
            raise ValueError("a prepared statement takes plain parameters only")
        binds, defaults = [], {}
        for name, bind in compiled.binds.items():
            if not bind.required:
                defaults[name] = bind.effective_value
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        columns = _named_columns(self.statement)
        return _Compiled(
            sql=str(compiled),
            positional=tuple(compiled.positiontup) if compiled.positional else None,
            defaults=defaults,
            binds=tuple(binds),
            names=tuple(column.name for column in columns),
            types=tuple(column.type for column in columns),
        )

    def compiled(self, dialect: Dialect) -> _Compiled:
        # The SQL, its parameter style and conversions belong to the database and its driver.
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key)
                if found is None:
                    found = self._compiled[key] = self._compile(dialect)
        return found

    def _run(self, conn: Connection, params: Mapping[str, Any], fetch: bool):
        """Run on ``conn``'s driver connection, in its transaction (begun here if none is):
        the compiled statement, its raw rows (``fetch``) or the count of rows it changed."""
        dialect = conn.dialect
        compiled = self.compiled(dialect)
        if compiled.defaults or compiled.binds:
            params = {**compiled.defaults, **params}
            for name, process in compiled.binds:
                params[name] = process(params[name])
        arguments: Any = (
            params
            if compiled.positional is None
            else tuple(params[name] for name in compiled.positional)
        )
        if not conn.in_transaction():
            conn.begin()
        watch = conn.get_execution_options().get(WATCH)
        if watch is not None:
            watch(compiled.sql)
        dbapi = dialect.loaded_dbapi
        cursor = conn.connection.driver_connection.cursor()
        # The engine's cursor events see these statements too (a test counting statements).
        # Their listeners are called through the connection's ``dispatch``, SQLAlchemy's event
        # machinery rather than its documented API (which only registers listeners): hence,
        # with the compiler's attributes read in ``_compile``, the upper bound on SQLAlchemy in
        # pyproject.toml, and tests/test_library_internals.py.
        before, after = conn.dispatch.before_cursor_execute, conn.dispatch.after_cursor_execute
        try:
            if before:
                before(conn, cursor, compiled.sql, arguments, None, False)
            cursor.execute(compiled.sql, arguments)
            if after:
                after(conn, cursor, compiled.sql, arguments, None, False)
            if not fetch:
                return compiled, cursor.rowcount, None
            fetched = cursor.fetchall()
            return compiled, fetched, compiled.convert(dialect, cursor.description)
        except dbapi.Error as exc:  # as SQLAlchemy would raise it (OperationalError, ...)
            raise DBAPIError.instance(compiled.sql, arguments, exc, dbapi.Error) from exc
        finally:
            cursor.close()

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows of the statement with ``params``, as dicts keyed by column name."""
        compiled, fetched, results = self._run(conn, params, fetch=True)
        names = compiled.names
        if not any(results):
            return [dict(zip(names, row, strict=True)) for row in fetched]
        return [
            {
                name: value if process is None else process(value)
                for name, value, process in zip(names, row, results, strict=True)
            }
            for row in fetched
        ]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE (without RETURNING); the count of rows it changed."""
        return self._run(conn, params, fetch=False)[1]


def insert_tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT many rows of ``table``, each a tuple of the values of ``columns``, on the driver
    (:func:`insert_rows`), each value converted as SQLAlchemy converts its column's (a date on
    SQLite). For an import's hundred thousand rows: SQLAlchemy's own executemany builds,
    converts and checks a dict of parameters per row, which costs more than the insert."""
    dialect = conn.dialect
    converted = [
        (index, process)
        for index, name in enumerate(columns)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    if converted:
        values = []
        for row in rows:
            row = list(row)
            for index, process in converted:
                row[index] = process(row[index])
            values.append(tuple(row))  # (SQLAlchemy takes many rows as tuples or dicts)
    else:
        values = [tuple(row) for row in rows]
    insert_rows(conn, table.name, columns, values)


# Rows a statement of insert_rows carries on SQLite (within the library's limit of bound
# parameters: 32,766 since SQLite 3.32, 999 before). The driver keeps each statement it ran
# compiled (a statement of 250 rows of 13 values: about a third of a megabyte) until a hundred
# and twenty-eight others came after it: so a few, always the same, of a moderate size.
SQLITE_ROWS_PER_INSERT = 250


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``values`` (tuples of the driver's values of ``columns``) into ``table``: on
    PostgreSQL in one ``executemany``; on SQLite in one ``executemany`` of a statement of
    ``SQLITE_ROWS_PER_INSERT`` rows (``VALUES (...), (...), ...``), then one of a row for the
    rows left. SQLite runs a statement of a table with triggers (``time_entries``,
    ``day_records``) inside a statement journal, which copies every page the statement changes
    that the transaction had changed before: with a row per statement, that copying cost an
    import of 100,000 entries more than the inserts themselves; per 250 rows, next to
    nothing."""
    if not values:
        return
    names = ", ".join(columns)
    if conn.dialect.name != "sqlite":
        placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([placeholder] * len(columns))})"
        conn.exec_driver_sql(sql, list(values))
        return
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    limit = conn.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(SQLITE_ROWS_PER_INSERT, limit // len(columns)))
    whole = len(values) - len(values) % per
    if whole:
        chunks = [tuple(chain.from_iterable(values[k : k + per])) for k in range(0, whole, per)]
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * per)}", chunks
        )
    if whole < len(values):
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES {one}", list(values[whole:]))
