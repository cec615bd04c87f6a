"""Rules of departments. The built-in department -1, "Users without department", always exists;
deleting another moves its users there. Changes need Manage Accounts & Permissions."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError
from timetracker.services import crud
from timetracker.store import users as user_store
from timetracker.store.departments import DEPARTMENTS


class UserGrouping(crud.Resource):
    """A named group every user belongs to exactly one of (departments, time zone groups):
    the default one cannot be deleted, and deleting another moves its users to the default."""

    user_column: str  # the users column naming the group

    def ensure_can_change(self, conn: Connection, caller: Caller, row) -> None:
        access.ensure_can_manage_accounts(caller, "departments and time zone groups")

    def before_delete(self, conn: Connection, caller: Caller, row: RowMapping, options) -> None:
        if row["is_default"]:
            raise ApiError(
                400,
                "default_cannot_be_deleted",
                f"The default {self.label.lower()} cannot be deleted",
            )
        user_store.move_to_default(conn, self.user_column, row["id"])


class Departments(UserGrouping):
    kind, label, exists_key, entity = "department", "Department", "department_exists", DEPARTMENTS
    user_column = "department_id"


departments = Departments()
