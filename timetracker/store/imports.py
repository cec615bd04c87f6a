"""Queries of the CSV imports: everything a file needs looked up, in a few set queries however
many lines it has, and its rows written with ``executemany``.

Lists of ids and names go to the database in chunks, so that no statement exceeds a driver's
limit of bound parameters (SQLite's 32,766, PostgreSQL's 65,535).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, func, insert, or_, select

from timetracker.store.prepared import insert_tuples
from timetracker.store.schema import (
    customers,
    day_records,
    imported_entries,
    leave_entries,
    lock_events,
    projects,
    tasks,
    time_entries,
    time_zone_groups,
    types_of_work,
    users,
    week_approvals,
    work_assignments,
    workflow_statuses,
)
from timetracker.store.util import name_key, now_ms

CHUNK = 5_000


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = sorted(set(values))
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


# --- names -------------------------------------------------------------------------------------


def users_by_username_key(conn: Connection, keys: Iterable[str]) -> dict[str, RowMapping]:
    """The users whose case-folded usernames are ``keys``, by that key."""
    found: dict[str, RowMapping] = {}
    columns = (
        users.c.id,
        users.c.username,
        users.c.username_key,
        users.c.active,
        users.c.hired,
        users.c.release_date,
        users.c.assign_all,
    )
    for chunk in _chunks(keys):
        stmt = select(*columns).where(users.c.username_key.in_(chunk))
        found.update((row["username_key"], row) for row in conn.execute(stmt).mappings())
    return found


def tasks_by_name_keys(
    conn: Connection, task_keys: Iterable[str]
) -> dict[tuple[str, str, str], RowMapping]:
    """Tasks named by one of ``task_keys``, by (customer, project, task) name keys."""
    columns = (
        tasks.c.id,
        tasks.c.project_id,
        projects.c.customer_id,
        customers.c.name_key.label("customer_key"),
        projects.c.name_key.label("project_key"),
        tasks.c.name_key,
    )
    found: dict[tuple[str, str, str], RowMapping] = {}
    for chunk in _chunks(task_keys):
        stmt = (
            select(*columns)
            .join(projects, projects.c.id == tasks.c.project_id)
            .join(customers, customers.c.id == projects.c.customer_id)
            .where(tasks.c.name_key.in_(chunk))
        )
        for row in conn.execute(stmt).mappings():
            found[(row["customer_key"], row["project_key"], row["name_key"])] = row
    return found


def customers_by_name_key(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        stmt = select(customers.c.name_key, customers.c.id).where(customers.c.name_key.in_(chunk))
        found.update(conn.execute(stmt).all())
    return found


def projects_by_name_key(
    conn: Connection, customer_ids: Iterable[int]
) -> dict[tuple[int, str], int]:
    """Projects of the customers, by (customer id, project name key)."""
    found: dict[tuple[int, str], int] = {}
    for chunk in _chunks(customer_ids):
        stmt = select(projects.c.customer_id, projects.c.name_key, projects.c.id).where(
            projects.c.customer_id.in_(chunk)
        )
        found.update(((c, k), i) for c, k, i in conn.execute(stmt))
    return found


def task_name_keys(conn: Connection, project_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(project id, task name key) of the tasks of the projects."""
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(project_ids):
        stmt = select(tasks.c.project_id, tasks.c.name_key).where(tasks.c.project_id.in_(chunk))
        found.update(conn.execute(stmt).all())
    return found


def named_settings(conn: Connection) -> tuple[dict[str, RowMapping], dict[str, RowMapping]]:
    """Types of work and workflow statuses, by name key."""

    def by_key(table) -> dict[str, RowMapping]:
        return {row["name_key"]: row for row in conn.execute(select(table)).mappings()}

    return by_key(types_of_work), by_key(workflow_statuses)


# --- the state of time-track around the file's records ----------------------------------------


def day_totals(
    conn: Connection, user_ids: Iterable[int], first: dt.date, last: dt.date
) -> dict[tuple[int, dt.date], int]:
    """Minutes of work and leave together per (user, day) from ``first`` to ``last``."""
    totals: dict[tuple[int, dt.date], int] = {}
    for table in (day_records, leave_entries):
        for chunk in _chunks(user_ids):
            stmt = (
                select(table.c.user_id, table.c.date, func.sum(table.c.minutes))
                .where(table.c.user_id.in_(chunk), table.c.date.between(first, last))
                .group_by(table.c.user_id, table.c.date)
            )
            for user_id, day, minutes in conn.execute(stmt):
                totals[(user_id, day)] = totals.get((user_id, day), 0) + int(minutes)
    return totals


def entries(
    conn: Connection,
    user_ids: Iterable[int],
    task_ids: Iterable[int],
    first: dt.date,
    last: dt.date,
) -> dict[tuple[int, dt.date, int], RowMapping]:
    """Stored records of the users on the tasks from ``first`` to ``last``, by (user, day,
    task)."""
    found: dict[tuple[int, dt.date, int], RowMapping] = {}
    task_ids = sorted(set(task_ids))
    te = day_records
    for user_chunk in _chunks(user_ids):
        for task_chunk in _chunks(task_ids):
            stmt = select(te).where(
                te.c.user_id.in_(user_chunk),
                te.c.task_id.in_(task_chunk),
                te.c.date.between(first, last),
            )
            for row in conn.execute(stmt).mappings():
                found[(row["user_id"], row["date"], row["task_id"])] = row
    return found


def marked_minutes(
    conn: Connection,
    user_ids: Iterable[int],
    task_ids: Iterable[int],
    first: dt.date,
    last: dt.date,
) -> dict[tuple[int, dt.date, int], list[int]]:
    """The stored entries' billable marks of the users on the tasks from ``first`` to ``last``:
    by (user, day, task), the minutes of the counted entries (live, not running) marked
    billable and marked not billable, as the marks' triggers sum them; cells without such an
    entry are left out."""
    found: dict[tuple[int, dt.date, int], list[int]] = {}
    task_ids = sorted(set(task_ids))
    e = time_entries
    for user_chunk in _chunks(user_ids):
        for task_chunk in _chunks(task_ids):
            stmt = (
                select(e.c.user_id, e.c.date, e.c.task_id, e.c.billable, func.sum(e.c.minutes))
                .where(
                    e.c.user_id.in_(user_chunk),
                    e.c.task_id.in_(task_chunk),
                    e.c.date.between(first, last),
                    e.c.billable.is_not(None),
                    e.c.deleted.is_(None),
                    or_(e.c.started.is_(None), e.c.ended.is_not(None)),
                )
                .group_by(e.c.user_id, e.c.date, e.c.task_id, e.c.billable)
            )
            for user_id, day, task_id, billable, minutes in conn.execute(stmt):
                marks = found.setdefault((user_id, day, task_id), [0, 0])
                marks[0 if billable else 1] += int(minutes)
    return found


def lock_events_between(
    conn: Connection, user_ids: Iterable[int], first: dt.date, last: dt.date
) -> list[RowMapping]:
    """Lock and unlock events overlapping the period, of the users or of everyone; newest
    first."""
    user_ids = sorted(set(user_ids))
    overlapping = and_(lock_events.c.date_to >= first, lock_events.c.date_from <= last)
    stmt = select(lock_events).where(overlapping, lock_events.c.user_id.is_(None))
    events = list(conn.execute(stmt).mappings())
    for chunk in _chunks(user_ids):
        stmt = select(lock_events).where(overlapping, lock_events.c.user_id.in_(chunk))
        events += conn.execute(stmt).mappings()
    return sorted(events, key=lambda event: event["id"], reverse=True)


def approved_weeks(
    conn: Connection, user_ids: Iterable[int], first: dt.date, last: dt.date, approved: str
) -> list[tuple[int, dt.date, dt.date]]:
    """(user, week start, week end) of the users' approved weeks overlapping the period."""
    wa = week_approvals
    weeks: list[tuple[int, dt.date, dt.date]] = []
    for chunk in _chunks(user_ids):
        stmt = select(wa.c.user_id, wa.c.week_start, wa.c.week_end).where(
            wa.c.user_id.in_(chunk),
            wa.c.status == approved,
            wa.c.week_end >= first,
            wa.c.week_start <= last,
        )
        weeks += conn.execute(stmt)
    return weeks


# --- writing -----------------------------------------------------------------------------------

_UPDATE_MINUTES = (
    day_records.update()
    .where(
        day_records.c.user_id == bindparam("key_user_id"),
        day_records.c.date == bindparam("key_date"),
        day_records.c.task_id == bindparam("key_task_id"),
    )
    .values(minutes=bindparam("new_minutes"), comment=bindparam("new_comment"))
)


# The same, with the record's billable marks (a bulk write of entries that keeps them itself).
_UPDATE_MINUTES_AND_MARKS = _UPDATE_MINUTES.values(
    marked_billable=bindparam("new_marked_billable"),
    marked_unbillable=bindparam("new_marked_unbillable"),
)


def write_day_records(conn: Connection, new: list[dict], changed: list[dict]) -> None:
    """Insert ``new`` records (dicts of the same columns) and update ``changed`` ones (``key_*``
    and ``new_*`` parameters; with ``new_marked_billable`` and ``new_marked_unbillable``, their
    marks too), each in one ``executemany``."""
    if new:
        columns = tuple(new[0])
        # In the primary key's order: each row then lands next to the one before it.
        key = itemgetter(*(columns.index(c) for c in ("user_id", "date", "task_id")))
        rows = sorted(map(itemgetter(*columns), new), key=key)
        insert_tuples(conn, day_records, columns, rows)
    if changed:
        marks = "new_marked_billable" in changed[0]
        conn.execute(_UPDATE_MINUTES_AND_MARKS if marks else _UPDATE_MINUTES, changed)


def add_task_assignments(conn: Connection, pairs: Iterable[tuple[int, int]]) -> None:
    """Assign each (user, task) pair: one work-assignment row per pair."""
    rows = [
        {"user_id": u, "customer_id": None, "project_id": None, "task_id": t}
        for u, t in sorted(set(pairs))
    ]
    if rows:
        conn.execute(insert(work_assignments), rows)


def insert_named(conn: Connection, kind: str, rows: list[dict]) -> list[int]:
    """Insert customers, projects or tasks (dicts of columns with ``name``) in one
    ``executemany``; their ids, in the order of ``rows``. ``name_key`` and ``created`` are
    filled in here, as for one object."""
    table = {"customer": customers, "project": projects, "task": tasks}[kind]
    if not rows:
        return []
    created = now_ms()
    values = [{**row, "name_key": name_key(row["name"]), "created": created} for row in rows]
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(stmt, values).scalars())


# --- imports from other products ---------------------------------------------------------------


def imported_keys(conn: Connection, source: str, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` (lines of an export of ``source``) are imported already."""
    found: set[str] = set()
    ie = imported_entries
    for chunk in _chunks(keys):
        stmt = select(ie.c.source_key).where(ie.c.source == source, ie.c.source_key.in_(chunk))
        found.update(conn.scalars(stmt))
    return found


def add_imported_keys(conn: Connection, source: str, pairs: list[tuple[str, int]]) -> None:
    """Remember that each (source key, time entry id) came from ``source``."""
    columns = ("source", "source_key", "time_entry_id")
    insert_tuples(conn, imported_entries, columns, ((source, k, i) for k, i in pairs))


def users_by_identity(conn: Connection) -> list[RowMapping]:
    """Every user, with what an export may name them by (username, email, full name) and the
    time zone of their group: a company's users fit in memory, however long its history."""
    columns = (
        users.c.id,
        users.c.username,
        users.c.username_key,
        users.c.email,
        users.c.name_key,
        users.c.active,
        users.c.hired,
        users.c.release_date,
        users.c.assign_all,
        users.c.time_zone_group_id,
        time_zone_groups.c.time_zone_id,
    )
    stmt = select(*columns).join(
        time_zone_groups, time_zone_groups.c.id == users.c.time_zone_group_id
    )
    return list(conn.execute(stmt.order_by(users.c.id)).mappings())


def default_time_zone(conn: Connection, group_id: int) -> str:
    """The time zone of the time zone group ``group_id``."""
    stmt = select(time_zone_groups.c.time_zone_id).where(time_zone_groups.c.id == group_id)
    return conn.execute(stmt).scalar_one()
