"""Company settings: workflow statuses, types of work, /info."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.access import can_manage_settings, can_see_rates, current_caller
from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    JsonBoolean,
    JsonNumber,
    Modified,
    ModifiedAfterArgs,
    Name,
    NamedListArgs,
    QueryId,
    Restricted,
    Sort,
    list_envelope,
)

STATUS_TYPES = ("open", "completed")


def _status_actions(obj) -> dict[str, bool]:
    allowed = can_manage_settings(current_caller())
    return {"canModify": allowed, "canDelete": allowed and not obj["builtin"]}


@payload_schema("workflowStatus")
class WorkflowStatusSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(STATUS_TYPES))
    modified = Modified()
    allowedActions = fields.Function(_status_actions, dump_only=True)


class WorkflowStatusCreateSchema(ApiSchema):
    name = Name(required=True)
    type = fields.String(required=True, validate=validate.OneOf(STATUS_TYPES))


class WorkflowStatusUpdateSchema(ApiSchema):
    name = Name()
    type = fields.String(validate=validate.OneOf(STATUS_TYPES))


class WorkflowStatusListArgs(NamedListArgs, ModifiedAfterArgs):
    type = fields.String(
        validate=validate.OneOf(STATUS_TYPES),
        metadata={"description": "Only statuses of this type"},
    )
    sort = Sort(("name", "type", "modified"))


class WorkflowStatusDeleteArgs(ApiSchema):
    replacementId = QueryId(
        metadata={
            "description": "Workflow status that takes over the tasks of the deleted one; "
            "default: the built-in status of the same type"
        },
    )


@payload_schema("typeOfWork")
class TypeOfWorkSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    rate = Restricted(
        fields.Float(),
        can_see_rates,
        metadata={
            "description": "Rate per man-hour in the system currency; null unless the "
            "caller holds Manage Accounts & Permissions, Manage Cost & "
            "Billing Data or Manage System Settings"
        },
    )
    archived = fields.Boolean(required=True)
    billable = fields.Boolean(required=True)
    default = fields.Boolean(attribute="is_default", required=True)
    modified = Modified()


class _TypeOfWorkWriteFields(ApiSchema):
    rate = JsonNumber(
        0,
        10**9,
        allow_none=True,
        places=2,
        metadata={"description": "Rate per man-hour in the system currency"},
    )
    archived = JsonBoolean()
    billable = JsonBoolean()
    default = JsonBoolean(metadata={"description": "Make this the default type of work"})


class TypeOfWorkCreateSchema(_TypeOfWorkWriteFields):
    name = Name(required=True)


class TypeOfWorkUpdateSchema(_TypeOfWorkWriteFields):
    name = Name()


class TypeOfWorkListArgs(NamedListArgs, ModifiedAfterArgs):
    archived = fields.Boolean(metadata={"description": "Only archived or only active types"})
    billable = fields.Boolean(metadata={"description": "Only billable or only non-billable types"})
    sort = Sort(("name", "modified"))


WorkflowStatusListSchema = list_envelope(WorkflowStatusSchema)
TypeOfWorkListSchema = list_envelope(TypeOfWorkSchema)


class _Names(ApiSchema):
    singular = fields.String(required=True)
    plural = fields.String(required=True)


class InfoSchema(ApiSchema):
    company = fields.Dict(
        required=True,
        metadata={
            "example": {"name": "My Company", "logoUri": ""},
            "description": "name and logoUri, both strings as actiTIME documents them: "
            'logoUri is "" (the server keeps no logo)',
        },
    )
    customNames = fields.Dict(keys=fields.String(), values=fields.Nested(_Names), required=True)
    format = fields.Dict(required=True)
    features = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
    urls = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "actiTime, actiPlans, api and apiDocumentation, strings as actiTIME "
            'documents them: actiPlans is "" (there is none)'
        },
    )
    limits = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    serverUUID = fields.String(required=True)
    version = fields.String(required=True)
