"""Customers, projects and tasks: the three levels of the work catalogue.

They follow one set of conventions (the shared CRUD shape, comments, assigned users), so their
endpoints are built by one function from a description of each level.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, csv_body, doc, import_body
from timetracker.api.crud import Crud, crud_blueprint
from timetracker.api.csv_stream import csv_columns, csv_example
from timetracker.schemas import catalogue as s
from timetracker.services import catalogue, task_import
from timetracker.services.catalogue import CatalogueLevel
from timetracker.store.db import get_db


def _docs(kind: str, plural: str) -> dict[str, str]:
    return {
        "list": f"List {plural}\n\nFilters combine with AND; items come in ascending id order "
        f"unless sorted, and ties in a sort are broken by id. With format=csv (or Accept: "
        f"text/csv) the answer is CSV, streamed: a header line, then every matching {kind} "
        f"(filters and sort apply; offset and limit do not), the fields of the JSON items "
        f"without url and allowedActions. Text starting with =, +, -, @, a tab or a carriage "
        f"return is prefixed with ' so that spreadsheets do not run it as a formula. With "
        f"format=xlsx (or the Accept header of Excel) the same rows are an Excel file.",
        "create": f"Create a {kind}\n\nA duplicate name answers 400 api.error.{kind}_exists.",
        "get": f"Get a {kind}",
        "update": f"Modify a {kind}\n\nOnly the properties sent are changed.",
        "delete": f"Delete a {kind}\n\nEverything under it (its comments and time-track too) is "
        f"deleted in the same transaction. Time in approved weeks blocks the deletion "
        f"unless revokeApprovedWeeks=true.",
    }


# The CSV of a list carries the items' fields but not what belongs to the caller's screen:
# the link and allowedActions.
NOT_IN_CSV = ("url", "allowedActions")
# The schema of each list's items, and its CSV and Excel columns as (header, row key): the
# API's and the command line's.
SCHEMAS = {"customers": s.CustomerSchema, "projects": s.ProjectSchema, "tasks": s.TaskSchema}
CSV_COLUMNS = {name: csv_columns(schema, NOT_IN_CSV) for name, schema in SCHEMAS.items()}


def make_blueprint(
    service: CatalogueLevel,
    paths: tuple[str, str, str, str],
    description: str,
    schemas,
    extra_routes: Callable[[Blueprint], None] | None = None,
) -> Blueprint:
    """A level's blueprint; ``paths``: the collection's, an object's, its comments' and its
    assigned users'."""
    kind = service.kind
    path, item_path, comments_path, assigned_users_path = paths
    collection = path.lstrip("/")
    item, list_schema, list_args, create_schema, update_schema = schemas
    columns = CSV_COLUMNS[collection]
    blp = crud_blueprint(
        Crud(
            service=service,
            path=path,
            item_path=item_path,
            description=description,
            schema=item,
            list_schema=list_schema,
            list_args=list_args,
            create_schema=create_schema,
            update_schema=update_schema,
            delete_args=s.DeleteArgs,
            docs=_docs(kind, collection),
            errors={"create": (404,)},
            csv=columns,
            csv_example=csv_example(item, columns),
            extra_routes=extra_routes,
        )
    )

    @blp.route(comments_path)
    class Comments(MethodView):
        @blp.arguments(s.CommentListArgs, location="query")
        @blp.response(200, s.CommentListSchema)
        @blp.errors(404)
        @doc(f"List the comments on a {kind}\n\nOldest first.")
        def get(self, args, id):
            return service.comments(get_db(), current_caller(), id, args)

        @blp.arguments(s.CommentCreateSchema)
        @blp.response(200, s.CommentSchema)
        @blp.errors(404, 413, 415)
        @doc(f"Comment on a {kind}\n\nAnyone who can see the {kind} may comment on it.")
        def post(self, body, id):
            return service.add_comment(get_db(), current_caller(), id, body["text"])

    @blp.route(assigned_users_path)
    class AssignedUsers(MethodView):
        @blp.response(200, s.AssignedUsersSchema)
        @blp.errors(404)
        @doc(
            f"List the users who may track time on a {kind}\n\nUsers assigned to it, to "
            f"what contains it, or to all work."
        )
        def get(self, id):
            return {"userIds": service.assigned_users(get_db(), current_caller(), id)}

        @blp.arguments(s.AssignedUsersSchema)
        @blp.response(200, s.AssignedUsersSchema)
        @blp.errors(404, 413, 415)
        @doc(
            f"Set the users assigned to a {kind}\n\nReplaces the users assigned directly "
            f"to this {kind}; assignments through a parent or to all work stay. Needs Manage "
            f"Scope of Work covering the {kind}, or Manage Accounts & Permissions."
        )
        def put(self, body, id):
            user_ids = service.set_assigned_users(get_db(), current_caller(), id, body["userIds"])
            return {"userIds": user_ids}

    return blp


def _task_import(blp: Blueprint) -> None:
    @blp.route("/tasks/import")
    class Import(MethodView):
        accepts = ("text/csv",)

        @blp.doc(requestBody=csv_body(task_import.TEMPLATE))
        @blp.response(200, s.TaskImportResultSchema)
        @blp.errors(413, 415)
        def post(self):
            """Import tasks, with their projects and customers, from CSV

            Columns: customer, project, task (names; required), description, deadline
            (YYYY-MM-DD), estimatedTime (minutes), typeOfWork and workflowStatus (names of
            existing ones; empty: the default type of work and the built-in open status); the
            header row names them. Customers and projects are found by name (case-insensitive)
            and created when missing. A task that already exists in its project is refused, not
            updated: an import only adds. Each object is created under the rules of creating it
            with POST: a new customer needs Manage Scope of Work over the whole company, a new
            project Manage Scope of Work covering its customer, a task covering its project (or
            Manage Accounts & Permissions); 403 without either permission. If any line is bad,
            the answer is 400 api.error.invalid_csv listing every problem with its line number,
            and nothing is imported. At most 10,000 lines.
            """
            return task_import.import_csv(
                lambda write: get_db(write=write),
                current_caller(),
                import_body(current_app.config["IMPORT_MAX_CONTENT_LENGTH"]),
            )


blueprints = [
    make_blueprint(
        catalogue.customers,
        (
            "/customers",
            "/customers/<int32:id>",
            "/customers/<int32:id>/comments",
            "/customers/<int32:id>/assignedUsers",
        ),
        "Customers: the top level of the work catalogue.",
        (
            s.CustomerSchema,
            s.CustomerListSchema,
            s.CustomerListArgs,
            s.CustomerCreateSchema,
            s.CustomerUpdateSchema,
        ),
    ),
    make_blueprint(
        catalogue.projects,
        (
            "/projects",
            "/projects/<int32:id>",
            "/projects/<int32:id>/comments",
            "/projects/<int32:id>/assignedUsers",
        ),
        "Projects: the second level of the catalogue; names are unique per customer.",
        (
            s.ProjectSchema,
            s.ProjectListSchema,
            s.ProjectListArgs,
            s.ProjectCreateSchema,
            s.ProjectUpdateSchema,
        ),
    ),
    make_blueprint(
        catalogue.tasks,
        (
            "/tasks",
            "/tasks/<int32:id>",
            "/tasks/<int32:id>/comments",
            "/tasks/<int32:id>/assignedUsers",
        ),
        "Tasks: what time is tracked on; names are unique per project.",
        (s.TaskSchema, s.TaskListSchema, s.TaskListArgs, s.TaskCreateSchema, s.TaskUpdateSchema),
        extra_routes=_task_import,
    ),
]
