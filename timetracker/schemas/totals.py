"""Totals of tracked time: the arguments (period, filters, grouping) and the answer."""

from __future__ import annotations

from marshmallow import fields, validate
from webargs.fields import DelimitedList

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.catalogue import (
    CustomerSchema,
    ProjectListArgs,
    ProjectSchema,
    TaskSchema,
)
from timetracker.schemas.common import (
    CalendarDate,
    IdList,
    IncludeReferenced,
    UserIdList,
    list_envelope,
)
from timetracker.schemas.departments import DepartmentSchema
from timetracker.schemas.settings import TypeOfWorkSchema
from timetracker.schemas.tags import TagSchema
from timetracker.schemas.time_zone_groups import TimeZoneGroupSchema
from timetracker.schemas.timetrack import BilledFilter, map_of
from timetracker.schemas.users import UserListArgs, UserSchema

DIMENSIONS = ("customer", "project", "task", "user", "department", "typeOfWork", "tag", "day")
DIMENSIONS += ("week", "month")
REFERENCES = ("customers", "projects", "tasks", "users", "departments", "typesOfWork", "tags")


class PeriodArgs(ApiSchema):
    """The period and the filters on records every totals question takes."""

    dateFrom = CalendarDate(metadata={"description": "First day counted; default: the first"})
    dateTo = CalendarDate(metadata={"description": "Last day counted; default: the last"})
    typeOfWorkIds = IdList(
        attribute="type_of_work_ids", description="Only tasks with these types of work"
    )
    billable = fields.Boolean(
        metadata={
            "description": "true: only billable time (each entry's own billable flag, or its "
            "task's type of work without one); false: only the rest. Summed from the entries"
        }
    )
    billed = BilledFilter()
    tagIds = IdList(
        attribute="tag_ids",
        description="Only time entries carrying any of these tags (summed from the entries)",
    )


class PeopleFilterArgs(ApiSchema):
    userIds = UserIdList(attribute="user_ids", description="Only time of these users")
    departmentIds = IdList(
        attribute="department_ids", description="Only time of users in these departments"
    )


class TaskFilterArgs(ApiSchema):
    customerIds = IdList(attribute="customer_ids", description="Only tasks of these customers")
    projectIds = IdList(attribute="project_ids", description="Only tasks of these projects")
    taskIds = IdList(attribute="task_ids", description="Only these tasks")
    archived = fields.String(
        load_default="all",
        validate=validate.OneOf(("active", "archived", "all")),
        metadata={
            "description": "Projects counted: active, archived (the project or its customer "
            "is) or all (the default)"
        },
    )


class PeriodFilterArgs(PeriodArgs, PeopleFilterArgs):
    pass


class TotalsArgs(PeriodFilterArgs, TaskFilterArgs):
    groupBy = DelimitedList(
        fields.String(validate=validate.OneOf(DIMENSIONS)),
        validate=validate.Length(min=1, max=3),
        metadata={
            "description": "Up to three of: " + ", ".join(DIMENSIONS) + ", each once, and "
            "only one of day, week and month (else 400 api.error.invalid_grouping). One entry "
            "per group, ordered by the groups' values. By tag: an entry carrying two tags "
            "counts in both groups, entries without tags under tagId null; with tagIds, only "
            "those tags' groups",
            "uniqueItems": True,
        },
    )
    includeReferenced = IncludeReferenced(REFERENCES)


class PdfArgs(ApiSchema):
    """The ``format`` of an answer that is JSON or a PDF document (totals, an invoice)."""

    format = fields.String(
        validate=validate.OneOf(("json", "pdf")),
        metadata={"description": "json or pdf. Without it the Accept header decides; JSON is "
                  "the default"},
    )  # fmt: skip


class TotalsQueryArgs(TotalsArgs, PdfArgs):
    """``GET /timetrack/totals`` and the totals of one object: JSON, or a PDF document."""


class CustomerTotalsArgs(TotalsQueryArgs):
    class Meta:
        exclude = ("customerIds",)


class ProjectTotalsArgs(TotalsQueryArgs):
    class Meta:
        exclude = ("customerIds", "projectIds")


class TaskTotalsArgs(TotalsQueryArgs):
    class Meta:
        exclude = ("customerIds", "projectIds", "taskIds")


class UserTotalsArgs(TotalsQueryArgs):
    class Meta:
        exclude = ("userIds", "departmentIds")


def _number(description: str) -> fields.Float:
    return fields.Float(required=True, metadata={"description": description})


class TotalsSchema(ApiSchema):
    totalMinutes = fields.Integer(required=True)
    billableMinutes = fields.Integer(
        required=True,
        metadata={
            "description": "Billable: of entries marked billable, and of entries without a "
            "mark on tasks whose type of work is billable"
        },
    )
    nonBillableMinutes = fields.Integer(required=True)
    billedMinutes = fields.Integer(required=True, metadata={"description": "Billed by invoices"})
    nonBilledMinutes = fields.Integer(required=True)
    totalHours = _number("Hours, to two decimals")
    billableHours = _number("Hours, to two decimals")
    nonBillableHours = _number("Hours, to two decimals")
    billedHours = _number("Hours, to two decimals")
    nonBilledHours = _number("Hours, to two decimals")
    estimatedMinutes = fields.Integer(
        metadata={"description": "Where tasks are grouped or addressed: their estimates"}
    )
    activeEstimatedMinutes = fields.Integer(metadata={"description": "Estimates of open tasks"})
    completedEstimatedMinutes = fields.Integer(
        metadata={"description": "Estimates of completed tasks"}
    )
    estimatedHours = fields.Float()
    activeEstimatedHours = fields.Float()
    completedEstimatedHours = fields.Float()
    cost = fields.Float(
        metadata={
            "description": "With Manage Cost & Billing Data (or Manage Accounts & Permissions): "
            "minutes x the user's regular rate per hour, in the company currency"
        }
    )
    revenue = fields.Float(
        metadata={
            "description": "With Manage Cost & Billing Data (or Manage Accounts & Permissions): "
            "billable minutes x the type of work's rate per hour"
        }
    )
    leaveMinutes = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "Grouping by user, department, day, week or month only, without "
            "task or billing filters: leave minutes per leave type id"
        },
    )
    leaveTotalMinutes = fields.Integer()
    leaveTotalHours = fields.Float()


class TotalsGroupSchema(ApiSchema):
    customerId = fields.Integer()
    projectId = fields.Integer()
    taskId = fields.Integer()
    userId = fields.Integer()
    departmentId = fields.Integer()
    typeOfWorkId = fields.Integer()
    tagId = fields.Integer(
        allow_none=True, metadata={"description": "Grouping by tag; null: entries without tags"}
    )
    date = fields.Date(metadata={"description": "Grouping by day"})
    week = fields.Date(metadata={"description": "Grouping by week: its first day"})
    month = fields.Date(metadata={"description": "Grouping by month: its first day"})
    totals = fields.Nested(TotalsSchema, required=True)


class TotalsAnswerSchema(ApiSchema):
    dateFrom = fields.Date(allow_none=True, required=True)
    dateTo = fields.Date(allow_none=True, required=True)
    groupBy = fields.List(fields.String(), required=True)
    currency = fields.String(metadata={"description": "With cost and revenue"})
    totals = fields.Nested(TotalsSchema, required=True)
    groups = fields.List(fields.Nested(TotalsGroupSchema), required=True)
    customers = map_of(CustomerSchema)
    projects = map_of(ProjectSchema)
    tasks = map_of(TaskSchema)
    users = map_of(UserSchema)
    departments = map_of(DepartmentSchema)
    typesOfWork = map_of(TypeOfWorkSchema)
    tags = map_of(TagSchema)


class ProjectListTotalsArgs(ProjectListArgs, PeriodFilterArgs):
    pass


class UserListTotalsArgs(UserListArgs, PeriodArgs, TaskFilterArgs):
    pass


class ProjectWithTotalsSchema(ProjectSchema):
    totals = fields.Nested(TotalsSchema, required=True)


_ProjectTotalsList = list_envelope(
    ProjectWithTotalsSchema, {"customers": CustomerSchema}, name="ProjectTotalsListSchema"
)


class ProjectTotalsListSchema(_ProjectTotalsList):
    currency = fields.String(metadata={"description": "With cost and revenue"})


class UserWithTotalsSchema(UserSchema):
    totals = fields.Nested(TotalsSchema, required=True)


_UserTotalsList = list_envelope(
    UserWithTotalsSchema,
    {"departments": DepartmentSchema, "timeZoneGroups": TimeZoneGroupSchema},
    name="UserTotalsListSchema",
)


class UserTotalsListSchema(_UserTotalsList):
    currency = fields.String(metadata={"description": "With cost and revenue"})
