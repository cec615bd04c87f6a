"""Time zone groups."""

from __future__ import annotations

import zoneinfo

from marshmallow import fields, validate

from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import Modified, Name, list_envelope

TIME_ZONES = sorted(zoneinfo.available_timezones())


def TimeZoneId(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(
        attribute="time_zone_id",
        validate=validate.OneOf(TIME_ZONES, error="Not an IANA time zone, e.g. Europe/London"),
        metadata={"description": "IANA time zone"},
        **kwargs,
    )


@payload_schema("timeZoneGroup")
class TimeZoneGroupSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    timeZoneId = fields.String(
        attribute="time_zone_id", required=True, metadata={"example": "Europe/London"}
    )
    default = fields.Boolean(attribute="is_default", required=True)
    modified = Modified()


class TimeZoneGroupCreateSchema(ApiSchema):
    name = Name(required=True)
    timeZoneId = TimeZoneId(required=True)


class TimeZoneGroupUpdateSchema(ApiSchema):
    name = Name()
    timeZoneId = TimeZoneId()


TimeZoneGroupListSchema = list_envelope(TimeZoneGroupSchema)
