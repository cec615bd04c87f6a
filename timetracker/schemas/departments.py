"""Departments."""

from __future__ import annotations

from marshmallow import fields

from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    Modified,
    ModifiedAfterArgs,
    Name,
    NamedListArgs,
    Sort,
    list_envelope,
)


@payload_schema("department")
class DepartmentSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    default = fields.Boolean(attribute="is_default", required=True)
    modified = Modified()


class DepartmentWriteSchema(ApiSchema):
    name = Name(required=True)


class DepartmentListArgs(NamedListArgs, ModifiedAfterArgs):
    sort = Sort(("name", "modified"))


DepartmentListSchema = list_envelope(DepartmentSchema)
