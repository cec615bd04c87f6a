"""User rates: periods with a regular, an overtime and per leave type rates."""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    CalendarDate,
    Id,
    JsonNumber,
    PageArgs,
    UserIdList,
    list_envelope,
)


class LeaveRateSchema(ApiSchema):
    leaveTypeId = Id(attribute="leave_type_id", required=True)
    rate = JsonNumber(0, 10**9, places=2, required=True)


class RateSchema(ApiSchema):
    dateFrom = CalendarDate(
        attribute="date_from",
        required=True,
        metadata={"description": "The rate applies from this date on"},
    )
    regularRate = JsonNumber(0, 10**9, attribute="regular_rate", places=2, required=True)
    overtimeRate = JsonNumber(0, 10**9, attribute="overtime_rate", places=2, required=True)
    leaveRates = fields.List(
        fields.Nested(LeaveRateSchema), attribute="leave_rates", load_default=list
    )


class UserRatesSchema(ApiSchema):
    userId = fields.Integer(required=True)
    rates = fields.List(fields.Nested(RateSchema), required=True)


class UserRatesArgs(PageArgs):
    userIds = UserIdList(attribute="user_ids", description="Only these users")


UserRatesListSchema = list_envelope(UserRatesSchema, name="UserRatesList")
