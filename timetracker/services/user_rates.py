"""Rules of user rates: read with Manage Accounts & Permissions (everyone) or Manage Cost &
Billing Data (the assigned team); written only with Manage Accounts & Permissions. A rate
history holds one period per ``dateFrom`` and one rate per leave type within a period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError, access_denied
from timetracker.services import crud
from timetracker.services.users import users
from timetracker.store import user_rates as store
from timetracker.store.leave_types import LEAVE_TYPES


def list_rates(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """Paged over the users (in id order) whose rates the caller may read."""
    if not access.can_read_rates(caller):
        raise access_denied("Reading rates needs Manage Cost & Billing Data")
    user_ids = store.rated_user_ids(conn, access.rates_user_filter(caller), args)
    by_user = store.rates_of(conn, user_ids)
    items = [{"userId": u, "rates": by_user[u]} for u in user_ids]
    return {"offset": args["offset"], "limit": args["limit"], "items": items}


def rates(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    row = users.reachable(conn, caller, uid)
    if not access.can_read_rates_of(conn, caller, row["id"]):
        raise access_denied("Reading rates needs Manage Cost & Billing Data over this user")
    return {"userId": row["id"], "rates": store.rates_of(conn, [row["id"]])[row["id"]]}


def set_rates(
    conn: Connection, caller: Caller, uid, periods: list[Mapping[str, Any]]
) -> dict[str, Any]:
    """Replace the whole rate history of a user."""
    row = users.managed(conn, caller, uid, "rates")
    dates = [r["date_from"] for r in periods]
    if len(set(dates)) != len(dates):
        raise ApiError(
            400, "invalid_argument", "Each dateFrom may appear only once", fields="dateFrom"
        )
    leave_type_ids = {lr["leave_type_id"] for r in periods for lr in r["leave_rates"]}
    crud.ensure_exist(conn, LEAVE_TYPES, leave_type_ids, "leaveTypeId")
    for period in periods:
        ids = [lr["leave_type_id"] for lr in period["leave_rates"]]
        if len(set(ids)) != len(ids):
            raise ApiError(
                400,
                "invalid_argument",
                "A leave type may appear once per rate period",
                fields="leaveRates",
            )
    store.set_rates(conn, row["id"], periods)
    return {"userId": row["id"], "rates": store.rates_of(conn, [row["id"]])[row["id"]]}
