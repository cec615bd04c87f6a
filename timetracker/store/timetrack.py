"""Queries on time-track: entries (minutes per user, day and task) and lock events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
)

from timetracker.store.schema import lock_events, projects, tasks, time_entries, users


def get_entry(conn: Connection, user_id: int, day: dt.date, task_id: int) -> RowMapping | None:
    return (
        conn.execute(
            select(time_entries).where(
                time_entries.c.user_id == user_id,
                time_entries.c.date == day,
                time_entries.c.task_id == task_id,
            )
        )
        .mappings()
        .first()
    )


def day_total(conn: Connection, user_id: int, day: dt.date) -> int:
    """Minutes the user tracked on ``day`` over all tasks."""
    return conn.execute(
        select(func.coalesce(func.sum(time_entries.c.minutes), 0)).where(
            time_entries.c.user_id == user_id, time_entries.c.date == day
        )
    ).scalar_one()


def hold_user(conn: Connection, user_id: int) -> None:
    """Serialize concurrent writes to one user's time (a row lock on PostgreSQL; SQLite
    write transactions are serialized already)."""
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())


def save_entry(
    conn: Connection,
    user_id: int,
    day: dt.date,
    task_id: int,
    minutes: int,
    comment: str | None,
    existed: bool,
) -> None:
    """Write the entry; 0 minutes deletes it."""
    key = and_(
        time_entries.c.user_id == user_id,
        time_entries.c.date == day,
        time_entries.c.task_id == task_id,
    )
    if minutes == 0:
        conn.execute(delete(time_entries).where(key))
    elif existed:
        conn.execute(time_entries.update().where(key).values(minutes=minutes, comment=comment))
    else:
        conn.execute(
            insert(time_entries).values(
                user_id=user_id, date=day, task_id=task_id, minutes=minutes, comment=comment
            )
        )


# --- locks -------------------------------------------------------------------------------------


def is_locked(conn: Connection, user_id: int, day: dt.date) -> bool:
    """Whether the latest lock event covering this user and day is a lock."""
    latest = conn.execute(
        select(lock_events.c.locked)
        .where(
            or_(lock_events.c.user_id == user_id, lock_events.c.user_id.is_(None)),
            lock_events.c.date_from <= day,
            lock_events.c.date_to >= day,
        )
        .order_by(lock_events.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return bool(latest)


def record_lock(
    conn: Connection,
    user_ids: Iterable[int] | None,
    date_from: dt.date,
    date_to: dt.date,
    locked: bool,
) -> None:
    """Lock or unlock a range for some users (None: all users) in a constant number of
    statements. Older events wholly inside the range no longer decide anything: they go."""
    inside = and_(lock_events.c.date_from >= date_from, lock_events.c.date_to <= date_to)
    if user_ids is None:
        conn.execute(delete(lock_events).where(inside))
        conn.execute(
            insert(lock_events).values(
                user_id=None, date_from=date_from, date_to=date_to, locked=locked
            )
        )
        return
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    conn.execute(delete(lock_events).where(inside, lock_events.c.user_id.in_(user_ids)))
    conn.execute(
        insert(lock_events),
        [
            {"user_id": u, "date_from": date_from, "date_to": date_to, "locked": locked}
            for u in user_ids
        ],
    )


def all_user_ids(conn: Connection) -> list[int]:
    return list(conn.execute(select(users.c.id).order_by(users.c.id)).scalars())


# --- reading many records ---------------------------------------------------------------------


def _visible_entries(visible, filters) -> Select:
    """time_entries joined to their task and project, with visibility and filters applied."""
    stmt = (
        select(time_entries)
        .join(tasks, tasks.c.id == time_entries.c.task_id)
        .join(projects, projects.c.id == tasks.c.project_id)
    )
    if visible is not None:
        stmt = stmt.where(visible)
    return stmt.where(*filters)


def day_counts(conn: Connection, visible, filters, date_from: dt.date, date_to: dt.date | None):
    """``[(date, records)]`` in date order: what ``stopAfter`` cuts by, whole days at a time."""
    inner = _visible_entries(visible, filters).where(time_entries.c.date >= date_from)
    if date_to is not None:
        inner = inner.where(time_entries.c.date <= date_to)
    inner = inner.subquery()
    stmt = select(inner.c.date, func.count()).group_by(inner.c.date).order_by(inner.c.date)
    return [(row[0], row[1]) for row in conn.execute(stmt)]


def entries_between(conn: Connection, visible, filters, date_from: dt.date, date_to: dt.date):
    stmt = (
        _visible_entries(visible, filters)
        .where(time_entries.c.date >= date_from, time_entries.c.date <= date_to)
        .order_by(time_entries.c.date, time_entries.c.user_id, time_entries.c.task_id)
    )
    return conn.execute(stmt).mappings().all()


def locked_days(conn: Connection, user_ids, date_from: dt.date, date_to: dt.date):
    """A function (user_id, date) -> locked, from the events overlapping the period."""
    user_ids = sorted(set(user_ids))
    events = (
        conn.execute(
            select(lock_events)
            .where(
                lock_events.c.date_to >= date_from,
                lock_events.c.date_from <= date_to,
                or_(lock_events.c.user_id.is_(None), lock_events.c.user_id.in_(user_ids)),
            )
            .order_by(lock_events.c.id.desc())
        )
        .mappings()
        .all()
    )

    def locked(user_id: int, day: dt.date) -> bool:
        for event in events:  # newest first: the first covering event decides
            if (
                event["user_id"] in (None, user_id)
                and event["date_from"] <= day <= event["date_to"]
            ):
                return event["locked"]
        return False

    return locked
