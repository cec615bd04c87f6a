"""Tags: named labels with a colour that time entries carry."""

from __future__ import annotations

import re

from marshmallow import fields, validate

from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    AllowedActions,
    AllowedActionsSchema,
    Modified,
    ModifiedAfterArgs,
    Name,
    NamedListArgs,
    Sort,
    list_envelope,
)

DEFAULT_COLOR = "#9e9e9e"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# The whole text: ``$`` would also match before a final newline.
_COLOR = re.compile(r"#[0-9a-fA-F]{6}\Z")


class Color(fields.String):
    """A colour as ``#rrggbb``: any case in, lower case out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Regexp(_COLOR, error="Not a #rrggbb colour"))
        kwargs["metadata"] = {
            "description": "#rrggbb (hex digits in any case; answered in lower case)",
            "pattern": COLOR_PATTERN,
            "example": "#3f51b5",
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).lower()


class TagActionsSchema(AllowedActionsSchema):
    pass


@payload_schema("tag")
class TagSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    color = fields.String(required=True, metadata={"description": "#rrggbb, lower case"})
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    modified = Modified()
    allowedActions = AllowedActions(TagActionsSchema, "Whether you may modify or delete the tag")


class TagCreateSchema(ApiSchema):
    name = Name(required=True, metadata={"description": "Unique, case-insensitively"})
    color = Color(
        load_default=DEFAULT_COLOR,
        metadata={"description": f"#rrggbb in any case; default {DEFAULT_COLOR} (grey)"},
    )


class TagUpdateSchema(ApiSchema):
    name = Name(metadata={"description": "Unique, case-insensitively"})
    color = Color()


class TagListArgs(NamedListArgs, ModifiedAfterArgs):
    sort = Sort(("name", "modified"))


TagListSchema = list_envelope(TagSchema)
