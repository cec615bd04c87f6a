"""Rules of users: accounts, schedules, permissions, assigned teams, scopes of work and work
assignments.

Everyone sees themselves; the manager permissions add the assigned team; Manage Accounts &
Permissions and "see all users' data" add everyone. Changing an account, its schedule,
permissions, team or scope needs Manage Accounts & Permissions; work assignments may also be
changed by Manage Scope of Work within its scope. ``{uid}`` is a user id or a username.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping
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
from timetracker.services import crud, departments, time_zone_groups
from timetracker.services.periods import check_range
from timetracker.store import entities, settings, time_entries
from timetracker.store import users as store
from timetracker.store.catalogue import CUSTOMERS, PROJECTS, TASKS
from timetracker.store.departments import DEPARTMENTS
from timetracker.store.time_zone_groups import TIME_ZONE_GROUPS
from timetracker.store.users import USERS
from timetracker.store.util import name_key

ME = "me"  # in a path, wherever a user id or username goes: the caller
# Sorting by these reveals private fields. (The ``username`` and ``email`` filters match among
# the users the caller may see, exactly those whose username the caller may use in a path: an
# exact match says no more than such a path does, and the answer still leaves the private fields
# out for whoever may not see them.)
PRIVATE_SORTS = {"username", "hired", "releaseDate"}


def _is_id(uid) -> bool:
    return isinstance(uid, int) or str(uid).lstrip("-").isdigit()


MAX_SCHEDULE_DAYS = 3661  # ten years and a little


def with_password_hash(values: Mapping[str, Any], hash_method: str) -> dict[str, Any]:
    """``values`` with ``password`` replaced by its hash (done before the write transaction:
    a slow hash must not hold the database's write lock)."""
    columns = dict(values)
    if "password" in columns:
        columns["password_hash"] = generate_password_hash(
            columns.pop("password"), method=hash_method
        )
    return columns


class Users(crud.Resource):
    kind, label, exists_key, entity = "user", "User", "user_exists", USERS

    def references(self):
        return {
            "departments": (departments.departments, "department_id"),
            "timeZoneGroups": (time_zone_groups.time_zone_groups, "time_zone_group_id"),
        }

    def visible(self, caller: Caller):
        return access.user_filter(caller)

    def find(self, conn: Connection, uid) -> RowMapping:
        """A user by id or username (the API's ``{uid}``), or 404."""
        user_id: int | None
        try:
            user_id = int(uid)
        except ValueError:
            user_id = store.id_for_username(conn, uid)
        row = None
        if user_id is not None and -(2**31) <= user_id < 2**31:
            row = entities.get_row(conn, USERS, user_id)
        if row is None:
            raise not_found("User", uid)
        return row

    def resolve(self, conn: Connection, caller: Caller, uid, reaches=None) -> RowMapping:
        """The user a path names: an id, a username, or ``me``; 404 when unknown. Usernames are
        private: one naming a user the caller may neither see nor reach through the path's own
        rule (``reaches(row)``: whose leave a PTO manager keeps) answers as an unknown one, so
        no path tells which exist. An id out of reach is the path's rule's 403."""
        row = self.find(conn, caller.id if uid == ME else uid)
        if uid == ME or _is_id(uid) or row["id"] == caller.id:
            return row
        if self.can_see(conn, caller, row) or (reaches is not None and reaches(row)):
            return row
        raise not_found("User", uid)

    def reachable(self, conn: Connection, caller: Caller, uid) -> RowMapping:
        """The user if the caller may see them: 404 for a username out of reach (as an unknown
        one), 403 for an id out of reach."""
        row = self.resolve(conn, caller, uid)
        if uid != ME and _is_id(uid):
            self.ensure_can_see(conn, caller, row)
        return row

    def ensure_can_change(self, conn, caller, row, what: str = "users") -> None:
        access.ensure_can_manage_accounts(caller, what)

    def present(self, conn: Connection, caller: Caller, rows: list) -> list:
        can_submit_for = access.submit_checker(conn, caller)
        return [
            {**row, "allowed_actions": {"canSubmitTimetrack": can_submit_for(row)}} for row in rows
        ]

    def list_filters(self, caller: Caller, args: Mapping[str, Any]) -> Mapping[str, Any]:
        private = PRIVATE_SORTS & {f for f, _ in args.get("sort") or ()}
        if private and not access.can_see_private_user_fields(caller):
            raise access_denied(
                f"Sorting by {', '.join(sorted(private))} needs Manage Accounts & Permissions"
            )
        args = dict(args)
        if "username" in args:
            args["username_key"] = name_key(args.pop("username"))
        if "email" in args:
            args["email_key"] = args.pop("email").lower()
        for single, many in (
            ("department", "department_ids"),
            ("timeZoneGroup", "time_zone_group_ids"),
        ):
            if single in args:
                args[many] = [*args.get(many, []), args.pop(single)]
        return args

    def me(self, conn: Connection, caller: Caller):
        return self.one(conn, caller, self.find(conn, caller.id))

    def managed(self, conn: Connection, caller: Caller, uid, what: str = "users") -> RowMapping:
        """A user the caller may see (404/403) and change with Manage Accounts & Permissions."""
        row = self.reachable(conn, caller, uid)
        self.ensure_can_change(conn, caller, row, what)
        return row

    # --- accounts ---------------------------------------------------------------------------

    def create(self, conn: Connection, caller: Caller, values: Mapping[str, Any]):
        """``values`` carry ``password_hash`` (see :func:`with_password_hash`)."""
        self.ensure_can_change(conn, caller, None)
        if store.username_exists(conn, values["username"]):
            raise already_exists("User", "user_exists", "username")
        _check_references(conn, values)
        _check_employment(values)
        created = self.one(conn, caller, self.find(conn, store.create(conn, **values)))
        self.record(conn, caller, "create", created)
        return created

    def update(self, conn: Connection, caller: Caller, uid, values: Mapping[str, Any]):
        """You cannot disable yourself. ``values`` carry ``password_hash`` when the password
        changes."""
        row = self.managed(conn, caller, uid)
        if row["id"] == caller.id and values.get("active") is False:
            raise ApiError(
                400, "cannot_disable_self", "You cannot disable your own account", fields="active"
            )
        if "username" in values and store.username_exists(
            conn, values["username"], exclude_id=row["id"]
        ):
            raise already_exists("User", "user_exists", "username")
        _check_references(conn, values)
        _check_employment({**row, **values})
        before = self.one(conn, caller, row)
        store.update_user(conn, row, values)
        after = self.one(conn, caller, self.find(conn, row["id"]))
        self.record(conn, caller, "update", after, before)
        return after

    def before_delete(self, conn, caller, row, options) -> None:
        """Nobody deletes themselves; a user with tracked time, leave or comments is disabled
        instead."""
        if row["id"] == caller.id:
            raise ApiError(400, "cannot_delete_self", "You cannot delete your own account")
        if store.has_tracked_data(conn, row["id"]):
            raise ApiError(
                400,
                "user_has_data",
                "This user has tracked time or leave, or left comments, and cannot be deleted; "
                'disable the account instead (PATCH with {"active": false})',
            )
        # Deleted entries and a running timer keep nothing the account must outlive.
        time_entries.purge_uncounted_of_user(conn, row["id"])


users = Users()


def _check_references(conn: Connection, values: Mapping[str, Any]) -> None:
    if "department_id" in values:
        crud.reference(conn, DEPARTMENTS, values["department_id"], "departmentId")
    if "time_zone_group_id" in values:
        crud.reference(conn, TIME_ZONE_GROUPS, values["time_zone_group_id"], "timeZoneGroupId")


def _check_employment(values: Mapping[str, Any]) -> None:
    hired, released = values.get("hired"), values.get("release_date")
    if hired and released and released < hired:
        raise invalid_date_range("The release date cannot precede the hire date", "releaseDate")


def _self_or_account_manager(conn: Connection, caller: Caller, uid) -> RowMapping:
    """Permissions, teams and scopes are read by the user and by Manage Accounts & Permissions."""
    row = users.reachable(conn, caller, uid)
    if row["id"] != caller.id and not access.can_manage_accounts(caller):
        raise access_denied(
            "Only the user and holders of Manage Accounts & Permissions may read this"
        )
    return row


# --- schedules --------------------------------------------------------------------------------


def _week_of(conn: Connection, row: RowMapping) -> tuple[list[int], bool]:
    """The user's workday minutes Sunday..Saturday, and whether it is the company's."""
    own = row["weekly_schedule"]
    text = own or settings.company_settings_map(conn)["weekly_schedule"]
    return [int(part) for part in text.split(",")], not own


def weekly_schedule(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    days, company = _week_of(conn, users.reachable(conn, caller, uid))
    return {"days": days, "companyDefault": company}


def set_weekly_schedule(
    conn: Connection, caller: Caller, uid, days: list[int] | None
) -> dict[str, Any]:
    """Seven values, Sunday first; None returns the user to the company's schedule."""
    row = users.managed(conn, caller, uid, "schedules")
    text = ",".join(str(d) for d in days) if days is not None else None
    store.set_columns(conn, row["id"], weekly_schedule=text)
    return weekly_schedule(conn, caller, row["id"])


def schedule(conn: Connection, caller: Caller, uid, date_from: dt.date, date_to: dt.date):
    """Workday minutes for each day; nothing before the hire date or after the release date."""
    row = users.reachable(conn, caller, uid)
    check_range(date_from, date_to)
    if (date_to - date_from).days >= MAX_SCHEDULE_DAYS:
        raise invalid_date_range(f"At most {MAX_SCHEDULE_DAYS} days at once", "dateTo")
    week, _ = _week_of(conn, row)
    days = []
    day = date_from
    while day <= date_to:
        employed = (row["hired"] is None or day >= row["hired"]) and (
            row["release_date"] is None or day <= row["release_date"]
        )
        # isoweekday: Monday 1 .. Sunday 7; the week list starts on Sunday.
        days.append(week[day.isoweekday() % 7] if employed else 0)
        day += dt.timedelta(days=1)
    return {"dateFrom": date_from, "dateTo": date_to, "schedule": days}


# --- permissions, team, scope, work assignments -------------------------------------------------


def _permissions_body(conn: Connection, user_id: int) -> dict[str, Any]:
    flag = users.find(conn, user_id)["sees_all_data"]
    return {"permissions": store.permissions_of(conn, user_id), "seeAllUsersData": flag}


def permissions(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    return _permissions_body(conn, _self_or_account_manager(conn, caller, uid)["id"])


def set_permissions(
    conn: Connection, caller: Caller, uid, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Replaces the whole set; nobody takes Manage Accounts & Permissions from themselves."""
    row = users.managed(conn, caller, uid, "permissions")
    if row["id"] == caller.id and MANAGE_ACCOUNTS not in values["permissions"]:
        raise ApiError(
            400,
            "cannot_revoke_own_admin",
            "You cannot take Manage Accounts & Permissions from yourself",
            fields="permissions",
        )
    store.set_permissions(conn, row["id"], values["permissions"])
    store.set_columns(conn, row["id"], sees_all_data=values["seeAllUsersData"])
    return _permissions_body(conn, row["id"])


def _team_body(conn: Connection, caller: Caller, user_id: int) -> dict[str, Any]:
    """The members ``caller`` may see (without a manager permission: at most themselves)."""
    members = store.team_of(conn, user_id, access.user_filter(caller))
    return {"allUsers": users.find(conn, user_id)["team_all"], "userIds": members}


def team(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    return _team_body(conn, caller, _self_or_account_manager(conn, caller, uid)["id"])


def set_team(conn: Connection, caller: Caller, uid, values: Mapping[str, Any]) -> dict[str, Any]:
    row = users.managed(conn, caller, uid, "teams")
    crud.ensure_exist(conn, USERS, values["userIds"], "userIds")
    store.set_team(conn, row["id"], values["userIds"])
    store.set_columns(conn, row["id"], team_all=values["allUsers"])
    return _team_body(conn, caller, row["id"])


def _links_body(conn: Connection, user_id: int, links: str, flag: str) -> dict[str, Any]:
    row = users.find(conn, user_id)
    ids = store.links_of(conn, links, user_id)
    body = {
        "allScope": row[flag],
        "customerIds": ids["customer_ids"],
        "projectIds": ids["project_ids"],
    }
    if "task_ids" in ids:
        body["taskIds"] = ids["task_ids"]
    return body


def scope(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    row = _self_or_account_manager(conn, caller, uid)
    return _links_body(conn, row["id"], "scope", "scope_all")


def set_scope(conn: Connection, caller: Caller, uid, values: Mapping[str, Any]) -> dict[str, Any]:
    """Customers and projects (with everything under them), or the whole catalogue."""
    row = users.managed(conn, caller, uid, "scopes of work")
    crud.ensure_exist(conn, CUSTOMERS, values["customerIds"], "customerIds")
    crud.ensure_exist(conn, PROJECTS, values["projectIds"], "projectIds")
    store.set_links(
        conn,
        "scope",
        row["id"],
        {"customer_ids": values["customerIds"], "project_ids": values["projectIds"]},
    )
    store.set_columns(conn, row["id"], scope_all=values["allScope"])
    return _links_body(conn, row["id"], "scope", "scope_all")


def work_assignments(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    row = users.reachable(conn, caller, uid)
    return _links_body(conn, row["id"], "assignments", "assign_all")


ASSIGNABLE = (
    ("customer", CUSTOMERS, "customerIds"),
    ("project", PROJECTS, "projectIds"),
    ("task", TASKS, "taskIds"),
)


def set_work_assignments(
    conn: Connection, caller: Caller, uid, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace a user's work assignments.

    Holders of Manage Accounts & Permissions (or of Manage Scope of Work over the whole
    catalogue) set them freely. A manager with a limited scope of work may only add or remove
    objects inside that scope, and must leave ``allScope`` as it is: assignments outside the
    scope are kept whatever the body says.
    """
    row = users.reachable(conn, caller, uid)
    if not access.can_manage_work_assignments_of(conn, caller, row["id"]):
        raise access_denied("Assigning work needs Manage Scope of Work over this user")
    scope_of = access.scope_of(conn, caller)
    current = store.links_of(conn, "assignments", row["id"])
    final: dict[str, set[int]] = {}
    for kind, entity, field in ASSIGNABLE:
        crud.ensure_exist(conn, entity, values[field], field)
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
    store.set_links(conn, "assignments", row["id"], final)
    store.set_columns(conn, row["id"], assign_all=values["allScope"])
    return _links_body(conn, row["id"], "assignments", "assign_all")
