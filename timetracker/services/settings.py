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

from timetracker.errors import ApiError, already_exists, not_found
from timetracker.store import entities, settings
from timetracker.store.entities import TYPES_OF_WORK, WORKFLOW_STATUSES


def get_status(conn: Connection, status_id: int) -> RowMapping:
    row = entities.get_row(conn, WORKFLOW_STATUSES, status_id)
    if row is None:
        raise not_found("Workflow status", status_id)
    return row


def _check_status_name(conn: Connection, name: str, exclude_id: int | None = None) -> None:
    if entities.name_is_taken(conn, WORKFLOW_STATUSES, name, exclude_id=exclude_id):
        raise already_exists("Workflow status", "workflow_status_exists")


def create_status(conn: Connection, values: Mapping[str, Any]) -> RowMapping:
    _check_status_name(conn, values["name"])
    status_id = entities.insert_row(conn, WORKFLOW_STATUSES, {**values, "builtin": False})
    return get_status(conn, status_id)


def update_status(conn: Connection, row: RowMapping, values: Mapping[str, Any]) -> RowMapping:
    if "name" in values:
        _check_status_name(conn, values["name"], exclude_id=row["id"])
    if row["builtin"] and values.get("type", row["type"]) != row["type"]:
        raise ApiError(
            400,
            "workflow_status_builtin",
            "The type of a built-in workflow status cannot be changed",
            fields="type",
        )
    entities.update_row(conn, WORKFLOW_STATUSES, row["id"], values)
    return get_status(conn, row["id"])


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
    row = entities.get_row(conn, TYPES_OF_WORK, type_id)
    if row is None:
        raise not_found("Type of work", type_id)
    return row


def _check_type_name(conn: Connection, name: str, exclude_id: int | None = None) -> None:
    if entities.name_is_taken(conn, TYPES_OF_WORK, name, exclude_id=exclude_id):
        raise already_exists("Type of work", "type_of_work_exists")


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
    _check_type_name(conn, values["name"])
    columns = {"is_default": False, **_store_type_values(conn, values, None)}
    return get_type_of_work(conn, entities.insert_row(conn, TYPES_OF_WORK, columns))


def update_type_of_work(conn: Connection, row: RowMapping, values: Mapping[str, Any]):
    if "name" in values:
        _check_type_name(conn, values["name"], exclude_id=row["id"])
    entities.update_row(conn, TYPES_OF_WORK, row["id"], _store_type_values(conn, values, row))
    return get_type_of_work(conn, row["id"])
