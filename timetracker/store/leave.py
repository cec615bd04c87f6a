"""Queries on leave time: minutes per user, day and leave type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, delete, insert, select

from timetracker.store.listing import whole_days
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


def entries_by_day(
    conn: Connection,
    visible,
    args: Mapping[str, Any],
    date_from: dt.date,
    date_to: dt.date | None,
    stop_after: int,
):
    """Visible leave matching the list arguments (``userIds``, ``leaveTypeIds``) by day, user
    and leave type, whole days up to ``stop_after`` entries: (rows, the last day covered, the
    next day or None)."""
    filters = []
    if args.get("user_ids"):
        filters.append(leave_entries.c.user_id.in_(args["user_ids"]))
    if args.get("leave_type_ids"):
        filters.append(leave_entries.c.leave_type_id.in_(args["leave_type_ids"]))
    stmt = select(leave_entries).where(*filters)
    if visible is not None:
        stmt = stmt.where(visible)
    # The same whole-days listing as time-track's (store/listing.py), on the leave table.
    return whole_days(
        conn,
        stmt,
        leave_entries.c.date,
        (leave_entries.c.user_id, leave_entries.c.leave_type_id),
        date_from,
        date_to,
        stop_after,
    )
