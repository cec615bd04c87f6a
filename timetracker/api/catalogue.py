"""Customers, projects and tasks: the three levels of the work catalogue.

They follow one set of conventions (list, get, create, modify, delete, comments), so their
endpoints are built by one function from a description of each level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask.views import MethodView
from marshmallow import Schema, fields

from timetracker import access
from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc, list_response
from timetracker.errors import access_denied
from timetracker.schemas import catalogue as s
from timetracker.schemas.base import ApiSchema
from timetracker.services import catalogue, named
from timetracker.store import comments as comment_store
from timetracker.store import entities
from timetracker.store import users as user_store
from timetracker.store.db import get_db


class DeleteArgs(ApiSchema):
    revokeApprovedWeeks = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Revoke the approval of approved weeks that contain time "
            "tracked on what is deleted. Without it, deleting something with time in an "
            "approved week is refused (400 api.error.approved_time)"
        },
    )


@dataclass(frozen=True)
class Level:
    kind: str  # customer | project | task
    collection: str  # URL segment
    description: str
    schema: type[Schema]
    list_schema: type[Schema]
    list_args: type[Schema]
    create_schema: type[Schema]
    update_schema: type[Schema]
    create: Callable
    update: Callable
    # includeReferenced value -> function(conn, page items) -> referenced rows
    references: Mapping[str, Callable] = field(default_factory=dict)


def _referenced(entity, key: str):
    def fetch(conn, items):
        return entities.rows_by_ids(conn, entity, (item[key] for item in items))

    return fetch


LEVELS = (
    Level(
        kind="customer",
        collection="customers",
        description="Customers: the top level of the work catalogue.",
        schema=s.CustomerSchema,
        list_schema=s.CustomerListSchema,
        list_args=s.CustomerListArgs,
        create_schema=s.CustomerCreateSchema,
        update_schema=s.CustomerUpdateSchema,
        create=catalogue.create_customer,
        update=catalogue.update_customer,
    ),
    Level(
        kind="project",
        collection="projects",
        description="Projects: the second level of the catalogue; names are unique per customer.",
        schema=s.ProjectSchema,
        list_schema=s.ProjectListSchema,
        list_args=s.ProjectListArgs,
        create_schema=s.ProjectCreateSchema,
        update_schema=s.ProjectUpdateSchema,
        create=catalogue.create_project,
        update=catalogue.update_project,
        references={"customers": _referenced(entities.CUSTOMERS, "customer_id")},
    ),
    Level(
        kind="task",
        collection="tasks",
        description="Tasks: what time is tracked on; names are unique per project.",
        schema=s.TaskSchema,
        list_schema=s.TaskListSchema,
        list_args=s.TaskListArgs,
        create_schema=s.TaskCreateSchema,
        update_schema=s.TaskUpdateSchema,
        create=catalogue.create_task,
        update=catalogue.update_task,
        references={
            "customers": _referenced(entities.CUSTOMERS, "customer_id"),
            "projects": _referenced(entities.PROJECTS, "project_id"),
            "typesOfWork": _referenced(entities.TYPES_OF_WORK, "type_of_work_id"),
            "workflowStatuses": _referenced(entities.WORKFLOW_STATUSES, "workflow_status_id"),
        },
    ),
)


def _visible(kind: str, id: int):
    """The object if it exists (else 404) and the caller may see it (else 403)."""
    row = catalogue.get(get_db(), kind, id)
    access.ensure_can_see_catalogue(get_db(), current_caller(), kind, row)
    return row


def _placement(kind: str, body) -> dict | None:
    """Where a created or moved object goes, as the fields the access check needs.

    None when the body places nothing (a customer, or a change that moves nothing).
    """
    conn = get_db()
    if kind == "project" and "customer_id" in body:
        catalogue.referenced(conn, "customer", body["customer_id"], "customerId")
        return {"id": None, "customer_id": body["customer_id"]}
    if kind == "task" and "project_id" in body:
        project = catalogue.referenced(conn, "project", body["project_id"], "projectId")
        return {"id": None, "project_id": project["id"], "customer_id": project["customer_id"]}
    return None


def _ensure_can_place(kind: str, body) -> None:
    """A new object needs rights where it goes (top level: on the whole catalogue)."""
    access.ensure_can_manage_catalogue(get_db(), current_caller(), kind, _placement(kind, body))


def make_blueprint(level: Level) -> Blueprint:
    blp = Blueprint(
        level.collection,
        __name__,
        url_prefix=f"/api/v1/{level.collection}",
        description=level.description,
    )
    kind, plural = level.kind, level.collection
    references = {
        key: (lambda items, f=f: f(get_db(), items)) for key, f in level.references.items()
    }

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(level.list_args, location="query")
        @blp.response(200, level.list_schema)
        @blp.errors()
        @doc(
            f"List {plural}\n\nFilters combine with AND; items come in ascending id order "
            f"unless sorted, and ties in a sort are broken by id."
        )
        def get(self, args):
            caller = current_caller()
            rows = entities.list_rows(
                get_db(), named.KINDS[kind].entity, args, access.catalogue_filter(caller, kind)
            )
            return list_response(args, rows, references)

        @blp.arguments(level.create_schema)
        @blp.response(200, level.schema)
        @blp.errors(404, 413, 415)
        @doc(f"Create a {kind}\n\nA duplicate name answers 400 api.error.{kind}_exists.")
        def post(self, body):
            _ensure_can_place(kind, body)
            return level.create(get_db(), body)

    @blp.route("/<int32:id>")
    class Item(MethodView):
        @blp.response(200, level.schema)
        @blp.errors(404)
        @doc(f"Get a {kind}")
        def get(self, id):
            return _visible(kind, id)

        @blp.arguments(level.update_schema)
        @blp.response(200, level.schema)
        @blp.errors(404, 413, 415)
        @doc(f"Modify a {kind}\n\nOnly the properties sent are changed.")
        def patch(self, body, id):
            row = _visible(kind, id)
            access.ensure_can_manage_catalogue(get_db(), current_caller(), kind, row)
            if _placement(kind, body) is not None:  # a move also needs rights at the target
                _ensure_can_place(kind, body)
            return level.update(get_db(), row, body)

        @blp.arguments(DeleteArgs, location="query")
        @blp.response(204)
        @blp.errors(404)
        @doc(
            f"Delete a {kind}\n\nEverything under it (its comments and time-track too) is "
            f"deleted in the same transaction. Time in approved weeks blocks the deletion "
            f"unless revokeApprovedWeeks=true."
        )
        def delete(self, args, id):
            row = _visible(kind, id)
            access.ensure_can_manage_catalogue(get_db(), current_caller(), kind, row)
            catalogue.delete(get_db(), kind, row, revoke_approved_weeks=args["revokeApprovedWeeks"])

    @blp.route("/<int32:id>/comments")
    class Comments(MethodView):
        @blp.arguments(s.CommentListArgs, location="query")
        @blp.response(200, s.CommentListSchema)
        @blp.errors(404)
        @doc(f"List the comments on a {kind}\n\nOldest first.")
        def get(self, args, id):
            _visible(kind, id)
            rows = comment_store.list_comments(get_db(), kind, id, args)
            return list_response(
                args,
                rows,
                {
                    "users": lambda items: user_store.public_by_ids(
                        get_db(), (c["user_id"] for c in items)
                    ),
                },
            )

        @blp.arguments(s.CommentCreateSchema)
        @blp.response(200, s.CommentSchema)
        @blp.errors(404, 413, 415)
        @doc(f"Comment on a {kind}\n\nAnyone who can see the {kind} may comment on it.")
        def post(self, body, id):
            _visible(kind, id)
            return comment_store.add_comment(get_db(), kind, id, current_caller().id, body["text"])

    @blp.route("/<int32:id>/assignedUsers")
    class AssignedUsers(MethodView):
        @blp.response(200, s.AssignedUsersSchema)
        @blp.errors(404)
        @doc(
            f"List the users who may track time on a {kind}\n\nUsers assigned to it, to "
            f"what contains it, or to all work."
        )
        def get(self, id):
            row = _visible(kind, id)
            return {"userIds": user_store.assigned_user_ids(get_db(), kind, row)}

        @blp.arguments(s.AssignedUsersSchema)
        @blp.response(200, s.AssignedUsersSchema)
        @blp.errors(404, 413, 415)
        @doc(
            f"Set the users assigned to a {kind}\n\nReplaces the users assigned directly "
            f"to this {kind}; assignments through a parent or to all work stay. Needs Manage "
            f"Scope of Work covering the {kind}, or Manage Accounts & Permissions."
        )
        def put(self, body, id):
            row = _visible(kind, id)
            conn = get_db()
            _require_assignable(conn, kind, row)
            catalogue.ensure_users_exist(conn, body["userIds"], "userIds")
            user_store.set_direct_assignments(conn, kind, id, body["userIds"])
            return {"userIds": user_store.assigned_user_ids(conn, kind, row)}

    return blp


def _require_assignable(conn, kind: str, row) -> None:
    if not access.can_assign_work(conn, current_caller(), kind, row):
        raise access_denied(
            f"Assigning users to this {kind} requires Manage Scope of Work covering it"
        )


blueprints = [make_blueprint(level) for level in LEVELS]
