"""Generic queries over the named entities: customers, projects, tasks, workflow statuses, types
of work. Each one is described once by an :class:`Entity`; the functions below do the rest.

Reads return row mappings with snake_case keys; schemas turn them into the API's camelCase.
Lists take a ``visible`` SQL condition from ``access`` and apply it inside the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
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

from timetracker.store.listing import apply_list, by_ids, name_taken
from timetracker.store.schema import (
    customers,
    departments,
    leave_types,
    projects,
    tasks,
    time_zone_groups,
    types_of_work,
    users,
    workflow_statuses,
)
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
    def by_id(self) -> Select:
        """One row by id, built once (fetching one object is the hottest read)."""
        return self.base.where(self.id == bindparam("id"))


CUSTOMERS = Entity(
    table=customers,
    base=select(customers),
    sort={"name": customers.c.name_key, "created": customers.c.created},
    eq_filters={"archived": customers.c.archived},
)

PROJECTS = Entity(
    table=projects,
    base=select(projects, customers.c.name.label("customer_name")).join(
        customers, customers.c.id == projects.c.customer_id
    ),
    sort={
        "name": projects.c.name_key,
        "created": projects.c.created,
        "customerName": customers.c.name_key,
    },
    in_filters={"customer_ids": projects.c.customer_id},
    eq_filters={"archived": projects.c.archived},
    name_scope=projects.c.customer_id,
)

TASKS = Entity(
    table=tasks,
    base=select(
        tasks,
        projects.c.name.label("project_name"),
        projects.c.customer_id,
        customers.c.name.label("customer_name"),
        workflow_statuses.c.name.label("workflow_status_name"),
        workflow_statuses.c.type.label("status"),
        types_of_work.c.name.label("type_of_work_name"),
    )
    .join(projects, projects.c.id == tasks.c.project_id)
    .join(customers, customers.c.id == projects.c.customer_id)
    .join(workflow_statuses, workflow_statuses.c.id == tasks.c.workflow_status_id)
    .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id),
    sort={
        "name": tasks.c.name_key,
        "created": tasks.c.created,
        "status": workflow_statuses.c.type,
        "deadline": tasks.c.deadline,
    },
    in_filters={
        "customer_ids": projects.c.customer_id,
        "project_ids": tasks.c.project_id,
        "type_of_work_ids": tasks.c.type_of_work_id,
        "workflow_status_ids": tasks.c.workflow_status_id,
    },
    eq_filters={"status": workflow_statuses.c.type},
    name_scope=tasks.c.project_id,
)

WORKFLOW_STATUSES = Entity(
    table=workflow_statuses,
    base=select(workflow_statuses),
    sort={"name": workflow_statuses.c.name_key, "type": workflow_statuses.c.type},
    eq_filters={"type": workflow_statuses.c.type},
)

TYPES_OF_WORK = Entity(
    table=types_of_work,
    base=select(types_of_work),
    sort={"name": types_of_work.c.name_key},
    eq_filters={"archived": types_of_work.c.archived, "billable": types_of_work.c.billable},
)


DEPARTMENTS = Entity(
    table=departments,
    base=select(departments),
    sort={"name": departments.c.name_key},
)

TIME_ZONE_GROUPS = Entity(
    table=time_zone_groups,
    base=select(time_zone_groups),
    sort={"name": time_zone_groups.c.name_key},
)

LEAVE_TYPES = Entity(
    table=leave_types,
    base=select(leave_types),
    sort={"name": leave_types.c.name_key},
    eq_filters={"archived": leave_types.c.archived, "balance": leave_types.c.balance},
)

# Users: never select the password hash into a row that could be serialized.
USERS = Entity(
    table=users,
    base=select(*(c for c in users.c if c.name != "password_hash")),
    sort={
        "lastName": func.lower(users.c.last_name),
        "firstName": func.lower(users.c.first_name),
        "username": users.c.username_key,
        "hired": users.c.hired,
        "releaseDate": users.c.release_date,
    },
    in_filters={
        "department_ids": users.c.department_id,
        "time_zone_group_ids": users.c.time_zone_group_id,
    },
    eq_filters={
        "active": users.c.active,
        "username_key": users.c.username_key,
        "email_key": func.lower(users.c.email),
    },
)


def list_rows(
    conn: Connection,
    entity: Entity,
    args: Mapping[str, Any],
    visible: ColumnElement | None = None,
) -> list[RowMapping]:
    """One page of ``entity`` matching the standard list arguments in ``args``.

    ``visible`` is the caller's visibility condition from ``access`` (None: everything).
    """
    extra = [] if visible is None else [visible]
    for arg, column in entity.in_filters.items():
        if args.get(arg):
            extra.append(column.in_(args[arg]))
    for arg, column in entity.eq_filters.items():
        if args.get(arg) is not None:
            extra.append(column == args[arg])
    stmt = apply_list(
        entity.base,
        args,
        id_col=entity.id,
        key_col=entity.table.c.name_key,
        sort_columns=entity.sort,
        extra=extra,
    )
    return list(conn.execute(stmt).mappings())


def get_row(conn: Connection, entity: Entity, row_id: int) -> RowMapping | None:
    return conn.execute(entity.by_id, {"id": row_id}).mappings().first()


def rows_by_ids(conn: Connection, entity: Entity, ids: Iterable[int]) -> list[RowMapping]:
    return by_ids(conn, entity.base, entity.id, ids)


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
