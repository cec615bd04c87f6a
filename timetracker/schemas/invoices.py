"""Invoices: billable time-track records of a period marked as billed."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import CalendarDate, Id, IdList, PageArgs, Sort, list_envelope
from timetracker.schemas.common import Name as InvoiceNumber


def _id_list(attribute: str, description: str) -> fields.List:
    return fields.List(
        Id(),
        attribute=attribute,
        validate=validate.Length(1, 10_000),
        metadata={"description": description},
    )


def _made_with(attribute: str, description: str = "") -> fields.List:
    """An id filter the invoice was made with."""
    return fields.List(
        fields.Integer(),
        attribute=attribute,
        allow_none=True,
        metadata={"description": f"The filter the invoice was made with{description}; null: none"},
    )


@payload_schema("invoice")
class InvoiceSchema(ApiSchema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"example": "2026-0042"})
    dateFrom = fields.Date(attribute="date_from", required=True)
    dateTo = fields.Date(attribute="date_to", required=True)
    customerIds = _made_with("customer_ids")
    projectIds = _made_with("project_ids")
    userIds = _made_with("user_ids", " (the users of it you may see)")
    billedMinutes = fields.Integer(
        attribute="billed_minutes",
        required=True,
        metadata={
            "description": "Minutes it billed: of the billable entries of its records",
            "example": 2460,
        },
    )
    reportedMinutes = fields.Integer(
        attribute="reported_minutes",
        required=True,
        metadata={
            "description": "The billed minutes as reported: rounded as the company's rounding "
            "(time entry settings) said when the invoice was made, per entry or per record",
            "example": 2475,
        },
    )
    records = fields.Integer(
        required=True, metadata={"description": "How many records it billed", "example": 7}
    )
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    createdBy = fields.Integer(
        attribute="created_by",
        allow_none=True,
        metadata={"description": "The user who made it (null once that user is deleted)"},
    )


class InvoiceCreateSchema(ApiSchema):
    number = InvoiceNumber(
        required=True,
        metadata={
            "description": "1 to 255 characters, unique case-insensitively",
            "example": "2026-0042",
        },
    )
    dateFrom = CalendarDate(attribute="date_from", required=True)
    dateTo = CalendarDate(attribute="date_to", required=True)
    customerIds = _id_list(
        "customer_ids", "Only records on tasks of these customers (projectIds wins over it)"
    )
    projectIds = _id_list("project_ids", "Only records on tasks of these projects")
    userIds = _id_list("user_ids", "Only these users' records")


class InvoiceListArgs(PageArgs):
    ids = IdList("Only the invoices with these ids")
    sort = Sort(("number", "created"))


InvoiceListSchema = list_envelope(InvoiceSchema)
