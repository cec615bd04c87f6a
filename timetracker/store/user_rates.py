"""Queries on user rates: periods with a regular and an overtime rate, and leave rates per leave
type within each period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from timetracker.store import kept_totals
from timetracker.store.entities import replace_rows
from timetracker.store.schema import user_leave_rates, user_rates, users
from timetracker.store.users import USERS


def rates_of(conn: Connection, user_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every user's rate history, oldest first, with leave rates: two queries in all."""
    result: dict[int, list[dict[str, Any]]] = {u: [] for u in user_ids}
    if not user_ids:
        return result
    periods = (
        conn.execute(
            select(user_rates)
            .where(user_rates.c.user_id.in_(user_ids))
            .order_by(user_rates.c.user_id, user_rates.c.date_from)
        )
        .mappings()
        .all()
    )
    leave = (
        conn.execute(
            select(user_leave_rates)
            .where(user_leave_rates.c.user_id.in_(user_ids))
            .order_by(user_leave_rates.c.leave_type_id)
        )
        .mappings()
        .all()
    )
    by_period: dict[tuple[int, dt.date], list] = {}
    for rate in leave:
        by_period.setdefault((rate["user_id"], rate["date_from"]), []).append(rate)
    for period in periods:
        result[period["user_id"]].append(
            {**period, "leave_rates": by_period.get((period["user_id"], period["date_from"]), [])}
        )
    return result


def set_rates(conn: Connection, user_id: int, rates: list[Mapping[str, Any]]) -> None:
    """Replace a user's whole rate history (the leave rates go with their periods)."""
    periods, leave = [], []
    for rate in rates:
        period = {"user_id": user_id, "date_from": rate["date_from"]}
        periods.append(
            {
                **period,
                "regular_rate": rate["regular_rate"],
                "overtime_rate": rate["overtime_rate"],
            }
        )
        leave.extend(
            {**period, "leave_type_id": lr["leave_type_id"], "rate": lr["rate"]}
            for lr in rate["leave_rates"]
        )
    # Deleting the periods deletes their leave rates (ON DELETE CASCADE).
    replace_rows(conn, user_rates, user_rates.c.user_id == user_id, periods)
    if leave:
        conn.execute(insert(user_leave_rates), leave)
    # The cost kept in the totals is minutes x the rate on each record's day: new rates change
    # it for time already tracked.
    kept_totals.rebuild(conn, [user_id])


def rated_user_ids(conn: Connection, visible, args: Mapping[str, Any]) -> list[int]:
    """One page (in id order) of the ids of users whose rates ``visible`` lets the caller read."""
    stmt = (
        USERS.base.with_only_columns(users.c.id)
        .where(visible)
        .order_by(users.c.id)
        .offset(args["offset"])
        .limit(args["limit"])
    )
    if args.get("user_ids"):
        stmt = stmt.where(users.c.id.in_(args["user_ids"]))
    return list(conn.execute(stmt).scalars())
