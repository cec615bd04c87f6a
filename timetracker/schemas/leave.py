"""Leave time records, changes and lists."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import IdList, IncludeReferenced
from timetracker.schemas.people import (
    CalendarDate,
    DepartmentSchema,
    LeaveTypeSchema,
    TimeZoneGroupSchema,
    UserSchema,
)
from timetracker.schemas.timetrack import Minutes, map_of


class LeaveRecordSchema(ApiSchema):
    userId = fields.Integer(required=True)
    date = fields.Date(required=True)
    leaveTypeId = fields.Integer(required=True)
    leaveTime = fields.Integer(required=True, metadata={"description": "Minutes"})


class LeaveSetSchema(ApiSchema):
    leaveTime = Minutes(required=True, metadata={"description": "Minutes; 0 deletes the record"})


class LeaveListItemSchema(LeaveRecordSchema):
    dayOffset = fields.Integer(
        required=True, metadata={"description": "date = dateFrom + dayOffset"}
    )
    locked = fields.Boolean(metadata={"description": "With includeReferenced=lockStatus"})


class LeaveListSchema(ApiSchema):
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
    data = fields.List(fields.Nested(LeaveListItemSchema), required=True)
    users = map_of(UserSchema)
    departments = map_of(DepartmentSchema)
    timeZoneGroups = map_of(TimeZoneGroupSchema)
    leaveTypes = map_of(LeaveTypeSchema)


class LeaveListArgs(ApiSchema):
    dateFrom = CalendarDate(required=True)
    dateTo = CalendarDate(metadata={"description": "Default: up to the last day with leave"})
    userIds = IdList(attribute="user_ids", description="Only these users")
    leaveTypeIds = IdList(attribute="leave_type_ids", description="Only these leave types")
    stopAfter = fields.Integer(
        load_default=1000,
        validate=validate.Range(1, 1000),
        metadata={"description": "About this many records: whole days are kept together"},
    )
    includeReferenced = IncludeReferenced(
        ("lockStatus", "users", "departments", "timeZoneGroups", "leaveTypes")
    )
