"""Rules of workflow statuses and types of work.

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

from timetracker.errors import ApiError
from timetracker.services import named
from timetracker.store import entities, settings
from timetracker.store.entities import WORKFLOW_STATUSES


def get_status(conn: Connection, status_id: int) -> RowMapping:
    return named.get(conn, "workflowStatus", status_id)


def create_status(conn: Connection, values: Mapping[str, Any]) -> RowMapping:
    return named.create(conn, "workflowStatus", {**values, "builtin": False})


def update_status(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> RowMapping:
    if row["builtin"] and values.get("type", row["type"]) != row["type"]:
        raise ApiError(
            400,
            "workflow_status_builtin",
            "The type of a built-in workflow status cannot be changed",
            fields="type",
        )
    return named.update(conn, "workflowStatus", row, values)


def delete_status(conn: Connection, row: RowMapping, replacement_id: int | None) -> None:
    if row["builtin"]:
        raise ApiError(
            400, "workflow_status_builtin", "A built-in workflow status cannot be deleted"
        )
    if replacement_id is None:
        replacement_id = settings.builtin_status_id(conn, row["type"])
    elif replacement_id == row["id"]:
        raise ApiError(
            400,
            "invalid_replacement",
            "A workflow status cannot replace itself",
            fields="replacementId",
        )
    elif entities.get_row(conn, WORKFLOW_STATUSES, replacement_id) is None:
        raise ApiError(
            404,
            "object_not_found",
            f"Workflow status {replacement_id} does not exist",
            fields="replacementId",
        )
    settings.move_tasks_to_status(conn, row["id"], replacement_id)
    entities.delete_row(conn, WORKFLOW_STATUSES, row["id"])


def get_type_of_work(conn: Connection, type_id: int) -> RowMapping:
    return named.get(conn, "typeOfWork", type_id)


def _store_type_values(
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
        settings.clear_default_type_of_work(conn)
        columns["is_default"] = True
    return columns


def create_type_of_work(conn: Connection, values: Mapping[str, Any]) -> RowMapping:
    # A refused name raises after the default was moved; the request's rollback undoes both.
    columns = {"is_default": False, **_store_type_values(conn, values, None)}
    return named.create(conn, "typeOfWork", columns)


def update_type_of_work(conn: Connection, row: RowMapping, values: Mapping[str, Any]):
    return named.update(conn, "typeOfWork", row, _store_type_values(conn, values, row))
