"""Customers, projects, tasks and their comments: request bodies, query arguments, responses."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    INT32_MAX,
    AllowedActions,
    AllowedActionsSchema,
    ExportArgs,
    Id,
    IdList,
    IncludeReferenced,
    JsonBoolean,
    Modified,
    ModifiedAfterArgs,
    Name,
    NamedListArgs,
    PageArgs,
    Sort,
    Text,
    base_url,
    list_envelope,
)
from timetracker.schemas.optional_text import OptionalText
from timetracker.schemas.settings import TypeOfWorkSchema, WorkflowStatusSchema
from timetracker.schemas.users import UserSchema

STATUSES = ("open", "completed")


def Description() -> fields.String:  # noqa: N802 - a field factory reads like a field class
    """The description of a customer, project or task as answered."""
    return fields.String(
        allow_none=True,
        metadata={
            "description": 'null when empty, whether it was cleared with null or "" '
            '(actiTIME\'s documented customer answers "description": null)',
            "sample": "Wireframes, mock-ups",
        },
    )


def DescriptionText() -> OptionalText:  # noqa: N802
    """The description in a body: up to 100,000 characters; null or \"\" clears it."""
    return OptionalText(
        validate=validate.Length(max=100_000),
        metadata={"description": 'Up to 100,000 characters; null or "" clears it'},
    )


def CatalogueModified() -> fields.Integer:  # noqa: N802
    """``modified``, with its sample for the CSV examples."""
    field = Modified()
    field.metadata["sample"] = 1767312000000
    return field


class DeleteArgs(ApiSchema):
    revokeApprovedWeeks = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Revoke the approval of approved weeks that contain time "
            "tracked on what is deleted. Without it, deleting something with time in an "
            "approved week is refused (400 api.error.approved_time)"
        },
    )


class CatalogueObjectSchema(ApiSchema):
    """What customers, projects and tasks share: the link, and the caller's allowed actions
    (worked out by the service)."""

    collection = ""
    computed_fields = ("url",)

    url = fields.String(
        dump_only=True,
        metadata={
            "description": "Link to this object (its API resource; the server has no "
            "web UI to deep-link into)"
        },
    )
    allowedActions = AllowedActions(AllowedActionsSchema, "What the caller may do with this object")

    def prepare(self):
        return f"{base_url()}/api/v1/{self.collection}/"

    def finish(self, data, obj, prefix):
        data["url"] = f"{prefix}{obj['id']}"
        return data


@payload_schema("customer")
class CustomerSchema(CatalogueObjectSchema):
    # The three levels declare their fields each in their own order (the document's), so
    # customers, projects and tasks repeat id, name, created and description.
    collection = "customers"

    id = fields.Integer(required=True, metadata={"sample": 12})
    name = fields.String(required=True, metadata={"sample": "Design"})
    archived = fields.Boolean(required=True)
    created = fields.Integer(
        required=True, metadata={"description": "Epoch milliseconds", "sample": 1767225600000}
    )
    modified = CatalogueModified()
    description = Description()


class CustomerCreateSchema(ApiSchema):
    name = Name(required=True)
    description = DescriptionText()
    archived = JsonBoolean(load_default=False)


class CustomerUpdateSchema(ApiSchema):
    name = Name()
    description = DescriptionText()
    archived = JsonBoolean()


class CustomerListArgs(NamedListArgs, ModifiedAfterArgs, ExportArgs):
    archived = fields.Boolean(
        metadata={
            "description": "Only archived (true) or only active (false) customers; both if omitted"
        }
    )
    sort = Sort(("name", "created", "modified"))


@payload_schema("project")
class ProjectSchema(CatalogueObjectSchema):
    collection = "projects"

    id = fields.Integer(required=True, metadata={"sample": 12})
    customerId = fields.Integer(attribute="customer_id", required=True)
    customerName = fields.String(
        attribute="customer_name", required=True, metadata={"sample": "Big Bang Company"}
    )
    name = fields.String(required=True, metadata={"sample": "Design"})
    archived = fields.Boolean(required=True)
    created = fields.Integer(
        required=True, metadata={"description": "Epoch milliseconds", "sample": 1767225600000}
    )
    modified = CatalogueModified()
    description = Description()


class ProjectCreateSchema(ApiSchema):
    customerId = Id(attribute="customer_id", required=True)
    name = Name(required=True)
    description = DescriptionText()
    archived = JsonBoolean(load_default=False)


class ProjectUpdateSchema(ApiSchema):
    customerId = Id(
        attribute="customer_id", metadata={"description": "Move the project to this customer"}
    )
    name = Name()
    description = DescriptionText()
    archived = JsonBoolean()


class ProjectListArgs(NamedListArgs, ModifiedAfterArgs, ExportArgs):
    customerIds = IdList(attribute="customer_ids", description="Only projects of these customers")
    archived = fields.Boolean(
        metadata={
            "description": "Only archived (true) or only active (false) projects; both if omitted"
        }
    )
    sort = Sort(("name", "created", "modified", "customerName"))
    includeReferenced = IncludeReferenced(("customers",))


@payload_schema("task")
class TaskSchema(CatalogueObjectSchema):
    collection = "tasks"

    id = fields.Integer(required=True, metadata={"sample": 12})
    name = fields.String(required=True, metadata={"sample": "Design"})
    description = Description()
    created = fields.Integer(
        required=True, metadata={"description": "Epoch milliseconds", "sample": 1767225600000}
    )
    modified = CatalogueModified()
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "The type of the task's workflow status"},
    )
    workflowStatusId = fields.Integer(attribute="workflow_status_id", required=True)
    workflowStatusName = fields.String(
        attribute="workflow_status_name", required=True, metadata={"sample": "New"}
    )
    typeOfWorkId = fields.Integer(attribute="type_of_work_id", required=True)
    typeOfWorkName = fields.String(
        attribute="type_of_work_name", required=True, metadata={"sample": "Development"}
    )
    deadline = fields.Date(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    estimatedTime = fields.Integer(
        attribute="estimated_time",
        allow_none=True,
        # hours: Excel adds a column of the estimate in hours after it.
        metadata={"description": "Minutes", "sample": 480, "hours": "estimatedHours"},
    )
    customerId = fields.Integer(attribute="customer_id", required=True)
    customerName = fields.String(
        attribute="customer_name", required=True, metadata={"sample": "Big Bang Company"}
    )
    projectId = fields.Integer(attribute="project_id", required=True, metadata={"sample": 2})
    projectName = fields.String(
        attribute="project_name", required=True, metadata={"sample": "Website"}
    )


class _TaskWriteFields(ApiSchema):
    name = Name()
    description = DescriptionText()
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "open or completed; picks the built-in workflow status of that "
            "type. Mutually exclusive with workflowStatusId."
        },
    )
    workflowStatusId = Id(
        attribute="workflow_status_id", metadata={"description": "Mutually exclusive with status"}
    )
    typeOfWorkId = Id(
        attribute="type_of_work_id",
        metadata={"description": "Defaults to the default type of work"},
    )
    deadline = fields.Date(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    estimatedTime = fields.Integer(
        attribute="estimated_time",
        allow_none=True,
        strict=True,
        validate=validate.Range(0, INT32_MAX),
        metadata={"description": "Estimate in minutes"},
    )


class TaskCreateSchema(_TaskWriteFields):
    projectId = Id(attribute="project_id", required=True)
    name = Name(required=True)


class TaskUpdateSchema(_TaskWriteFields):
    projectId = Id(
        attribute="project_id", metadata={"description": "Move the task to this project"}
    )


class TaskImportRowSchema(ApiSchema):
    """One line of a CSV import of tasks, its cells as text (empty ones left out)."""

    customer = Name(required=True)
    project = Name(required=True)
    task = Name(required=True)
    description = Text(validate=validate.Length(max=100_000))
    deadline = fields.Date()
    estimatedTime = fields.Integer(validate=validate.Range(0, INT32_MAX))
    typeOfWork = Name()
    workflowStatus = Name()


class TaskImportResultSchema(ApiSchema):
    imported = fields.Integer(required=True, metadata={"description": "Tasks created"})
    taskIds = fields.List(
        fields.Integer(), required=True, metadata={"description": "In the file's order"}
    )
    customerIds = fields.List(
        fields.Integer(), required=True, metadata={"description": "Customers created"}
    )
    projectIds = fields.List(
        fields.Integer(), required=True, metadata={"description": "Projects created"}
    )


class TaskListArgs(NamedListArgs, ModifiedAfterArgs, ExportArgs):
    customerIds = IdList(attribute="customer_ids", description="Only tasks of these customers")
    projectIds = IdList(attribute="project_ids", description="Only tasks of these projects")
    typeOfWorkIds = IdList(
        attribute="type_of_work_ids", description="Only tasks of these types of work"
    )
    workflowStatusIds = IdList(
        attribute="workflow_status_ids", description="Only tasks in these workflow statuses"
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "Only open or only completed tasks"},
    )
    sort = Sort(("name", "created", "modified", "status", "deadline"))
    includeReferenced = IncludeReferenced(
        ("customers", "projects", "typesOfWork", "workflowStatuses")
    )


class CommentSchema(ApiSchema):
    id = fields.Integer(required=True)
    userId = fields.Integer(
        attribute="user_id",
        required=True,
        metadata={
            "description": "The author, whoever asks (an author is part of a comment on an "
            "object you see); includeReferenced=users holds only the authors you may see"
        },
    )
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    updated = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    updatingUserId = fields.Integer(attribute="updating_user_id", required=True)
    text = fields.String(required=True)


class CommentCreateSchema(ApiSchema):
    text = Text(required=True, validate=validate.Length(1, 100_000))


class CommentListArgs(PageArgs):
    includeReferenced = IncludeReferenced(("users",))


class AssignedUsersSchema(ApiSchema):
    userIds = fields.List(
        Id(),
        required=True,
        validate=validate.Length(max=100_000),
        metadata={
            "description": "Answered: the users you may see among them. Sent: the users to "
            "assign directly; users you may not see keep their direct assignment"
        },
    )


CustomerListSchema = list_envelope(CustomerSchema)
ProjectListSchema = list_envelope(ProjectSchema, {"customers": CustomerSchema})
TaskListSchema = list_envelope(
    TaskSchema,
    {
        "customers": CustomerSchema,
        "projects": ProjectSchema,
        "typesOfWork": TypeOfWorkSchema,
        "workflowStatuses": WorkflowStatusSchema,
    },
)
CommentListSchema = list_envelope(CommentSchema, {"users": UserSchema})
