"""Queries on week approvals: one decision per user and week, no row while undecided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, insert, select

from timetracker.store.schema import (
    day_records,
    projects,
    tasks,
    week_approvals,
)
from timetracker.store.util import now_ms

APPROVED = "approved"
REJECTED = "rejected"


def covering(user_id, day) -> ColumnElement[bool]:
    """SQL: an approved week of ``user_id`` (a value or a column) contains ``day``."""
    return exists().where(
        week_approvals.c.user_id == user_id,
        week_approvals.c.status == APPROVED,
        week_approvals.c.week_start <= day,
        week_approvals.c.week_end >= day,
    )


def decide(
    conn: Connection,
    user_ids: list[int],
    weeks: list[tuple[dt.date, dt.date]],
    status: str | None,
    *,
    comment: str | None = None,
    decided_by: int | None = None,
) -> None:
    """Replace the decision on every (user, week); ``status`` None revokes it."""
    first, last = weeks[0][0], weeks[-1][0]
    conn.execute(
        delete(week_approvals).where(
            week_approvals.c.user_id.in_(user_ids),
            week_approvals.c.week_start >= first,
            week_approvals.c.week_start <= last,
        )
    )
    if status is None:
        return
    decided = now_ms()
    conn.execute(
        insert(week_approvals),
        [
            {
                "user_id": user_id,
                "week_start": start,
                "week_end": end,
                "status": status,
                "comment": comment,
                "decided_by": decided_by,
                "decided": decided,
            }
            for user_id in user_ids
            for start, end in weeks
        ],
    )


def decisions(conn: Connection, user_ids: Iterable[int], date_from: dt.date, date_to: dt.date):
    """A function (user_id, date) -> the decision row covering that day, or None."""
    rows = (
        conn.execute(
            select(week_approvals).where(
                week_approvals.c.user_id.in_(sorted(set(user_ids))),
                week_approvals.c.week_end >= date_from,
                week_approvals.c.week_start <= date_to,
            )
        )
        .mappings()
        .all()
    )
    by_user: dict[int, list] = {}
    for row in rows:
        by_user.setdefault(row["user_id"], []).append(row)

    def decision(user_id: int, day: dt.date):
        for row in by_user.get(user_id, ()):
            if row["week_start"] <= day <= row["week_end"]:
                return row
        return None

    return decision


def _time_under(kind: str, object_id: int):
    """SQL: time entries on the object (a task, or everything under a project or customer)."""
    column = {
        "task": tasks.c.id,
        "project": tasks.c.project_id,
        "customer": projects.c.customer_id,
    }[kind]
    return (
        select(day_records.c.user_id)
        .join(tasks, tasks.c.id == day_records.c.task_id)
        .join(projects, projects.c.id == tasks.c.project_id)
        .where(column == object_id)
    )


def _approved_weeks_with_time_on(kind: str, object_id: int) -> ColumnElement[bool]:
    """SQL: the week_approvals rows that approve time on the object."""
    return and_(
        week_approvals.c.status == APPROVED,
        _time_under(kind, object_id)
        .where(
            day_records.c.user_id == week_approvals.c.user_id,
            day_records.c.date >= week_approvals.c.week_start,
            day_records.c.date <= week_approvals.c.week_end,
        )
        .exists(),
    )


def has_approved_time(conn: Connection, kind: str, object_id: int) -> bool:
    condition = _approved_weeks_with_time_on(kind, object_id)
    return conn.execute(select(exists().where(condition))).scalar_one()


def revoke_weeks_with_time_on(conn: Connection, kind: str, object_id: int) -> None:
    """Revoke, in one statement, the approved weeks holding time on the object."""
    conn.execute(delete(week_approvals).where(_approved_weeks_with_time_on(kind, object_id)))
