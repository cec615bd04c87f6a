"""Time-track records, changes, lists and locks."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.catalogue import CustomerSchema, ProjectSchema, TaskSchema
from timetracker.schemas.common import (
    CalendarDate,
    IdList,
    IncludeReferenced,
    UserIdList,
    body_user_ids,
)
from timetracker.schemas.departments import DepartmentSchema
from timetracker.schemas.optional_text import OptionalText
from timetracker.schemas.settings import TypeOfWorkSchema, WorkflowStatusSchema
from timetracker.schemas.time_zone_groups import TimeZoneGroupSchema
from timetracker.schemas.users import UserSchema

MINUTES_PER_DAY = 1440


# 0..1440 written without leading zeros; the same pattern documents and parses the string form.
_UP_TO_A_DAY = r"(0|[1-9][0-9]{0,2}|1[0-3][0-9]{2}|14[0-3][0-9]|1440)"


class Minutes(fields.Field):
    """Minutes within a day (or, with ``signed``, a change of up to a day either way), as a
    number or as a string of digits (the spec's examples send ``"time": "120"``)."""

    def __init__(self, signed: bool = False, **kwargs):
        self.low, self.high = (-MINUTES_PER_DAY if signed else 0), MINUTES_PER_DAY
        self.pattern = rf"^{'-?' if signed else ''}{_UP_TO_A_DAY}$"
        kwargs["metadata"] = {
            "oneOf": [
                {"type": "integer", "minimum": self.low, "maximum": self.high},
                {"type": "string", "pattern": self.pattern},
            ],
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if not re.fullmatch(self.pattern, value):
                raise ValidationError(f"Not a number of minutes from {self.low} to {self.high}")
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a whole number of minutes")
        if not self.low <= value <= self.high:
            raise ValidationError(f"Must be between {self.low} and {self.high}")
        return value


class TimeRecordSchema(ApiSchema):
    taskId = fields.Integer(required=True)
    time = fields.Integer(required=True, metadata={"description": "Minutes"})
    comment = fields.String(
        metadata={
            "description": 'Present when the record has one (never null or "": a comment '
            "cleared with either is gone, as actiTIME's records carry no comment key then)"
        }
    )


class TimeSetSchema(ApiSchema):
    time = Minutes(metadata={"description": "Minutes; 0 deletes the record"})
    comment = OptionalText(
        validate=validate.Length(max=10_000),
        metadata={"description": 'Replaces the record\'s comment; null or "" removes it'},
    )


class TimeDeltaSchema(ApiSchema):
    delta = Minutes(
        signed=True,
        required=True,
        metadata={"description": "Minutes to add (negative: to take away)"},
    )


class LockSchema(ApiSchema):
    userIds = body_user_ids("Users to (un)lock; all users if omitted")
    dateFrom = CalendarDate(required=True)
    dateTo = CalendarDate(required=True)


class LockResultSchema(ApiSchema):
    userIds = fields.List(
        fields.Integer(),
        required=True,
        metadata={
            "description": "The users named in the request; without userIds (everyone was "
            "(un)locked), the users you may see"
        },
    )


class ListRecordSchema(ApiSchema):
    taskId = fields.Integer(required=True)
    time = fields.Integer(required=True, metadata={"description": "Minutes"})
    comment = fields.String(
        metadata={
            "description": "With includeReferenced=comments, when the record has one (never "
            'null or "")'
        }
    )
    billable = fields.Boolean(
        metadata={
            "description": "With includeReferenced=billingStatus: the task's type of work is "
            "billable"
        }
    )
    billed = fields.Boolean(
        metadata={"description": "With includeReferenced=billingStatus: an invoice billed it"}
    )
    invoiceId = fields.Integer(
        allow_none=True,
        metadata={"description": "With includeReferenced=billingStatus: the invoice, or null"},
    )


class DaySchema(ApiSchema):
    userId = fields.Integer(required=True)
    dayOffset = fields.Integer(
        required=True, metadata={"description": "date = dateFrom + dayOffset"}
    )
    date = fields.Date(required=True)
    records = fields.List(fields.Nested(ListRecordSchema), required=True)
    locked = fields.Boolean(metadata={"description": "With includeReferenced=lockStatus"})
    approved = fields.Boolean(
        metadata={"description": "With includeReferenced=approvalStatus: the week is approved"}
    )
    rejected = fields.Boolean(
        metadata={
            "description": "With includeReferenced=approvalStatus, when the week was rejected"
        }
    )
    rejectionComment = fields.String(
        metadata={
            "description": "With includeReferenced=approvalStatus: why it was rejected, when "
            'the rejection said why (never null or "")'
        }
    )


def map_of(schema) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(schema))


class PeriodListSchema(ApiSchema):
    """What lists of records by day share (time-track, leave time)."""

    dateFrom = fields.Date(required=True)
    dateTo = fields.Date(
        required=True,
        metadata={
            "description": "The last day covered; earlier than asked when stopAfter cut the answer"
        },
    )
    nextDateFrom = fields.Date(
        metadata={"description": "Present when stopAfter cut the answer: ask again from this day"}
    )
    users = map_of(UserSchema)
    departments = map_of(DepartmentSchema)
    timeZoneGroups = map_of(TimeZoneGroupSchema)


class PeriodListArgs(ApiSchema):
    dateFrom = CalendarDate(required=True)
    userIds = UserIdList(attribute="user_ids", description="Only these users")
    dateTo = CalendarDate(metadata={"description": "Default: up to the last day holding records"})
    stopAfter = fields.Integer(
        load_default=1000,
        validate=validate.Range(1, 1000),
        metadata={"description": "About this many records: whole days are kept together"},
    )


class TimeTrackListSchema(PeriodListSchema):
    data = fields.List(fields.Nested(DaySchema), required=True)
    tasks = map_of(TaskSchema)
    projects = map_of(ProjectSchema)
    customers = map_of(CustomerSchema)
    typesOfWork = map_of(TypeOfWorkSchema)
    workflowStatuses = map_of(WorkflowStatusSchema)


def BillableFilter() -> fields.Boolean:  # noqa: N802 - a field factory reads like a field class
    return fields.Boolean(
        metadata={
            "description": "true: only records holding billable minutes (of entries marked "
            "billable, or following a billable type of work); false: only the others"
        }
    )


def BilledFilter() -> fields.Boolean:  # noqa: N802
    return fields.Boolean(
        metadata={"description": "true: only records billed by an invoice; false: only the others"}
    )


REFERENCES = (
    "comments",
    "approvalStatus",
    "lockStatus",
    "billingStatus",
    "tasks",
    "projects",
    "customers",
    "users",
    "departments",
    "timeZoneGroups",
    "typesOfWork",
    "workflowStatuses",
)


class TimeTrackListArgs(PeriodListArgs):
    taskIds = IdList(
        attribute="task_ids", description="Only these tasks (wins over projectIds and customerIds)"
    )
    projectIds = IdList(
        attribute="project_ids", description="Only tasks of these projects (wins over customerIds)"
    )
    customerIds = IdList(attribute="customer_ids", description="Only tasks of these customers")
    approved = fields.Boolean(
        metadata={
            "description": "true: only days in approved weeks; false: only days in weeks not "
            "approved"
        }
    )
    billable = BillableFilter()
    billed = BilledFilter()
    includeReferenced = IncludeReferenced(REFERENCES)


class TimeTrackImportArgs(ApiSchema):
    assign = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Assign each task to its user first where it is not among the "
            "user's work assignments and you may assign it (Manage Scope of Work covering the "
            "task, over that user; or Manage Accounts & Permissions). Without it, such a line "
            "is refused"
        },
    )


class TimeTrackImportResultSchema(ApiSchema):
    imported = fields.Integer(required=True, metadata={"description": "Lines imported"})
    recordsCreated = fields.Integer(
        required=True, metadata={"description": "Records that did not exist before"}
    )
    recordsUpdated = fields.Integer(
        required=True, metadata={"description": "Stored records the file added minutes to"}
    )
    tasksAssigned = fields.Integer(
        required=True,
        metadata={"description": "(user, task) pairs added to work assignments (assign=true)"},
    )
