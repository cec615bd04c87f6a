"""Rules of the work catalogue: unique names, parents that must exist, task status that follows
its workflow status, defaults for new tasks.

Every function runs inside the request's transaction and raises :class:`ApiError` on a rule it
refuses, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker.errors import ApiError
from timetracker.services import named
from timetracker.store import approvals, entities, settings
from timetracker.store import users as user_store
from timetracker.store.entities import CUSTOMERS, PROJECTS, TYPES_OF_WORK, WORKFLOW_STATUSES
from timetracker.store.schema import users


def get(conn: Connection, kind: str, object_id: int) -> RowMapping:
    """The customer, project or task, or a 404 for an unknown id."""
    return named.get(conn, kind, object_id)


def referenced(conn: Connection, kind: str, object_id: int, field: str) -> RowMapping:
    """A parent or setting named in a request body: unknown ids answer 404 naming the field."""
    entity = {
        "customer": CUSTOMERS,
        "project": PROJECTS,
        "workflowStatus": WORKFLOW_STATUSES,
        "typeOfWork": TYPES_OF_WORK,
    }[kind]
    row = entities.get_row(conn, entity, object_id)
    if row is None:
        raise ApiError(404, "object_not_found", f"{field} {object_id} does not exist", fields=field)
    return row


# --- customers and projects -------------------------------------------------------------------


def create_customer(conn: Connection, values: Mapping[str, Any]) -> RowMapping:
    return named.create(conn, "customer", values)


def update_customer(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> RowMapping:
    return named.update(conn, "customer", row, values)


def create_project(conn: Connection, values: Mapping[str, Any]) -> RowMapping:
    referenced(conn, "customer", values["customer_id"], "customerId")
    return named.create(conn, "project", values, scope_id=values["customer_id"])


def update_project(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> RowMapping:
    customer_id = values.get("customer_id", row["customer_id"])
    if "customer_id" in values:
        referenced(conn, "customer", customer_id, "customerId")
    return named.update(
        conn, "project", row, values, scope_id=customer_id, moved=customer_id != row["customer_id"]
    )


# --- tasks ------------------------------------------------------------------------------------


def _resolve_workflow_status(
    conn: Connection, values: Mapping[str, Any], current: RowMapping | None
) -> int | None:
    """The workflow status id a task body asks for, or None when it asks for no change.

    ``status`` and ``workflowStatusId`` are mutually exclusive. ``status`` picks the built-in
    status of that type, unless the task already has a status of that type (then it is kept).
    """
    if "status" in values and "workflow_status_id" in values:
        raise ApiError(
            400,
            "conflicting_fields",
            "Specify either status or workflowStatusId, not both",
            fields="status, workflowStatusId",
        )
    if "workflow_status_id" in values:
        referenced(conn, "workflowStatus", values["workflow_status_id"], "workflowStatusId")
        return values["workflow_status_id"]
    if "status" in values:
        if current is not None and current["status"] == values["status"]:
            return None
        return settings.builtin_status_id(conn, values["status"])
    if current is None:
        return settings.builtin_status_id(conn, "open")
    return None


def _resolve_type_of_work(
    conn: Connection, values: Mapping[str, Any], creating: bool
) -> int | None:
    if "type_of_work_id" in values:
        row = referenced(conn, "typeOfWork", values["type_of_work_id"], "typeOfWorkId")
        if row["archived"]:
            raise ApiError(
                400,
                "type_of_work_archived",
                "An archived type of work cannot be assigned to a task",
                fields="typeOfWorkId",
            )
        return row["id"]
    return settings.default_type_of_work(conn)["id"] if creating else None


def _task_columns(values: Mapping[str, Any], status_id: int | None, type_id: int | None):
    columns = {
        k: v
        for k, v in values.items()
        if k not in ("status", "workflow_status_id", "type_of_work_id")
    }
    if status_id is not None:
        columns["workflow_status_id"] = status_id
    if type_id is not None:
        columns["type_of_work_id"] = type_id
    return columns


def create_task(conn: Connection, values: Mapping[str, Any]) -> RowMapping:
    referenced(conn, "project", values["project_id"], "projectId")
    status_id = _resolve_workflow_status(conn, values, None)
    type_id = _resolve_type_of_work(conn, values, creating=True)
    return named.create(
        conn, "task", _task_columns(values, status_id, type_id), scope_id=values["project_id"]
    )


def update_task(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> RowMapping:
    project_id = values.get("project_id", row["project_id"])
    if "project_id" in values:
        referenced(conn, "project", project_id, "projectId")
    status_id = _resolve_workflow_status(conn, values, row)
    type_id = _resolve_type_of_work(conn, values, creating=False)
    return named.update(
        conn,
        "task",
        row,
        _task_columns(values, status_id, type_id),
        scope_id=project_id,
        moved=project_id != row["project_id"],
    )


def delete(
    conn: Connection, kind: str, row: RowMapping, *, revoke_approved_weeks: bool = False
) -> None:
    """Delete a customer, project or task with everything under it, in the request transaction.

    Time on it inside approved weeks blocks the deletion, unless ``revoke_approved_weeks``:
    then those weeks' approvals are revoked first.
    """
    if revoke_approved_weeks:
        approvals.revoke_weeks_with_time_on(conn, kind, row["id"])
    elif approvals.has_approved_time(conn, kind, row["id"]):
        raise ApiError(
            400,
            "approved_time",
            f"The {kind} holds time in approved weeks: delete it with revokeApprovedWeeks=true "
            "to revoke those approvals, or revoke them first",
            fields="revokeApprovedWeeks",
        )
    entities.delete_row(conn, named.KINDS[kind].entity, row["id"])


def ensure_users_exist(conn: Connection, user_ids, field: str) -> None:
    """404 naming ``field`` when a body lists user ids that do not exist."""
    missing = sorted(set(user_ids) - user_store.existing_ids(conn, users, user_ids))
    if missing:
        raise ApiError(
            404,
            "object_not_found",
            f"Users {', '.join(map(str, missing))} do not exist",
            fields=field,
        )
