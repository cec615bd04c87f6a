"""Queries on time-track: entries (minutes per user, day and task) and lock events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql.schema import Table

from timetracker.store.approval import covering
from timetracker.store.listing import whole_days
from timetracker.store.prepared import Prepared
from timetracker.store.schema import (
    day_records,
    leave_entries,
    lock_events,
    projects,
    tasks,
    types_of_work,
    users,
)

# Statements of the write path, built once with parameters: building a statement costs more
# than running it. (Update statements reserve the column names for their SET values, hence
# the ``key_`` names.)
_KEY = and_(
    day_records.c.user_id == bindparam("key_user_id"),
    day_records.c.date == bindparam("key_date"),
    day_records.c.task_id == bindparam("key_task_id"),
)
_GET_ENTRY = Prepared(select(day_records).where(_KEY))


def _minutes_of_day(table) -> ColumnElement[int]:
    return (
        select(func.coalesce(func.sum(table.c.minutes), 0))
        .where(table.c.user_id == bindparam("user_id"), table.c.date == bindparam("date"))
        .scalar_subquery()
    )


_HOLD_USER = select(users.c.id).where(users.c.id == bindparam("user_id")).with_for_update()
_DELETE_ENTRY = Prepared(delete(day_records).where(_KEY))
_UPDATE_ENTRY = Prepared(
    day_records.update()
    .where(_KEY)
    .values(minutes=bindparam("new_minutes"), comment=bindparam("new_comment"))
)
_INSERT_ENTRY = Prepared(
    insert(day_records).values(
        {name: bindparam(name) for name in ("user_id", "date", "task_id", "minutes", "comment")}
    )
)
# Before a change of a day's time or leave, in one statement: the latest lock event covering the
# user and day (it decides), whether an approved week holds the day, the day's minutes of work and
# leave together, and the entry being changed (a row of nulls without one). The entry is joined
# to a row of one: without an entry, the day's state still comes back.
_LOCKED = (
    select(lock_events.c.locked)
    .where(
        or_(lock_events.c.user_id == bindparam("user_id"), lock_events.c.user_id.is_(None)),
        lock_events.c.date_from <= bindparam("date"),
        lock_events.c.date_to >= bindparam("date"),
    )
    .order_by(lock_events.c.id.desc())
    .limit(1)
    .scalar_subquery()
)


def _day_state(entries: Table, key: str) -> Prepared:
    entry = entries.alias("entry")
    day = select(literal_column("1").label("one")).subquery("day")
    on = and_(
        entry.c.user_id == bindparam("user_id"),
        entry.c.date == bindparam("date"),
        entry.c[key] == bindparam("object_id"),
    )
    return Prepared(
        select(
            _LOCKED.label("day_locked"),
            covering(bindparam("user_id"), bindparam("date")).label("day_approved"),
            (_minutes_of_day(day_records) + _minutes_of_day(leave_entries)).label("day_total"),
            *entry.c,
        ).select_from(day.outerjoin(entry, on))
    )


_DAY_STATE = {
    "time": _day_state(day_records, "task_id"),
    "leave": _day_state(leave_entries, "leave_type_id"),
}


def get_entry(
    conn: Connection, user_id: int, day: dt.date, task_id: int
) -> Mapping[str, Any] | None:
    key = {"key_user_id": user_id, "key_date": day, "key_task_id": task_id}
    return _GET_ENTRY.first(conn, key)


def hold_user(conn: Connection, user_id: int) -> None:
    """Serialize concurrent changes to one user's time: a row lock on PostgreSQL. SQLite write
    transactions begin with the database's write lock (BEGIN IMMEDIATE) and need nothing more.

    Every write of time or leave takes it before its checks, and so does every period action
    (lock, unlock, approve, reject, revoke) before it records its decision: a write can then
    never land in a week approved or a day locked between its check and its commit."""
    if conn.dialect.name != "sqlite":
        conn.execute(_HOLD_USER, {"user_id": user_id})


def hold_users(conn: Connection, user_ids: Iterable[int] | None) -> None:
    """:func:`hold_user` for several users (None: every user), in id order, so that two
    transactions holding several never wait for each other in a circle."""
    if conn.dialect.name == "sqlite":
        return
    stmt = select(users.c.id).order_by(users.c.id).with_for_update()
    if user_ids is not None:
        stmt = stmt.where(users.c.id.in_(sorted(set(user_ids))))
    conn.execute(stmt).all()


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
    key = {"key_user_id": user_id, "key_date": day, "key_task_id": task_id}
    if minutes == 0:
        _DELETE_ENTRY.execute(conn, key)
    elif existed:
        _UPDATE_ENTRY.execute(conn, {**key, "new_minutes": minutes, "new_comment": comment})
    else:
        values = {"user_id": user_id, "date": day, "task_id": task_id}
        _INSERT_ENTRY.execute(conn, {**values, "minutes": minutes, "comment": comment})


# --- locks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayState:
    locked: bool  # the latest lock event covering the day is a lock
    approved: bool  # an approved week holds the day
    total: int  # the user's minutes of work and leave on the day
    entry: dict[str, Any] | None  # the entry of the task (or leave type) asked for


def day_state(conn: Connection, kind: str, user_id: int, day: dt.date, object_id: int) -> DayState:
    """The user's day before a change of its ``kind`` ("time" on a task, "leave" of a type)
    of ``object_id``: one statement."""
    row = _DAY_STATE[kind].first(conn, {"user_id": user_id, "date": day, "object_id": object_id})
    state = {name: row.pop(name) for name in ("day_locked", "day_approved", "day_total")}
    return DayState(
        locked=bool(state["day_locked"]),
        approved=bool(state["day_approved"]),
        total=state["day_total"],
        entry=row if row["minutes"] is not None else None,
    )


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


def all_user_ids(conn: Connection, visible: ColumnElement[bool] | None = None) -> list[int]:
    """Every user's id; with ``visible`` (a condition on users), those meeting it."""
    stmt = select(users.c.id) if visible is None else select(users.c.id).where(visible)
    return list(conn.execute(stmt.order_by(users.c.id)).scalars())


# --- reading many records ---------------------------------------------------------------------


def of_billable_work(task_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the task ``task_id`` (a column of the row at hand) has a billable type of work; a
    subquery, so the catalogue need not be joined."""
    return task_id.in_(
        select(tasks.c.id)
        .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
        .where(types_of_work.c.billable.is_(True))
    )


def billable_minutes() -> ColumnElement[int]:
    """SQL: the record's billable minutes. Its entries marked billable or not (``billable`` set)
    count as marked; the others follow the task's type of work."""
    return case(
        (
            of_billable_work(day_records.c.task_id),
            day_records.c.minutes - day_records.c.marked_unbillable,
        ),
        else_=day_records.c.marked_billable,
    )


def billable() -> ColumnElement[bool]:
    """SQL: the record holds billable minutes."""
    return billable_minutes() > 0


def billed() -> ColumnElement[bool]:
    """SQL: an invoice billed the entry."""
    return day_records.c.invoice_id.is_not(None)


def billable_task_ids(conn: Connection, task_ids: Iterable[int]) -> set[int]:
    """The tasks among ``task_ids`` whose type of work is billable."""
    stmt = (
        select(tasks.c.id)
        .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
        .where(tasks.c.id.in_(sorted(set(task_ids))), types_of_work.c.billable.is_(True))
    )
    return set(conn.execute(stmt).scalars())


def filters(args: Mapping[str, Any]) -> tuple[list, bool]:
    """userIds, then the first of taskIds > projectIds > customerIds (the spec's priority),
    ``approved``, ``billable`` and ``billed``; and whether they need the entries' tasks and
    projects joined."""
    conditions = []
    if args.get("user_ids"):
        conditions.append(day_records.c.user_id.in_(args["user_ids"]))
    if args.get("task_ids"):
        conditions.append(day_records.c.task_id.in_(args["task_ids"]))
    elif args.get("project_ids"):
        conditions.append(tasks.c.project_id.in_(args["project_ids"]))
    elif args.get("customer_ids"):
        conditions.append(projects.c.customer_id.in_(args["customer_ids"]))
    if args.get("approved") is not None:
        approved = covering(day_records.c.user_id, day_records.c.date)
        conditions.append(approved if args["approved"] else ~approved)
    for wanted, condition in ((args.get("billable"), billable()), (args.get("billed"), billed())):
        if wanted is not None:
            conditions.append(condition if wanted else ~condition)
    return conditions, bool(args.get("project_ids") or args.get("customer_ids"))


def entries_by_day(
    conn: Connection,
    visible,
    args: Mapping[str, Any],
    date_from: dt.date,
    date_to: dt.date | None,
    stop_after: int,
):
    """Visible entries matching the list arguments, by day, user and task, whole days up to
    ``stop_after`` entries: (rows, the last day covered, the next day or None). Tasks and
    projects are joined only when the visibility condition or a filter needs them."""
    conditions, needs_catalogue = filters(args)
    stmt = select(day_records)
    if visible is not None or needs_catalogue:
        stmt = stmt.join(tasks, tasks.c.id == day_records.c.task_id).join(
            projects, projects.c.id == tasks.c.project_id
        )
    if visible is not None:
        stmt = stmt.where(visible)
    return whole_days(
        conn,
        stmt.where(*conditions),
        day_records.c.date,
        (day_records.c.user_id, day_records.c.task_id),
        date_from,
        date_to,
        stop_after,
    )


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
