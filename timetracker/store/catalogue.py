"""Queries on the work catalogue: customers, projects and tasks, their comments and the users
assigned to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, insert, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from timetracker.store.entities import Entity, replace_rows
from timetracker.store.schema import (
    comments,
    customers,
    projects,
    tasks,
    types_of_work,
    users,
    work_assignments,
    workflow_statuses,
)
from timetracker.store.util import name_key, now_ms

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
    eq_filters={"status": workflow_statuses.c.type, "general": tasks.c.general},
    name_scope=tasks.c.project_id,
)


# --- a project's general task -------------------------------------------------------------------


def general_task_id(conn: Connection, project_id: int) -> int | None:
    """The id of the project's general task (the one holding time logged on the project without
    a task); None while it has none."""
    stmt = select(tasks.c.id).where(tasks.c.project_id == project_id, tasks.c.general)
    return conn.execute(stmt).scalar()


def insert_general_task(conn: Connection, project_id: int, name: str, columns) -> int | None:
    """Make the project's general task named ``name`` (``columns``: its workflow status and type
    of work); its id, or None when the name is taken in the project. A general task made at the
    same time by another transaction is waited for and kept (one per project, by the unique
    index): the caller reads it with :func:`general_task_id`."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {
        **columns,
        "project_id": project_id,
        "name": name,
        "name_key": name_key(name),
        "created": now_ms(),
        "general": True,
    }
    stmt = dialect.insert(tasks).values(values).on_conflict_do_nothing().returning(tasks.c.id)
    return conn.execute(stmt).scalar()


# --- comments ---------------------------------------------------------------------------------

# The API's object kind -> the owner column of the comments table.
OWNER_COLUMNS = {
    "customer": comments.c.customer_id,
    "project": comments.c.project_id,
    "task": comments.c.task_id,
}

COLUMNS = (
    comments.c.id,
    comments.c.user_id,
    comments.c.created,
    comments.c.updated,
    comments.c.updating_user_id,
    comments.c.text,
)


def list_comments(
    conn: Connection, kind: str, owner_id: int, args: Mapping[str, Any]
) -> list[RowMapping]:
    """A page of the comments on one object, oldest first."""
    stmt = (
        select(*COLUMNS)
        .where(OWNER_COLUMNS[kind] == owner_id)
        .order_by(comments.c.created, comments.c.id)
        .offset(args.get("offset", 0))
        .limit(args.get("limit", 1000))
    )
    return list(conn.execute(stmt).mappings())


def add_comment(conn: Connection, kind: str, owner_id: int, user_id: int, text: str) -> RowMapping:
    now = now_ms()
    comment_id = conn.execute(
        insert(comments)
        .values(
            {
                OWNER_COLUMNS[kind].name: owner_id,
                "user_id": user_id,
                "updating_user_id": user_id,
                "text": text,
                "created": now,
                "updated": now,
            }
        )
        .returning(comments.c.id)
    ).scalar_one()
    return conn.execute(select(*COLUMNS).where(comments.c.id == comment_id)).mappings().one()


# --- users assigned to an object ----------------------------------------------------------------


def assigned_user_ids(
    conn: Connection, kind: str, row: Mapping[str, Any], visible: ColumnElement[bool] | None = None
) -> list[int]:
    """Users who may track time on ``row``: assigned to it, to a parent, or to everything;
    with ``visible`` (a condition on users), only those meeting it."""
    conditions = [users.c.assign_all.is_(True)]
    wa = work_assignments
    if kind == "task":
        conditions += [
            users.c.id.in_(select(wa.c.user_id).where(wa.c.task_id == row["id"])),
            users.c.id.in_(select(wa.c.user_id).where(wa.c.project_id == row["project_id"])),
            users.c.id.in_(select(wa.c.user_id).where(wa.c.customer_id == row["customer_id"])),
        ]
    elif kind == "project":
        conditions += [
            users.c.id.in_(select(wa.c.user_id).where(wa.c.project_id == row["id"])),
            users.c.id.in_(select(wa.c.user_id).where(wa.c.customer_id == row["customer_id"])),
        ]
    else:
        conditions.append(users.c.id.in_(select(wa.c.user_id).where(wa.c.customer_id == row["id"])))
    stmt = select(users.c.id).where(or_(*conditions))
    if visible is not None:
        stmt = stmt.where(visible)
    return list(conn.execute(stmt.order_by(users.c.id)).scalars())


def direct_assignees_outside(
    conn: Connection, kind: str, object_id: int, visible: ColumnElement[bool] | None
) -> list[int]:
    """Users assigned directly to the object who do not meet ``visible`` (a condition on
    users; None: everyone meets it)."""
    if visible is None:
        return []
    wa = work_assignments
    stmt = (
        select(wa.c.user_id)
        .join(users, users.c.id == wa.c.user_id)
        .where(wa.c[f"{kind}_id"] == object_id, not_(visible))
    )
    return list(conn.execute(stmt).scalars())


def set_direct_assignments(conn: Connection, kind: str, object_id: int, user_ids: Iterable[int]):
    column = work_assignments.c[f"{kind}_id"]
    rows = [link_row(work_assignments, u, column.name, object_id) for u in sorted(set(user_ids))]
    replace_rows(conn, work_assignments, column == object_id, rows)


def link_row(table, user_id: int, column: str, object_id: int) -> dict[str, Any]:
    """A row of ``table`` (work assignments or scope items) linking one user to one object."""
    row = {c.name: None for c in table.c if c.name != "id"}
    return {**row, "user_id": user_id, column: object_id}
