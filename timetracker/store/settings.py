"""Queries on company settings: workflow statuses, types of work and the settings map."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, insert, select, update

from timetracker.store.entities import Entity
from timetracker.store.schema import company_settings, tasks, types_of_work, workflow_statuses

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


def builtin_status_id(conn: Connection, status_type: str) -> int:
    """The built-in workflow status of ``status_type`` (``open`` or ``completed``)."""
    return conn.execute(
        select(workflow_statuses.c.id)
        .where(workflow_statuses.c.type == status_type, workflow_statuses.c.builtin.is_(True))
        .order_by(workflow_statuses.c.id)
        .limit(1)
    ).scalar_one()


def move_tasks_to_status(conn: Connection, from_id: int, to_id: int) -> int:
    result = conn.execute(
        update(tasks).where(tasks.c.workflow_status_id == from_id).values(workflow_status_id=to_id)
    )
    return result.rowcount


def default_type_of_work(conn: Connection) -> RowMapping:
    return (
        conn.execute(select(types_of_work).where(types_of_work.c.is_default.is_(True)).limit(1))
        .mappings()
        .one()
    )


def clear_default_type_of_work(conn: Connection) -> None:
    conn.execute(
        update(types_of_work).where(types_of_work.c.is_default.is_(True)).values(is_default=False)
    )


def company_settings_map(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(company_settings.c.key, company_settings.c.value)).all())


def set_company_setting(conn: Connection, key: str, value: str) -> None:
    """Store one company setting (made when missing)."""
    cs = company_settings
    if conn.execute(update(cs).where(cs.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(cs).values(key=key, value=value))
