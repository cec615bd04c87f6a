"""Rules about people: accounts, schedules, permissions, teams, scopes, work assignments,
departments, time zone groups, leave types and rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update
from werkzeug.security import generate_password_hash

from timetracker import access
from timetracker.access import MANAGE_ACCOUNTS, Caller
from timetracker.errors import (
    ApiError,
    access_denied,
    already_exists,
    invalid_date_range,
    not_found,
)
from timetracker.services import named
from timetracker.store import entities
from timetracker.store import users as user_store
from timetracker.store.entities import (
    CUSTOMERS,
    DEPARTMENTS,
    LEAVE_TYPES,
    PROJECTS,
    TASKS,
    TIME_ZONE_GROUPS,
    USERS,
    Entity,
)
from timetracker.store.schema import user_leave_rates, user_rates, users

DEFAULT_ID = -1  # the built-in department and time zone group

# --- finding users ----------------------------------------------------------------------------


def find_user(conn: Connection, uid: str) -> RowMapping:
    """A user by id or username (the API's ``{uid}``), or 404."""
    user_id: int | None
    try:
        user_id = int(uid)
    except ValueError:
        user_id = user_store.id_for_username(conn, uid)
    row = None
    if user_id is not None and -(2**31) <= user_id < 2**31:
        row = entities.get_row(conn, USERS, user_id)
    if row is None:
        raise not_found("User", uid)
    return row


def visible_user(conn: Connection, caller: Caller, uid: str) -> RowMapping:
    """The user if it exists (404) and ``caller`` may see them (403)."""
    row = find_user(conn, uid)
    condition = access.user_filter(caller)
    if condition is not None and entities.get_row_where(conn, USERS, row["id"], condition) is None:
        raise access_denied("You do not have access to this user")
    return row


# --- accounts ---------------------------------------------------------------------------------


def _check_references(conn: Connection, values: Mapping[str, Any]) -> None:
    for key, entity, field in (
        ("department_id", DEPARTMENTS, "departmentId"),
        ("time_zone_group_id", TIME_ZONE_GROUPS, "timeZoneGroupId"),
    ):
        if key in values and entities.get_row(conn, entity, values[key]) is None:
            raise ApiError(
                404, "object_not_found", f"{field} {values[key]} does not exist", fields=field
            )


def _account_columns(values: Mapping[str, Any], hash_method: str) -> dict[str, Any]:
    columns = dict(values)
    if "password" in columns:
        columns["password_hash"] = generate_password_hash(
            columns.pop("password"), method=hash_method
        )
    return columns


def _check_employment(values: Mapping[str, Any]) -> None:
    hired, released = values.get("hired"), values.get("release_date")
    if hired and released and released < hired:
        raise invalid_date_range("The release date cannot precede the hire date", "releaseDate")


def create_user(conn: Connection, values: Mapping[str, Any], hash_method: str) -> RowMapping:
    if user_store.username_exists(conn, values["username"]):
        raise already_exists("User", "user_exists", "username")
    _check_references(conn, values)
    _check_employment(values)
    columns = _account_columns(values, hash_method)
    user_id = user_store.create(conn, **columns)
    return entities.get_row(conn, USERS, user_id)


def update_user(
    conn: Connection, row: RowMapping, values: Mapping[str, Any], hash_method: str
) -> RowMapping:
    if "username" in values and user_store.username_exists(
        conn, values["username"], exclude_id=row["id"]
    ):
        raise already_exists("User", "user_exists", "username")
    _check_references(conn, values)
    merged = {**row, **values}
    if merged["hired"] and merged["release_date"] and merged["release_date"] < merged["hired"]:
        raise ApiError(
            400,
            "invalid_argument",
            "The release date cannot precede the hire date",
            fields="releaseDate",
        )
    user_store.update_user(conn, row, _account_columns(values, hash_method))
    return entities.get_row(conn, USERS, row["id"])


def delete_user(conn: Connection, caller: Caller, row: RowMapping) -> None:
    if row["id"] == caller.id:
        raise ApiError(400, "cannot_delete_self", "You cannot delete your own account")
    if user_store.has_tracked_data(conn, row["id"]):
        raise ApiError(
            400,
            "user_has_data",
            "This user has tracked time or leave, or left comments, and cannot be deleted; "
            'disable the account instead (PATCH with {"active": false})',
        )
    user_store.delete_user(conn, row["id"])


# --- schedules --------------------------------------------------------------------------------


def parse_week(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def weekly_schedule(conn: Connection, row: RowMapping) -> tuple[list[int], bool]:
    """The user's workday minutes Sunday..Saturday, and whether it is the company's."""
    if row["weekly_schedule"]:
        return parse_week(row["weekly_schedule"]), False
    return parse_week(user_store.company_settings_map(conn)["weekly_schedule"]), True


def set_weekly_schedule(conn: Connection, row: RowMapping, days: list[int] | None) -> None:
    text = ",".join(str(d) for d in days) if days is not None else None
    conn.execute(update(users).where(users.c.id == row["id"]).values(weekly_schedule=text))


MAX_SCHEDULE_DAYS = 3661  # ten years and a little


def schedule(conn: Connection, row: RowMapping, date_from: dt.date, date_to: dt.date):
    """Workday minutes for each day; nothing before the hire date or after the release date."""
    if date_to < date_from:
        raise invalid_date_range("dateTo cannot precede dateFrom", "dateTo")
    if (date_to - date_from).days >= MAX_SCHEDULE_DAYS:
        raise invalid_date_range(f"At most {MAX_SCHEDULE_DAYS} days at once", "dateTo")
    week, _ = weekly_schedule(conn, row)
    days = []
    day = date_from
    while day <= date_to:
        employed = (row["hired"] is None or day >= row["hired"]) and (
            row["release_date"] is None or day <= row["release_date"]
        )
        # isoweekday: Monday 1 .. Sunday 7; the week list starts on Sunday.
        days.append(week[day.isoweekday() % 7] if employed else 0)
        day += dt.timedelta(days=1)
    return days


# --- permissions, team, scope, work assignments -------------------------------------------------


def permissions(conn: Connection, row: RowMapping) -> dict[str, Any]:
    return {
        "permissions": user_store.permissions_of(conn, row["id"]),
        "seeAllUsersData": row["sees_all_data"],
    }


def set_permissions(
    conn: Connection, caller: Caller, row: RowMapping, values: Mapping[str, Any]
) -> dict[str, Any]:
    if row["id"] == caller.id and MANAGE_ACCOUNTS not in values["permissions"]:
        raise ApiError(
            400,
            "cannot_revoke_own_admin",
            "You cannot take Manage Accounts & Permissions from yourself",
            fields="permissions",
        )
    user_store.set_permissions(conn, row["id"], values["permissions"])
    conn.execute(
        update(users).where(users.c.id == row["id"]).values(sees_all_data=values["seeAllUsersData"])
    )
    return permissions(conn, entities.get_row(conn, USERS, row["id"]))


def _ensure_exist(conn: Connection, entity: Entity, ids, field: str) -> None:
    missing = sorted(set(ids) - {r["id"] for r in entities.rows_by_ids(conn, entity, ids)})
    if missing:
        raise ApiError(
            404,
            "object_not_found",
            f"{field}: {', '.join(map(str, missing))} do not exist",
            fields=field,
        )


def team(conn: Connection, row: RowMapping) -> dict[str, Any]:
    return {"allUsers": row["team_all"], "userIds": user_store.team_of(conn, row["id"])}


def set_team(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> dict[str, Any]:
    _ensure_exist(conn, USERS, values["userIds"], "userIds")
    user_store.set_team(conn, row["id"], values["userIds"])
    conn.execute(update(users).where(users.c.id == row["id"]).values(team_all=values["allUsers"]))
    return team(conn, entities.get_row(conn, USERS, row["id"]))


def _links_body(conn: Connection, row: RowMapping, links: str, flag: str) -> dict[str, Any]:
    ids = user_store.links_of(conn, links, row["id"])
    body = {
        "allScope": row[flag],
        "customerIds": ids["customer_ids"],
        "projectIds": ids["project_ids"],
    }
    if "task_ids" in ids:
        body["taskIds"] = ids["task_ids"]
    return body


def scope(conn: Connection, row: RowMapping) -> dict[str, Any]:
    return _links_body(conn, row, "scope", "scope_all")


def set_scope(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> dict[str, Any]:
    _ensure_exist(conn, CUSTOMERS, values["customerIds"], "customerIds")
    _ensure_exist(conn, PROJECTS, values["projectIds"], "projectIds")
    user_store.set_links(
        conn,
        "scope",
        row["id"],
        {"customer_ids": values["customerIds"], "project_ids": values["projectIds"]},
    )
    conn.execute(update(users).where(users.c.id == row["id"]).values(scope_all=values["allScope"]))
    return scope(conn, entities.get_row(conn, USERS, row["id"]))


def work_assignments(conn: Connection, row: RowMapping) -> dict[str, Any]:
    return _links_body(conn, row, "assignments", "assign_all")


ASSIGNABLE = (
    ("customer", CUSTOMERS, "customerIds"),
    ("project", PROJECTS, "projectIds"),
    ("task", TASKS, "taskIds"),
)


def set_work_assignments(
    conn: Connection, caller: Caller, row: RowMapping, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace a user's work assignments.

    Holders of Manage Accounts & Permissions (or of Manage Scope of Work over the whole
    catalogue) set them freely. A manager with a limited scope of work may only add or remove
    objects inside that scope, and must leave ``allScope`` as it is: assignments outside the
    scope are kept whatever the body says.
    """
    scope_of = access.scope_of(conn, caller)
    current = user_store.links_of(conn, "assignments", row["id"])
    final: dict[str, set[int]] = {}
    for kind, entity, field in ASSIGNABLE:
        _ensure_exist(conn, entity, values[field], field)
        wanted = set(values[field])
        if scope_of.everything:
            final[f"{kind}_ids"] = wanted
            continue
        outside = {
            r["id"]
            for r in entities.rows_by_ids(conn, entity, wanted)
            if not scope_of.covers(kind, r)
        }
        if outside:
            raise access_denied(f"{field} {sorted(outside)} are outside your scope of work")
        kept = {
            r["id"]
            for r in entities.rows_by_ids(conn, entity, current[f"{kind}_ids"])
            if not scope_of.covers(kind, r)
        }
        final[f"{kind}_ids"] = wanted | kept
    if values["allScope"] != row["assign_all"] and not scope_of.everything:
        raise access_denied("Only a manager of the whole catalogue can assign all work")
    user_store.set_links(conn, "assignments", row["id"], final)
    conn.execute(update(users).where(users.c.id == row["id"]).values(assign_all=values["allScope"]))
    return work_assignments(conn, entities.get_row(conn, USERS, row["id"]))


# --- departments, time zone groups, leave types -----------------------------------------------


def delete_grouping(conn: Connection, kind: str, row: RowMapping) -> None:
    """Delete a department or time zone group; its users move to the built-in one."""
    spec = named.KINDS[kind]
    if row["is_default"]:
        raise ApiError(
            400, "default_cannot_be_deleted", f"The default {spec.label.lower()} cannot be deleted"
        )
    column = users.c.department_id if kind == "department" else users.c.time_zone_group_id
    conn.execute(update(users).where(column == row["id"]).values({column: DEFAULT_ID}))
    entities.delete_row(conn, spec.entity, row["id"])


# --- user rates ---------------------------------------------------------------------------------


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


def set_rates(conn: Connection, row: RowMapping, rates: list[Mapping[str, Any]]) -> list:
    dates = [r["date_from"] for r in rates]
    if len(set(dates)) != len(dates):
        raise ApiError(
            400, "invalid_argument", "Each dateFrom may appear only once", fields="dateFrom"
        )
    leave_type_ids = {lr["leave_type_id"] for r in rates for lr in r["leave_rates"]}
    _ensure_exist(conn, LEAVE_TYPES, leave_type_ids, "leaveTypeId")
    for rate in rates:
        ids = [lr["leave_type_id"] for lr in rate["leave_rates"]]
        if len(set(ids)) != len(ids):
            raise ApiError(
                400,
                "invalid_argument",
                "A leave type may appear once per rate period",
                fields="leaveRates",
            )
    conn.execute(delete(user_rates).where(user_rates.c.user_id == row["id"]))
    if rates:
        conn.execute(
            insert(user_rates),
            [
                {
                    "user_id": row["id"],
                    "date_from": r["date_from"],
                    "regular_rate": r["regular_rate"],
                    "overtime_rate": r["overtime_rate"],
                }
                for r in rates
            ],
        )
        leave_rows = [
            {
                "user_id": row["id"],
                "date_from": r["date_from"],
                "leave_type_id": lr["leave_type_id"],
                "rate": lr["rate"],
            }
            for r in rates
            for lr in r["leave_rates"]
        ]
        if leave_rows:
            conn.execute(insert(user_leave_rates), leave_rows)
    return rates_of(conn, [row["id"]])[row["id"]]
