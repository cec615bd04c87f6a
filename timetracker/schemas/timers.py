"""Running timers."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import Id, UserIdList
from timetracker.schemas.optional_text import OptionalText


class TimerStartSchema(ApiSchema):
    taskId = Id(required=True)
    comment = OptionalText(
        validate=validate.Length(max=10_000),
        metadata={
            "description": 'Added to the record\'s comment when the timer stops; null or "": none'
        },
    )
    userId = Id(metadata={"description": "Whose timer (default: yours); needs Modify & Approve"})


class TimerSchema(ApiSchema):
    userId = fields.Integer(required=True)
    taskId = fields.Integer(required=True)
    comment = fields.String(
        allow_none=True, required=True, metadata={"description": "null when the timer has none"}
    )
    started = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    elapsedMinutes = fields.Integer(required=True, metadata={"description": "Whole minutes"})


class TimerListArgs(ApiSchema):
    userIds = UserIdList(attribute="user_ids", description="Only the timers of these users")


class TimerListSchema(ApiSchema):
    items = fields.List(fields.Nested(TimerSchema), required=True)


class StoppedRecordSchema(ApiSchema):
    date = fields.Date(required=True)
    taskId = fields.Integer(required=True)
    time = fields.Integer(required=True, metadata={"description": "The record's minutes now"})
    added = fields.Integer(required=True, metadata={"description": "Minutes the timer added"})
    comment = fields.String()


class TimerStopSchema(ApiSchema):
    userId = fields.Integer(required=True)
    taskId = fields.Integer(required=True)
    started = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    minutes = fields.Integer(required=True, metadata={"description": "Minutes added in all"})
    records = fields.List(fields.Nested(StoppedRecordSchema), required=True)
