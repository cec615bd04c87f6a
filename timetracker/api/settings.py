"""Workflow statuses and types of work: company settings every user reads and holders of Manage
System Settings change."""

from __future__ import annotations

from flask.views import MethodView

from timetracker import access
from timetracker.access import current_caller
from timetracker.api.common import Blueprint, list_response
from timetracker.schemas import settings as s
from timetracker.services import settings
from timetracker.store import entities
from timetracker.store import settings as settings_store
from timetracker.store.db import get_db
from timetracker.store.entities import TYPES_OF_WORK, WORKFLOW_STATUSES

statuses = Blueprint(
    "workflowStatuses",
    __name__,
    url_prefix="/api/v1/workflowStatuses",
    description="Workflow statuses of tasks; each is of type open or completed, and a task's "
    "status follows the type of its workflow status. The built-in statuses New and Completed "
    "cannot be deleted.",
)


@statuses.route("")
class WorkflowStatuses(MethodView):
    @statuses.arguments(s.WorkflowStatusListArgs, location="query")
    @statuses.response(200, s.WorkflowStatusListSchema)
    @statuses.errors()
    def get(self, args):
        """List workflow statuses"""
        return list_response(args, entities.list_rows(get_db(), WORKFLOW_STATUSES, args))

    @statuses.arguments(s.WorkflowStatusCreateSchema)
    @statuses.response(200, s.WorkflowStatusSchema)
    @statuses.errors(413, 415)
    def post(self, body):
        """Create a workflow status"""
        access.ensure_can_manage_settings(current_caller(), "workflow statuses")
        return settings.create_status(get_db(), body)


@statuses.route("/<int32:id>")
class WorkflowStatus(MethodView):
    @statuses.response(200, s.WorkflowStatusSchema)
    @statuses.errors(404)
    def get(self, id):
        """Get a workflow status"""
        return settings.get_status(get_db(), id)

    @statuses.arguments(s.WorkflowStatusUpdateSchema)
    @statuses.response(200, s.WorkflowStatusSchema)
    @statuses.errors(404, 413, 415)
    def patch(self, body, id):
        """Modify a workflow status

        Changing the type also changes the status of every task in this workflow status.
        """
        row = settings.get_status(get_db(), id)
        access.ensure_can_manage_settings(current_caller(), "workflow statuses")
        return settings.update_status(get_db(), row, body)

    @statuses.arguments(s.WorkflowStatusDeleteArgs, location="query")
    @statuses.response(204)
    @statuses.errors(404)
    def delete(self, args, id):
        """Delete a workflow status

        Its tasks move to `replacementId`, by default the built-in status of the same type.
        """
        row = settings.get_status(get_db(), id)
        access.ensure_can_manage_settings(current_caller(), "workflow statuses")
        settings.delete_status(get_db(), row, args.get("replacementId"))


types_of_work = Blueprint(
    "typesOfWork",
    __name__,
    url_prefix="/api/v1/typesOfWork",
    description="Types of work: billable or not, with a rate per man-hour; one is the default "
    "for new tasks. The rate is shown only to holders of Manage Accounts & Permissions, Manage "
    "Cost & Billing Data or Manage System Settings (null for everyone else).",
)


@types_of_work.route("")
class TypesOfWork(MethodView):
    @types_of_work.arguments(s.TypeOfWorkListArgs, location="query")
    @types_of_work.response(200, s.TypeOfWorkListSchema)
    @types_of_work.errors()
    def get(self, args):
        """List types of work"""
        return list_response(args, entities.list_rows(get_db(), TYPES_OF_WORK, args))

    @types_of_work.arguments(s.TypeOfWorkCreateSchema)
    @types_of_work.response(200, s.TypeOfWorkSchema)
    @types_of_work.errors(413, 415)
    def post(self, body):
        """Create a type of work"""
        access.ensure_can_manage_settings(current_caller(), "types of work")
        return settings.create_type_of_work(get_db(), body)


@types_of_work.route("/default")
class DefaultTypeOfWork(MethodView):
    @types_of_work.response(200, s.TypeOfWorkSchema)
    @types_of_work.errors()
    def get(self):
        """Get the default type of work"""
        return settings_store.default_type_of_work(get_db())


@types_of_work.route("/<int32:id>")
class TypeOfWork(MethodView):
    @types_of_work.response(200, s.TypeOfWorkSchema)
    @types_of_work.errors(404)
    def get(self, id):
        """Get a type of work"""
        return settings.get_type_of_work(get_db(), id)

    @types_of_work.arguments(s.TypeOfWorkUpdateSchema)
    @types_of_work.response(200, s.TypeOfWorkSchema)
    @types_of_work.errors(404, 413, 415)
    def patch(self, body, id):
        """Modify a type of work

        Setting `default: true` makes this the default type of work instead of the current one.
        """
        row = settings.get_type_of_work(get_db(), id)
        access.ensure_can_manage_settings(current_caller(), "types of work")
        return settings.update_type_of_work(get_db(), row, body)


blueprints = [statuses, types_of_work]
