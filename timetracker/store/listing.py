"""The list conventions every collection shares: ids, name, words, archived, sort and paging.

Sorting always ends with the primary key, so a page boundary can never repeat or skip a row when
two rows share a sort value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Select,
    String,
    Table,
    and_,
    case,
    false,
    select,
    tuple_,
    type_coerce,
)

from timetracker.store.util import among, like_escape, name_key


def name_conditions(key_col: ColumnElement, args: Mapping[str, Any]) -> list[ColumnElement]:
    """``name`` (exact) and ``words`` (all contained) filters, on the case-folded name key."""
    conditions = []
    if args.get("name") is not None:
        conditions.append(key_col == name_key(args["name"]))
    longest = getattr(key_col.type, "length", None)
    for word in args.get("words") or ():
        key = name_key(word)
        if longest is not None and len(key) > longest:
            # No key holds a word longer than itself (and SQLite refuses LIKE patterns longer
            # than 50,000 bytes).
            conditions.append(false())
            continue
        conditions.append(key_col.like(f"%{like_escape(key)}%", escape="\\"))
    return conditions


def apply_list(
    stmt: Select,
    args: Mapping[str, Any],
    *,
    id_col: ColumnElement,
    key_col: ColumnElement | None = None,
    sort_columns: Mapping[str, ColumnElement] | None = None,
    extra: Sequence[ColumnElement] = (),
    paged: bool = True,
) -> Select:
    """Apply the standard filters, the sort with its tie-breaker, and (``paged``) offset and
    limit."""
    conditions: list[ColumnElement] = list(extra)
    if args.get("ids"):
        conditions.append(id_col.in_(args["ids"]))
    if key_col is not None:
        conditions.extend(name_conditions(key_col, args))
    if conditions:
        stmt = stmt.where(and_(*conditions))

    order = []
    for field, descending in args.get("sort") or ():
        column = (sort_columns or {})[field]
        order.append(column.desc() if descending else column.asc())
    order.append(id_col.asc())
    stmt = stmt.order_by(*order)
    if not paged:
        return stmt
    return stmt.offset(args.get("offset", 0)).limit(args.get("limit", 1000))


def by_ids(conn: Connection, stmt: Select, id_col: ColumnElement, ids: Iterable[int]):
    """Rows of ``stmt`` whose id is in ``ids``, in id order (for ``includeReferenced`` maps)."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(conn.execute(stmt.where(among(id_col, ids)).order_by(id_col)).mappings())


def name_taken(
    conn: Connection,
    table: Table,
    name: str,
    *,
    exclude_id: int | None = None,
    where: Sequence[ColumnElement] = (),
) -> bool:
    """Whether ``table`` has another row named ``name`` (case-insensitively) within ``where``."""
    stmt = select(table.c.id).where(table.c.name_key == name_key(name), *where)
    if exclude_id is not None:
        stmt = stmt.where(table.c.id != exclude_id)
    return conn.execute(stmt.limit(1)).first() is not None


def whole_days(
    conn: Connection,
    stmt: Select,
    date_col: ColumnElement,
    order: Sequence[ColumnElement],
    date_from: Any,
    date_to: Any,
    stop_after: int,
) -> tuple[list, Any, Any]:
    """Rows of ``stmt`` from ``date_from`` (to ``date_to`` when given), in ``date_col`` then
    ``order`` order, cut after the day on which ``stop_after`` rows are reached: that day is
    returned whole. Returns (rows, the last day the answer covers, the next day holding rows or
    None). The answer covers up to ``date_to`` (or the last day holding rows, or ``date_from``
    when there are none) unless the cut came first: then up to the last day returned.

    One query when everything fits, which is the common case; otherwise three (the first
    ``stop_after`` rows, the rest of their last day, the next day holding rows). ``order`` must
    make rows unique within a day.
    """
    stmt = stmt.where(date_col >= date_from)
    if date_to is not None:
        stmt = stmt.where(date_col <= date_to)
    rows = conn.execute(stmt.order_by(date_col, *order).limit(stop_after)).mappings().all()
    if len(rows) < stop_after:
        return list(rows), date_to or (rows[-1][date_col.key] if rows else date_from), None
    last = rows[-1][date_col.key]
    after_last_row = tuple_(*order) > tuple_(*(rows[-1][c.key] for c in order))
    rest_of_last = conn.execute(
        stmt.where(date_col == last, after_last_row).order_by(*order)
    ).mappings()
    rows = [*rows, *rest_of_last]
    next_day = conn.execute(
        stmt.where(date_col > last).with_only_columns(date_col).order_by(date_col).limit(1)
    ).scalar_one_or_none()
    return rows, last if next_day is not None else (date_to or last), next_day


def as_text(column: ColumnElement) -> ColumnElement:
    """``column`` as an export writes it: booleans as ``true``/``false`` (as in JSON) and dates
    as the database's ``YYYY-MM-DD`` text (SQLite's own; PostgreSQL's dates print so), so a
    streamed row goes out as it comes, with no conversion per cell in Python."""
    if isinstance(column.type, Boolean):
        return case((column.is_(None), None), (column, "true"), else_="false").label(column.key)
    if isinstance(column.type, Date):
        return type_coerce(column, String).label(column.key)
    return column
