"""Company settings: workflow statuses and types of work (every user reads them, holders of
Manage System Settings change them), and the /info resource."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint
from timetracker.api.crud import Crud, crud_blueprint
from timetracker.schemas import settings as s
from timetracker.schemas.common import MAX_QUERY_LIMIT, base_url
from timetracker.services import settings
from timetracker.services.settings import types_of_work, workflow_statuses
from timetracker.store.db import get_db

statuses = crud_blueprint(
    Crud(
        service=workflow_statuses,
        path="/workflowStatuses",
        item_path="/workflowStatuses/<int32:id>",
        description="Workflow statuses of tasks; each is of type open or completed, and a task's "
        "status follows the type of its workflow status. The built-in statuses New and Completed "
        "cannot be deleted.",
        schema=s.WorkflowStatusSchema,
        list_schema=s.WorkflowStatusListSchema,
        list_args=s.WorkflowStatusListArgs,
        create_schema=s.WorkflowStatusCreateSchema,
        update_schema=s.WorkflowStatusUpdateSchema,
        delete_args=s.WorkflowStatusDeleteArgs,
        docs={
            "list": "List workflow statuses",
            "create": "Create a workflow status",
            "get": "Get a workflow status",
            "update": """Modify a workflow status

            Changing the type also changes the status of every task in this workflow status.
            """,
            "delete": """Delete a workflow status

            Its tasks move to `replacementId`, by default the built-in status of the same type.
            """,
        },
    )
)


def _default_type_of_work(blp: Blueprint) -> None:
    @blp.route("/typesOfWork/default")
    class DefaultTypeOfWork(MethodView):
        @blp.response(200, s.TypeOfWorkSchema)
        @blp.errors()
        def get(self):
            """Get the default type of work"""
            return types_of_work.default(get_db(), current_caller())


types_of_work_blp = crud_blueprint(
    Crud(
        service=types_of_work,
        path="/typesOfWork",
        item_path="/typesOfWork/<int32:id>",
        description="Types of work: billable or not, with a rate per man-hour; one is the default "
        "for new tasks. The rate is shown only to holders of Manage Accounts & Permissions, Manage "
        "Cost & Billing Data or Manage System Settings (null for everyone else).",
        schema=s.TypeOfWorkSchema,
        list_schema=s.TypeOfWorkListSchema,
        list_args=s.TypeOfWorkListArgs,
        create_schema=s.TypeOfWorkCreateSchema,
        update_schema=s.TypeOfWorkUpdateSchema,
        deletable=False,
        extra_routes=_default_type_of_work,
        docs={
            "list": "List types of work",
            "create": "Create a type of work",
            "get": "Get a type of work",
            "update": """Modify a type of work

            Setting `default: true` makes this the default type of work instead of the current one.
            """,
        },
    )
)

info = Blueprint(
    "info", __name__, url_prefix="/api/v1", description="Settings and limits of this server."
)


@info.route("/info")
class Info(MethodView):
    @info.response(200, s.InfoSchema)
    @info.errors()
    def get(self):
        """Get the server's settings, features and limits"""
        limits = {
            "maxBatchSize": current_app.config["BATCH_MAX_SIZE"],
            "maxQueryLimit": MAX_QUERY_LIMIT,
        }
        return settings.info(get_db(), base_url(), limits)


blueprints = [statuses, types_of_work_blp]
