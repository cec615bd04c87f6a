"""Departments."""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import Name, NamedListArgs, Sort, list_envelope


class DepartmentSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    default = fields.Boolean(attribute="is_default", required=True)


class DepartmentWriteSchema(ApiSchema):
    name = Name(required=True)


class DepartmentListArgs(NamedListArgs):
    sort = Sort(("name",))


DepartmentListSchema = list_envelope(DepartmentSchema)
