"""The rules every named object shares: found by id or 404, and a name that is free (400
``api.error.<kind>_exists``), case-insensitively, within its parent where it has one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker.errors import already_exists, not_found
from timetracker.store import entities
from timetracker.store.entities import Entity


@dataclass(frozen=True)
class Kind:
    entity: Entity
    label: str  # "Customer", for messages
    exists_key: str  # the error key of a duplicate name


KINDS: dict[str, Kind] = {
    "customer": Kind(entities.CUSTOMERS, "Customer", "customer_exists"),
    "project": Kind(entities.PROJECTS, "Project", "project_exists"),
    "task": Kind(entities.TASKS, "Task", "task_exists"),
    "workflowStatus": Kind(entities.WORKFLOW_STATUSES, "Workflow status", "workflow_status_exists"),
    "typeOfWork": Kind(entities.TYPES_OF_WORK, "Type of work", "type_of_work_exists"),
    "department": Kind(entities.DEPARTMENTS, "Department", "department_exists"),
    "timeZoneGroup": Kind(entities.TIME_ZONE_GROUPS, "Time zone group", "time_zone_group_exists"),
    "leaveType": Kind(entities.LEAVE_TYPES, "Leave type", "leave_type_exists"),
}


def get(conn: Connection, kind: str, object_id: int) -> RowMapping:
    """The object, or a 404 for an unknown id."""
    row = entities.get_row(conn, KINDS[kind].entity, object_id)
    if row is None:
        raise not_found(KINDS[kind].label, object_id)
    return row


def check_name(
    conn: Connection,
    kind: str,
    name: str,
    *,
    scope_id: int | None = None,
    exclude_id: int | None = None,
) -> None:
    spec = KINDS[kind]
    if entities.name_is_taken(conn, spec.entity, name, scope_id=scope_id, exclude_id=exclude_id):
        raise already_exists(spec.label, spec.exists_key)


def create(
    conn: Connection, kind: str, values: Mapping[str, Any], scope_id: int | None = None
) -> RowMapping:
    check_name(conn, kind, values["name"], scope_id=scope_id)
    return get(conn, kind, entities.insert_row(conn, KINDS[kind].entity, values))


def update(
    conn: Connection,
    kind: str,
    row: RowMapping,
    values: Mapping[str, Any],
    scope_id: int | None = None,
    moved: bool = False,
) -> RowMapping:
    """Apply ``values``; the name is checked when it changes or the object ``moved`` to
    another parent (``scope_id``)."""
    if "name" in values or moved:
        check_name(
            conn, kind, values.get("name", row["name"]), scope_id=scope_id, exclude_id=row["id"]
        )
    entities.update_row(conn, KINDS[kind].entity, row["id"], values)
    return get(conn, kind, row["id"])
