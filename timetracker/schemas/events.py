"""The event log as the changes feed and the audit log read it."""

from __future__ import annotations

from marshmallow import fields, validate
from webargs.fields import DelimitedList

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import INT32_MAX, CalendarDate, PageArgs, Text, UserIdList

KINDS = ("customer", "project", "task", "user", "department", "timeZoneGroup", "leaveType")
KINDS += ("workflowStatus", "typeOfWork", "invoice", "timetrack", "timetrackApprovalStatus")
KINDS += ("leaveTime", "timer", "tag")


class EventSchema(ApiSchema):
    id = fields.Integer(required=True, metadata={"description": "Commit order; the cursor"})
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    name = fields.String(required=True, metadata={"example": "task.update"})
    kind = fields.String(required=True)
    action = fields.String(required=True)
    objectId = fields.String(
        attribute="object_id",
        required=True,
        metadata={"description": "The object's id; userId/date/taskId for a record"},
    )
    data = fields.Dict(
        required=True,
        metadata={"description": "The object's representation after the change (before it, "
                  "for a deletion)"},
    )  # fmt: skip


class ChangesArgs(ApiSchema):
    since = fields.Integer(
        load_default=0,
        validate=validate.Range(0, INT32_MAX),
        metadata={"description": "The cursor of the last answer (0: from the beginning)"},
    )
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 1000))


class ChangesSchema(ApiSchema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    cursor = fields.Integer(required=True, metadata={"description": "Ask again from here"})
    hasMore = fields.Boolean(required=True)


class AuditEntrySchema(EventSchema):
    userId = fields.Integer(
        attribute="actor_id", allow_none=True, required=True, metadata={"description": "Who"}
    )
    method = fields.String(allow_none=True, required=True)
    path = fields.String(allow_none=True, required=True)
    batchId = fields.String(
        attribute="batch_id",
        allow_none=True,
        required=True,
        metadata={"description": "The batch request the change came from"},
    )
    changes = fields.Dict(
        allow_none=True,
        required=True,
        metadata={"description": "Changed fields: {field: [old, new]}"},
    )


class AuditLogArgs(PageArgs):
    dateFrom = CalendarDate(metadata={"description": "From this day (UTC)"})
    dateTo = CalendarDate(metadata={"description": "To this day (UTC), inclusive"})
    userIds = UserIdList(attribute="user_ids", description="Changes made by these users")
    kinds = DelimitedList(
        fields.String(validate=validate.OneOf(KINDS)),
        validate=validate.Length(min=1),
        metadata={"description": "Only changes of these kinds of object: " + ", ".join(KINDS)},
    )
    objectId = Text(validate=validate.Length(max=128), metadata={"description": "One object"})


class AuditLogSchema(ApiSchema):
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
