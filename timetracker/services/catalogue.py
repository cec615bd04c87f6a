"""Rules of the work catalogue: customers, projects and tasks.

Names are unique within the parent (customers: company-wide), parents must exist, a task's
status follows its workflow status, new tasks get the defaults. Seeing an object follows the
caller's scope of work and work assignments; changing one needs Manage Scope of Work covering
it (creating at the top level: the whole catalogue), and a move needs rights at the target too.
Every function runs inside the request's transaction and raises :class:`ApiError` on a rule it
refuses, before anything is written.

A project's **general task** holds the time logged on the project without a task (Teamwork's
project-level time). It is an ordinary task in every other way (listed, renamed, assigned,
deleted like any), flagged ``general``: one per project, made on demand by the first entry
that needs it, named ``General`` (``General (2)``, ... when the project has a task of that
name), with the open status and the default type of work. Making it needs no right of its own:
the entry that needs it is judged as any entry on it (who may change that user's time, work
assignments, ...), and when the entry is refused the task is not made (one transaction). It
stays in its project: moving it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError, access_denied
from timetracker.services import crud
from timetracker.services.crud import reference
from timetracker.services.settings import types_of_work, workflow_statuses
from timetracker.services.users import users
from timetracker.store import approval, settings
from timetracker.store import catalogue as store
from timetracker.store import invoices as invoice_store
from timetracker.store.catalogue import CUSTOMERS, PROJECTS, TASKS
from timetracker.store.settings import TYPES_OF_WORK, WORKFLOW_STATUSES
from timetracker.store.users import USERS


class CatalogueLevel(crud.Resource):
    """What customers, projects and tasks share: visibility through scope of work and work
    assignments, rights through Manage Scope of Work, and ``allowedActions``."""

    def visible(self, caller: Caller):
        return access.catalogue_filter(caller, self.kind)

    def ensure_can_change(self, conn: Connection, caller: Caller, row) -> None:
        access.ensure_can_manage_catalogue(conn, caller, self.kind, row)

    def present(self, conn: Connection, caller: Caller, rows: list) -> list:
        actions = access.catalogue_actions(conn, caller, self.kind)
        return [{**row, "allowed_actions": actions(row)} for row in rows]

    def placement(self, conn: Connection, values: Mapping[str, Any]) -> dict | None:
        """Where a created or moved object goes, as the fields the access check needs (its
        parent must exist: 404 naming the field). None when the body places nothing."""
        return None

    def prepare_create(self, conn, caller, values):
        # A new object needs rights where it goes (top level: on the whole catalogue).
        self.ensure_can_change(conn, caller, self.placement(conn, values))
        return self.columns(conn, values, None)

    def prepare_update(self, conn, caller, row, values):
        self.ensure_can_change(conn, caller, row)
        target = self.placement(conn, values)
        if target is not None:  # a move also needs rights at the target
            self.ensure_can_change(conn, caller, target)
        return self.columns(conn, values, row)

    def columns(self, conn: Connection, values, current: RowMapping | None) -> dict[str, Any]:
        """The columns to write for a body (after the resource's own checks)."""
        return dict(values)

    def before_delete(self, conn, caller, row, options) -> None:
        """Time on it inside approved weeks blocks the deletion, unless
        ``revokeApprovedWeeks``: then those weeks' approvals are revoked first. Everything under
        it goes with it (ON DELETE CASCADE), in the request's transaction. Billed time blocks
        it until its invoices are deleted."""
        if invoice_store.has_billed_time(conn, self.kind, row["id"]):
            raise ApiError(
                400,
                "billed_time",
                f"The {self.kind} holds time billed by invoices: delete those invoices first",
            )
        if options.get("revokeApprovedWeeks"):
            approval.revoke_weeks_with_time_on(conn, self.kind, row["id"])
        elif approval.has_approved_time(conn, self.kind, row["id"]):
            raise ApiError(
                400,
                "approved_time",
                f"The {self.kind} holds time in approved weeks: delete it with "
                "revokeApprovedWeeks=true to revoke those approvals, or revoke them first",
                fields="revokeApprovedWeeks",
            )

    # --- comments and assigned users ---------------------------------------------------------

    def comments(self, conn: Connection, caller: Caller, object_id: int, args) -> dict:
        """A comment keeps its author's id whoever asks (the author of a comment on an object
        the caller sees is part of the comment); ``includeReferenced=users`` holds the authors
        the caller may see."""
        self.reachable(conn, caller, object_id)
        rows = store.list_comments(conn, self.kind, object_id, args)
        authors = [c["user_id"] for c in rows] + [c["updating_user_id"] for c in rows]
        return crud.list_body(
            args, rows, {"users": partial(users.referenced, conn, caller, authors)}
        )

    def add_comment(self, conn: Connection, caller: Caller, object_id: int, text: str):
        """Anyone who can see the object may comment on it."""
        self.reachable(conn, caller, object_id)
        return store.add_comment(conn, self.kind, object_id, caller.id, text)

    def assigned_users(self, conn: Connection, caller: Caller, object_id: int) -> list[int]:
        """The users who may track time on the object, those of them the caller may see."""
        row = self.reachable(conn, caller, object_id)
        return store.assigned_user_ids(conn, self.kind, row, access.user_filter(caller))

    def set_assigned_users(
        self, conn: Connection, caller: Caller, object_id: int, user_ids: list[int]
    ) -> list[int]:
        """Replace the users assigned directly to the object (assignments through a parent or
        to all work stay). Users the caller may not see keep their direct assignment: the
        caller could not have listed them."""
        row = self.reachable(conn, caller, object_id)
        if not access.can_assign_work(conn, caller, self.kind, row):
            raise access_denied(
                f"Assigning users to this {self.kind} requires Manage Scope of Work covering it"
            )
        ensure_users_exist(conn, user_ids, "userIds")
        visible = access.user_filter(caller)
        unseen = store.direct_assignees_outside(conn, self.kind, row["id"], visible)
        store.set_direct_assignments(conn, self.kind, row["id"], [*user_ids, *unseen])
        return store.assigned_user_ids(conn, self.kind, row, visible)


class Customers(CatalogueLevel):
    kind, label, exists_key, entity = "customer", "Customer", "customer_exists", CUSTOMERS


class Projects(CatalogueLevel):
    kind, label, exists_key, entity = "project", "Project", "project_exists", PROJECTS

    def references(self):
        return {"customers": (customers, "customer_id")}

    def placement(self, conn, values):
        if "customer_id" not in values:
            return None
        reference(conn, CUSTOMERS, values["customer_id"], "customerId")
        return {"id": None, "customer_id": values["customer_id"]}

    def record(self, conn, caller, action, shown, before=None, subjects=None) -> None:
        """A change of a project's status (archived or active) is also ``project.statusChanged``
        (TrackingTime's event), after its update event."""
        super().record(conn, caller, action, shown, before, subjects)
        if before is not None and before["archived"] != shown["archived"]:
            super().record(conn, caller, "statusChanged", shown, before)


class Tasks(CatalogueLevel):
    kind, label, exists_key, entity = "task", "Task", "task_exists", TASKS

    def prepare_update(self, conn, caller, row, values):
        if row["general"] and values.get("project_id", row["project_id"]) != row["project_id"]:
            raise ApiError(
                400,
                "general_task_move",
                "The task holds its project's time logged without a task: it stays in its project",
                fields="projectId",
            )
        return super().prepare_update(conn, caller, row, values)

    def references(self):
        return {
            "customers": (customers, "customer_id"),
            "projects": (projects, "project_id"),
            "typesOfWork": (types_of_work, "type_of_work_id"),
            "workflowStatuses": (workflow_statuses, "workflow_status_id"),
        }

    def placement(self, conn, values):
        if "project_id" not in values:
            return None
        project = reference(conn, PROJECTS, values["project_id"], "projectId")
        return {"id": None, "project_id": project["id"], "customer_id": project["customer_id"]}

    def columns(self, conn, values, current):
        status_id = _resolve_workflow_status(conn, values, current)
        type_id = _resolve_type_of_work(conn, values, creating=current is None)
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
        reference(conn, WORKFLOW_STATUSES, values["workflow_status_id"], "workflowStatusId")
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
        row = reference(conn, TYPES_OF_WORK, values["type_of_work_id"], "typeOfWorkId")
        if row["archived"]:
            raise ApiError(
                400,
                "type_of_work_archived",
                "An archived type of work cannot be assigned to a task",
                fields="typeOfWorkId",
            )
        return row["id"]
    return settings.default_type_of_work(conn)["id"] if creating else None


GENERAL_TASK_NAME = "General"
# Names tried for a general task when the project has tasks named so: General, General (2), ...
_GENERAL_NAMES_TRIED = 100


def general_task(conn: Connection, caller: Caller, project: Mapping[str, Any]) -> RowMapping:
    """The general task of ``project`` (a project row the caller sees), made now when it has
    none (and its ``task.create`` event recorded, as the caller's)."""
    task_id = store.general_task_id(conn, project["id"])
    if task_id is not None:
        return tasks.find(conn, task_id)
    columns = {
        "workflow_status_id": settings.builtin_status_id(conn, "open"),
        "type_of_work_id": settings.default_type_of_work(conn)["id"],
    }
    for n in range(1, _GENERAL_NAMES_TRIED + 1):
        name = GENERAL_TASK_NAME if n == 1 else f"{GENERAL_TASK_NAME} ({n})"
        made = store.insert_general_task(conn, project["id"], name, columns)
        if made is not None:
            row = tasks.find(conn, made)
            tasks.record(conn, caller, "create", tasks.one(conn, caller, row))
            return row
        task_id = store.general_task_id(conn, project["id"])
        if task_id is not None:  # made meanwhile by another request
            return tasks.find(conn, task_id)
    raise ApiError(
        409,
        "general_task_name",
        f"The project has tasks named {GENERAL_TASK_NAME} to {GENERAL_TASK_NAME} "
        f"({_GENERAL_NAMES_TRIED}): rename one so that its time without a task has a task",
    )


def ensure_users_exist(conn: Connection, user_ids, field: str) -> None:
    """404 naming ``field`` when a body lists user ids that do not exist."""
    crud.ensure_exist(conn, USERS, user_ids, field, what="Users")


customers = Customers()
projects = Projects()
tasks = Tasks()
LEVELS = {"customer": customers, "project": projects, "task": tasks}
