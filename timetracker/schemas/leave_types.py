"""Leave types."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    JsonBoolean,
    JsonNumber,
    Modified,
    ModifiedAfterArgs,
    Name,
    NamedListArgs,
    Sort,
    Text,
    list_envelope,
)

BALANCES = ("None", "Sick", "PTO")


@payload_schema("leaveType")
class LeaveTypeSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    balance = fields.String(required=True, validate=validate.OneOf(BALANCES))
    rateFactor = fields.Float(attribute="rate_factor", required=True)
    archived = fields.Boolean(required=True)
    modified = Modified()


class _LeaveTypeWriteFields(ApiSchema):
    balance = fields.String(
        validate=validate.OneOf(BALANCES), metadata={"description": "None, Sick or PTO"}
    )
    rateFactor = JsonNumber(0, 100, attribute="rate_factor", places=3)
    archived = JsonBoolean()


class LeaveTypeCreateSchema(_LeaveTypeWriteFields):
    name = Name(required=True)
    balance = fields.String(required=True, validate=validate.OneOf(BALANCES))
    rateFactor = JsonNumber(
        0,
        100,
        attribute="rate_factor",
        places=3,
        load_default=1,
        metadata={"description": "Share of the rate paid for leave; default 1"},
    )
    archived = JsonBoolean(load_default=False)


class LeaveTypeUpdateSchema(_LeaveTypeWriteFields):
    name = Name()


class Balance(Text):
    """None/Sick/PTO in any letter case."""

    PATTERN = r"^([Nn][Oo][Nn][Ee]|[Ss][Ii][Cc][Kk]|[Pp][Tt][Oo])$"

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        for balance in BALANCES:
            if balance.lower() == text.lower():
                return balance
        raise ValidationError("Must be one of None, Sick, PTO (any case)")


class LeaveTypeListArgs(NamedListArgs, ModifiedAfterArgs):
    balance = Balance(metadata={"description": "None, Sick or PTO (case-insensitive)"})
    archived = fields.Boolean()
    sort = Sort(("name", "modified"))


LeaveTypeListSchema = list_envelope(LeaveTypeSchema)
