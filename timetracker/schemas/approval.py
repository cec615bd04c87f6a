"""Approval of users' weeks: approve, reject, revoke."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import CalendarDate, body_user_ids
from timetracker.schemas.optional_text import OptionalText


class ApprovalSchema(ApiSchema):
    userIds = body_user_ids("Users whose weeks to decide; all of your team if omitted")
    dateFrom = CalendarDate(required=True)
    dateTo = CalendarDate(
        required=True, metadata={"description": "Every week holding a day of the period counts"}
    )


class RejectionSchema(ApprovalSchema):
    comment = OptionalText(
        validate=validate.Length(max=10_000),
        metadata={"description": 'What the user should fix; null or "": no comment'},
    )


class ApprovalResultSchema(ApiSchema):
    userIds = fields.List(fields.Integer(), required=True)
    dateFrom = fields.Date(required=True, metadata={"description": "First day of the first week"})
    dateTo = fields.Date(required=True, metadata={"description": "Last day of the last week"})
