"""Leave time records, changes and lists."""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import IdList, IncludeReferenced
from timetracker.schemas.leave_types import LeaveTypeSchema
from timetracker.schemas.timetrack import Minutes, PeriodListArgs, PeriodListSchema, map_of


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


class LeaveListSchema(PeriodListSchema):
    data = fields.List(fields.Nested(LeaveListItemSchema), required=True)
    leaveTypes = map_of(LeaveTypeSchema)


class LeaveListArgs(PeriodListArgs):
    leaveTypeIds = IdList(attribute="leave_type_ids", description="Only these leave types")
    includeReferenced = IncludeReferenced(
        ("lockStatus", "users", "departments", "timeZoneGroups", "leaveTypes")
    )
