"""Queries on leave time: minutes per user, day and leave type."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, RowMapping, and_, delete, func, insert, select

from timetracker.store.schema import leave_entries


def _key(user_id: int, day: dt.date, leave_type_id: int):
    return and_(
        leave_entries.c.user_id == user_id,
        leave_entries.c.date == day,
        leave_entries.c.leave_type_id == leave_type_id,
    )


def get_entry(
    conn: Connection, user_id: int, day: dt.date, leave_type_id: int
) -> RowMapping | None:
    return (
        conn.execute(select(leave_entries).where(_key(user_id, day, leave_type_id)))
        .mappings()
        .first()
    )


def day_total(conn: Connection, user_id: int, day: dt.date) -> int:
    """Minutes of leave the user has on ``day`` over all leave types."""
    return conn.execute(
        select(func.coalesce(func.sum(leave_entries.c.minutes), 0)).where(
            leave_entries.c.user_id == user_id, leave_entries.c.date == day
        )
    ).scalar_one()


def save_entry(
    conn: Connection, user_id: int, day: dt.date, leave_type_id: int, minutes: int, existed: bool
) -> None:
    """Write the entry; 0 minutes deletes it."""
    key = _key(user_id, day, leave_type_id)
    if minutes == 0:
        conn.execute(delete(leave_entries).where(key))
    elif existed:
        conn.execute(leave_entries.update().where(key).values(minutes=minutes))
    else:
        conn.execute(
            insert(leave_entries).values(
                user_id=user_id, date=day, leave_type_id=leave_type_id, minutes=minutes
            )
        )


def _visible(visible, filters, date_from: dt.date, date_to: dt.date | None):
    stmt = select(leave_entries).where(leave_entries.c.date >= date_from, *filters)
    if date_to is not None:
        stmt = stmt.where(leave_entries.c.date <= date_to)
    return stmt.where(visible) if visible is not None else stmt


def day_counts(conn: Connection, visible, filters, date_from: dt.date, date_to: dt.date | None):
    """``[(date, records)]`` in date order (what ``stopAfter`` cuts by)."""
    inner = _visible(visible, filters, date_from, date_to).subquery()
    stmt = select(inner.c.date, func.count()).group_by(inner.c.date).order_by(inner.c.date)
    return [(row[0], row[1]) for row in conn.execute(stmt)]


def entries_between(conn: Connection, visible, filters, date_from: dt.date, date_to: dt.date):
    stmt = _visible(visible, filters, date_from, date_to).order_by(
        leave_entries.c.date, leave_entries.c.user_id, leave_entries.c.leave_type_id
    )
    return conn.execute(stmt).mappings().all()
