"""Reports: query arguments and rows."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    CalendarDate,
    IdList,
    PageArgs,
    UserIdList,
    list_envelope,
)
from timetracker.schemas.time_entries import Instant
from timetracker.schemas.totals import ProjectListTotalsArgs, TotalsArgs, UserListTotalsArgs


class ReportExportArgs(ApiSchema):
    """The ``format`` of a report: JSON, CSV, Excel or a PDF document."""

    format = fields.String(
        validate=validate.OneOf(("json", "csv", "xlsx", "pdf")),
        metadata={
            "description": "json, csv, xlsx (Excel) or pdf. Without it the Accept header "
            "decides; JSON is the default. CSV, Excel and PDF hold every matching row: offset, "
            "limit and includeReferenced do not apply to them"
        },
    )


class DetailedReportArgs(PageArgs, ReportExportArgs):
    dateFrom = CalendarDate(required=True)
    dateTo = CalendarDate(metadata={"description": "Default: no end (up to the last record)"})
    userIds = UserIdList(attribute="user_ids", description="Only these users' records")
    customerIds = IdList(attribute="customer_ids", description="Only records on these customers")
    projectIds = IdList(attribute="project_ids", description="Only records on these projects")
    taskIds = IdList(attribute="task_ids", description="Only records on these tasks")
    typeOfWorkIds = IdList(
        attribute="type_of_work_ids",
        description="Only records on tasks of these types of work",
    )
    departmentIds = IdList(
        attribute="department_ids", description="Only records of users in these departments"
    )
    billable = fields.Boolean(
        metadata={
            "description": "true: only records whose task's type of work is billable; false: "
            "only the others"
        }
    )
    billed = fields.Boolean(
        metadata={"description": "true: only records billed by an invoice; false: only the others"}
    )
    grain = fields.String(
        load_default="record",
        validate=validate.OneOf(("record", "entry")),
        metadata={"description": "One row per day record (default) or per time entry"},
    )


class DetailedRowSchema(ApiSchema):
    """One time-track record with the names of what it belongs to."""

    date = fields.Date(required=True, metadata={"example": "2026-01-05"})
    userId = fields.Integer(required=True, metadata={"example": 7})
    userName = fields.String(
        required=True,
        metadata={"description": "The user's full name (as fullName)", "example": "John Smith"},
    )
    customerId = fields.Integer(required=True, metadata={"example": 1})
    customerName = fields.String(required=True, metadata={"example": "Big Bang Company"})
    projectId = fields.Integer(required=True, metadata={"example": 1})
    projectName = fields.String(required=True, metadata={"example": "Flight operations"})
    taskId = fields.Integer(required=True, metadata={"example": 1})
    taskName = fields.String(required=True, metadata={"example": "Launch planning"})
    typeOfWorkId = fields.Integer(required=True, metadata={"example": 1})
    typeOfWorkName = fields.String(required=True, metadata={"example": "Development"})
    # hours: Excel adds a column of the minutes in hours after it.
    minutes = fields.Integer(required=True, metadata={"example": 120, "hours": "hours"})
    comment = fields.String(
        allow_none=True,
        metadata={
            "example": "completed the task",
            "description": "null when the record has none (an empty cell in CSV)",
        },
    )
    billable = fields.Boolean(
        required=True, metadata={"description": "The task's type of work is billable"}
    )
    billed = fields.Boolean(required=True, metadata={"description": "An invoice billed it"})
    invoiceId = fields.Integer(
        allow_none=True, metadata={"description": "The invoice that billed it"}
    )
    # grain=entry: the entry's own columns (in place of the record's comment).
    entryId = fields.Integer(metadata={"description": "grain=entry: the time entry's id"})
    start = Instant(bounded=False, allow_none=True, metadata={"description": "grain=entry"})
    end = Instant(bounded=False, allow_none=True, metadata={"description": "grain=entry"})
    description = fields.String(allow_none=True, metadata={"description": "grain=entry"})


DetailedReportSchema = list_envelope(DetailedRowSchema, name="DetailedReport")


class SummaryReportArgs(TotalsArgs, ReportExportArgs):
    pass


class ProjectsReportArgs(ReportExportArgs, ProjectListTotalsArgs):  # its format wins
    pass


class UsersReportArgs(ReportExportArgs, UserListTotalsArgs):  # its format wins
    pass
