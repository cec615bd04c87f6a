"""Queries on running timers."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, delete, insert, select

from timetracker.store.permission_sql import on_records
from timetracker.store.schema import projects, tasks, timers


def running(conn: Connection, user_id: int) -> RowMapping | None:
    return conn.execute(select(timers).where(timers.c.user_id == user_id)).mappings().first()


def start(
    conn: Connection, user_id: int, task_id: int, comment: str | None, started: int, by: int
) -> None:
    conn.execute(
        insert(timers).values(
            user_id=user_id, task_id=task_id, comment=comment, started=started, started_by=by
        )
    )


def discard(conn: Connection, user_id: int) -> None:
    conn.execute(delete(timers).where(timers.c.user_id == user_id))


def visible_timers(conn: Connection, visible, user_ids=None) -> list[RowMapping]:
    """The running timers whose user and task the time-track condition ``visible`` reaches
    (None: all), by user."""
    stmt = (
        select(timers)
        .select_from(
            timers.join(tasks, tasks.c.id == timers.c.task_id).join(
                projects, projects.c.id == tasks.c.project_id
            )
        )
        .order_by(timers.c.user_id)
    )
    if visible is not None:
        stmt = stmt.where(on_records(visible, timers.c.user_id, timers.c.task_id))
    if user_ids:
        stmt = stmt.where(timers.c.user_id.in_(user_ids))
    return list(conn.execute(stmt).mappings())
