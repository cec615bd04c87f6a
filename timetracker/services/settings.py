"""Rules of company settings: workflow statuses, types of work, and the ``/info`` answer.

Workflow statuses: the two built-in ones ("New", open; "Completed", completed) can be renamed but
neither deleted nor given another type, so every type always has a status. Deleting any other
status moves its tasks to ``replacementId`` (default: the built-in status of the same type).

Types of work: exactly one is the default; making another the default unsets the old one, and the
default cannot be archived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import __version__, access
from timetracker.access import Caller
from timetracker.errors import ApiError, object_not_found
from timetracker.services import crud
from timetracker.store import entities
from timetracker.store import settings as store
from timetracker.store.settings import TYPES_OF_WORK, WORKFLOW_STATUSES


class SystemSetting(crud.Resource):
    what: str  # "workflow statuses", for messages

    def ensure_can_change(self, conn: Connection, caller: Caller, row) -> None:
        access.ensure_can_manage_settings(caller, self.what)


class WorkflowStatuses(SystemSetting):
    kind, label, exists_key = "workflowStatus", "Workflow status", "workflow_status_exists"
    entity, what = WORKFLOW_STATUSES, "workflow statuses"

    def prepare_create(self, conn, caller, values):
        self.ensure_can_change(conn, caller, None)
        return {**values, "builtin": False}

    def prepare_update(self, conn, caller, row, values):
        self.ensure_can_change(conn, caller, row)
        if row["builtin"] and values.get("type", row["type"]) != row["type"]:
            raise ApiError(
                400,
                "workflow_status_builtin",
                "The type of a built-in workflow status cannot be changed",
                fields="type",
            )
        return dict(values)

    def before_delete(self, conn, caller, row, options) -> None:
        """Its tasks move to ``replacementId`` (default: the built-in status of its type)."""
        if row["builtin"]:
            raise ApiError(
                400, "workflow_status_builtin", "A built-in workflow status cannot be deleted"
            )
        replacement_id = options.get("replacementId")
        if replacement_id is None:
            replacement_id = store.builtin_status_id(conn, row["type"])
        elif replacement_id == row["id"]:
            raise ApiError(
                400,
                "invalid_replacement",
                "A workflow status cannot replace itself",
                fields="replacementId",
            )
        elif entities.get_row(conn, WORKFLOW_STATUSES, replacement_id) is None:
            raise object_not_found(
                f"Workflow status {replacement_id} does not exist", "replacementId"
            )
        store.move_tasks_to_status(conn, row["id"], replacement_id)


class TypesOfWork(SystemSetting):
    kind, label, exists_key = "typeOfWork", "Type of work", "type_of_work_exists"
    entity, what = TYPES_OF_WORK, "types of work"

    def prepare_create(self, conn, caller, values):
        self.ensure_can_change(conn, caller, None)
        # A refused name raises after the default was moved; the request's rollback undoes both.
        return {"is_default": False, **_type_columns(conn, values, None)}

    def prepare_update(self, conn, caller, row, values):
        self.ensure_can_change(conn, caller, row)
        return _type_columns(conn, values, row)

    def default(self, conn: Connection, caller: Caller) -> RowMapping:
        return store.default_type_of_work(conn)


def _type_columns(
    conn: Connection, values: Mapping[str, Any], current: RowMapping | None
) -> dict[str, Any]:
    columns = dict(values)
    is_default = columns.pop("default", None)
    archived = columns.get("archived", current["archived"] if current else False)
    will_be_default = bool(is_default) or (
        current is not None and current["is_default"] and is_default is None
    )
    if current is not None and current["is_default"] and is_default is False:
        raise ApiError(
            400,
            "default_type_of_work",
            "Make another type of work the default instead",
            fields="default",
        )
    if will_be_default and archived:
        raise ApiError(
            400,
            "default_type_of_work",
            "The default type of work cannot be archived",
            fields="archived",
        )
    if is_default and not (current is not None and current["is_default"]):
        store.clear_default_type_of_work(conn)
        columns["is_default"] = True
    return columns


workflow_statuses = WorkflowStatuses()
types_of_work = TypesOfWork()


def info(conn: Connection, base_url: str, limits: Mapping[str, int]) -> dict[str, Any]:
    """The server's settings, features and limits (``/info``)."""
    settings = store.company_settings_map(conn)
    return {
        "company": {"name": settings["company_name"], "logoUri": ""},
        "customNames": {
            "firstLevel": {"singular": "Customer", "plural": "Customers"},
            "secondLevel": {"singular": "Project", "plural": "Projects"},
            "thirdLevel": {"singular": "Task", "plural": "Tasks"},
            "department": {"singular": "Department", "plural": "Departments"},
        },
        "format": {
            "currency": settings["currency"],
            "decimalSeparator": ".",
            "timeFormat": "HH:mm",
            "clockFormat": "24",
            "dayOfWeekStart": int(settings["day_of_week_start"]),
        },
        # What this server implements today.
        "features": {
            "overtimeRegistration": False,
            "departments": True,
            "timeZoneGroups": True,
            "taskEstimates": True,
            "taskWorkflow": True,
            "workAssignments": True,
            "typesOfWork": True,
            "leavetimeRegistration": True,
        },
        "urls": {
            "actiTime": base_url,
            "actiPlans": "",
            "api": f"{base_url}/api/v1",
            "apiDocumentation": f"{base_url}/api/v1/swagger/",
        },
        "limits": dict(limits),
        "serverUUID": settings["server_uuid"],
        "version": __version__,
    }
