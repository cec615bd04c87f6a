"""Generic queries over listable tables. Each resource's store module describes its table once
as an :class:`Entity` (``store/catalogue.py`` has customers, projects and tasks,
``store/users.py`` users, ...); the functions below do the rest.

Reads return row mappings with snake_case keys; schemas turn them into the API's camelCase.
Lists take a ``visible`` SQL condition from ``access`` and apply it inside the query.
The ``Entity(...)`` declarations in the resource modules look alike by design: each is data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    RowMapping,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from timetracker.store.db import stream_rows
from timetracker.store.listing import apply_list, as_text, by_ids, name_taken
from timetracker.store.prepared import Prepared
from timetracker.store.util import name_key, now_ms


@dataclass(frozen=True, eq=False)
class Entity:
    table: Table
    base: Select
    sort: Mapping[str, ColumnElement]
    # list argument -> column, for "column IN (values)" and "column = value" filters
    in_filters: Mapping[str, ColumnElement] = field(default_factory=dict)
    eq_filters: Mapping[str, ColumnElement] = field(default_factory=dict)
    # names are unique within this parent column (None: unique in the whole table)
    name_scope: ColumnElement | None = None

    @property
    def id(self) -> ColumnElement:
        return self.table.c.id

    @cached_property
    def sort_columns(self) -> Mapping[str, ColumnElement]:
        """The sorts of its list: its own, and ``modified`` where the table keeps the stamp."""
        stamp = self.table.c.get("modified")
        return {**self.sort, "modified": stamp} if stamp is not None else self.sort

    @cached_property
    def by_id(self) -> Select:
        """One row by id, built once (fetching one object is the hottest read)."""
        return self.base.where(self.id == bindparam("id"))

    @cached_property
    def by_id_prepared(self) -> Prepared:
        return Prepared(self.by_id)


def list_rows(
    conn: Connection,
    entity: Entity,
    args: Mapping[str, Any],
    visible: ColumnElement | None = None,
) -> list[RowMapping]:
    """One page of ``entity`` matching the standard list arguments in ``args``.

    ``visible`` is the caller's visibility condition from ``access`` (None: everything).
    """
    return list(conn.execute(list_statement(entity, args, visible)).mappings())


def export_rows(
    engine: Engine,
    entity: Entity,
    args: Mapping[str, Any],
    visible: ColumnElement | None,
    columns: Sequence[str],
) -> Iterator[tuple]:
    """Every row of ``entity`` matching ``args`` (filters and sort; no paging), as tuples of
    ``columns`` (keys of the entity's rows), read lazily through a connection of its own."""
    selected = entity.base.selected_columns
    stmt = list_statement(entity, args, visible, paged=False).with_only_columns(
        *(as_text(selected[key]) for key in columns)
    )
    return chain.from_iterable(stream_rows(engine, stmt))


def count_matching(
    conn: Connection, entity: Entity, args: Mapping[str, Any], visible: ColumnElement | None
) -> int:
    """How many rows of ``entity`` match ``args`` (a progress bar's total)."""
    stmt = list_statement(entity, args, visible, paged=False).order_by(None)
    return conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def list_statement(
    entity: Entity, args: Mapping[str, Any], visible: ColumnElement | None, paged: bool = True
) -> Select:
    """The list query of ``entity``: standard filters, ``visible``, the sort, and (``paged``)
    offset and limit."""
    extra = [] if visible is None else [visible]
    for arg, column in entity.in_filters.items():
        if args.get(arg):
            extra.append(column.in_(args[arg]))
    for arg, column in entity.eq_filters.items():
        if args.get(arg) is not None:
            extra.append(column == args[arg])
    if args.get("modified_after") is not None:
        extra.append(entity.table.c.modified > args["modified_after"])
    return apply_list(
        entity.base,
        args,
        id_col=entity.id,
        key_col=entity.table.c.get("name_key"),  # unnamed objects have no name filters
        sort_columns=entity.sort_columns,
        extra=extra,
        paged=paged,
    )


def get_row(conn: Connection, entity: Entity, row_id: int) -> Mapping[str, Any] | None:
    return entity.by_id_prepared.first(conn, {"id": row_id})


def rows_by_ids(
    conn: Connection,
    entity: Entity,
    ids: Iterable[int],
    visible: ColumnElement[bool] | None = None,
) -> list[RowMapping]:
    """The rows with these ids, in id order; with ``visible`` (a condition from ``access``),
    only those meeting it, decided in the query."""
    stmt = entity.base if visible is None else entity.base.where(visible)
    return by_ids(conn, stmt, entity.id, ids)


def name_is_taken(
    conn: Connection,
    entity: Entity,
    name: str,
    *,
    scope_id: int | None = None,
    exclude_id: int | None = None,
) -> bool:
    where = [entity.name_scope == scope_id] if entity.name_scope is not None else []
    return name_taken(conn, entity.table, name, exclude_id=exclude_id, where=where)


def get_row_where(
    conn: Connection, entity: Entity, row_id: int, condition: ColumnElement
) -> RowMapping | None:
    """The row if it exists and meets ``condition`` (a visibility check in SQL)."""
    return conn.execute(entity.by_id.where(condition), {"id": row_id}).mappings().first()


def _with_name_key(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "name" in values:
        values["name_key"] = name_key(values["name"])
    return values


def insert_row(conn: Connection, entity: Entity, values: Mapping[str, Any]) -> int:
    values = _with_name_key(values)
    if "created" in entity.table.c:
        values.setdefault("created", now_ms())
    return conn.execute(insert(entity.table).values(**values).returning(entity.id)).scalar_one()


def update_row(conn: Connection, entity: Entity, row_id: int, values: Mapping[str, Any]) -> None:
    if values:
        conn.execute(
            update(entity.table).where(entity.id == row_id).values(**_with_name_key(values))
        )


def delete_row(conn: Connection, entity: Entity, row_id: int) -> None:
    """Delete one row; children (projects, tasks, comments) go with it by ON DELETE CASCADE."""
    conn.execute(delete(entity.table).where(entity.id == row_id))


def count_where(conn: Connection, entity: Entity, *conditions: ColumnElement) -> int:
    return conn.execute(
        select(func.count()).select_from(entity.table).where(*conditions)
    ).scalar_one()


def existing_ids(conn: Connection, entity: Entity, ids: Iterable[int]) -> set[int]:
    ids = set(ids)
    if not ids:
        return set()
    return set(conn.execute(select(entity.id).where(entity.id.in_(ids))).scalars())


def replace_rows(
    conn: Connection, table: Table, owner: ColumnElement[bool], rows: list[dict[str, Any]]
) -> None:
    """Replace the set of ``table`` rows selected by ``owner`` (a user's permissions, team,
    links...) with ``rows``."""
    conn.execute(delete(table).where(owner))
    if rows:
        conn.execute(insert(table), rows)
