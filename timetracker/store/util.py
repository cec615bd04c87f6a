"""Small helpers shared by the query modules."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from sqlalchemy import Boolean, Date, Integer, String, TypeDecorator, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


def now_ms() -> int:
    """Current time in epoch milliseconds, the API's timestamp format."""
    return int(time.time() * 1000)


def like_escape(text: str) -> str:
    """Escape LIKE wildcards so user text matches literally (used with ``escape='\\\\'``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_key(name: str) -> str:
    """The case-insensitive form of a name, used for uniqueness, filters and sorting.

    Python's casefold covers all of Unicode, the same on every database.
    """
    return name.casefold()


# --- dates in SQL, the same on SQLite and PostgreSQL -------------------------------------------


class month_start(FunctionElement):  # noqa: N801 - reads as the SQL function it is
    """The first day of the date's month."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start)
def _month_start(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS date)"


class week_start(FunctionElement):  # noqa: N801
    """The first day of the date's week; the second argument is the company's first day of the
    week, counted from 0 = Sunday."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    day, first = (compiler.process(c, **kw) for c in element.clauses)
    back = f"((CAST(strftime('%w', {day}) AS INTEGER) - {first} + 7) % 7)"
    return f"date({day}, '-' || {back} || ' days')"


@compiles(week_start)
def _week_start(element, compiler, **kw):
    day, first = (compiler.process(c, **kw) for c in element.clauses)
    # MOD, not %: psycopg reads % as the start of a placeholder.
    back = f"MOD(CAST(EXTRACT(DOW FROM {day}) AS INTEGER) - {first} + 7, 7)"
    return f"CAST({day} - {back} AS date)"


# --- aggregates ---------------------------------------------------------------------------------


class comma_list(FunctionElement):  # noqa: N801
    """The column's values in one comma-separated string (NULL without any): SQLAlchemy's
    ``aggregate_strings`` passes its separator as a parameter rendered at execution, which a
    statement prepared once (``store/prepared.py``) cannot take."""

    type = String()
    inherit_cache = True


@compiles(comma_list, "sqlite")
def _comma_list_sqlite(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(comma_list)
def _comma_list(element, compiler, **kw):
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


# --- many ids in one parameter -----------------------------------------------------------------


class IdList(TypeDecorator):
    """A list of integer ids bound as one parameter: an integer array on PostgreSQL, a JSON
    array on SQLite (read there with ``json_each``)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        ids = [int(v) for v in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class _among(FunctionElement):  # noqa: N801
    type = Boolean()
    inherit_cache = True


@compiles(_among, "sqlite")
def _among_sqlite(element, compiler, **kw):
    column, ids = (compiler.process(c, **kw) for c in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(_among)
def _among_default(element, compiler, **kw):
    column, ids = (compiler.process(c, **kw) for c in element.clauses)
    return f"{column} = ANY(CAST({ids} AS INTEGER[]))"


def among(column: ColumnElement, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN ids`` with the ids in one parameter: the statement is compiled once however
    many ids there are, where ``in_`` renders a placeholder for each id at every execution
    (for a page of 500 entries, most of the cost of asking for their tags)."""
    return _among(column, bindparam(None, list(ids), type_=IdList()))


def among_named(column: ColumnElement, name: str) -> ColumnElement[bool]:
    """``column IN :name``, the ids given at execution as the parameter ``name`` (a list), in
    one parameter as :func:`among`."""
    return _among(column, bindparam(name, type_=IdList()))
