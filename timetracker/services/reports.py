"""Rules of the reports.

The detailed report lists the time-track records the caller may read, exactly those
``GET /timetrack`` shows them (``access.timetrack_filter``): anyone authenticated may ask, and
gets only their reach. Each function checks the arguments and works out the caller's condition
before it returns, so a streamed answer can no longer be refused once it has begun.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from timetracker import access
from timetracker.access import Caller
from timetracker.services.periods import check_range
from timetracker.store import reports as store

DETAILED_HEADER: Sequence[str] = store.DETAILED_HEADER


def _detailed_statement(caller: Caller, args: Mapping[str, Any], text: bool = False):
    date_from, date_to = args["dateFrom"], args.get("dateTo")
    check_range(date_from, date_to)
    visible = access.timetrack_filter(caller)
    return store.detailed_statement(visible, args, date_from, date_to, text=text)


def detailed(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the detailed report: ``{offset, limit, items}``."""
    statement = _detailed_statement(caller, args)
    offset, limit = args.get("offset", 0), args.get("limit", 1000)
    items = store.detailed_page(conn, statement, offset, limit)
    return {"offset": offset, "limit": limit, "items": items}


def detailed_rows(engine: Engine, caller: Caller, args: Mapping[str, Any]) -> Iterator[tuple]:
    """Every row of the detailed report (no paging), as tuples in :data:`DETAILED_HEADER`'s
    order, read lazily through a connection of their own: the CSV export's rows."""
    return store.detailed_rows(engine, _detailed_statement(caller, args, text=True))


def detailed_count(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> int:
    """How many rows :func:`detailed_rows` gives (a progress bar's total)."""
    return store.detailed_count(conn, _detailed_statement(caller, args))
