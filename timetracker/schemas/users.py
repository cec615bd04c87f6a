"""User representations. (The users resource itself extends these.)"""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.base import ApiSchema


def full_name(user) -> str:
    """First name, middle initial and last name, as the product displays a user."""
    parts = [user["first_name"]]
    if user.get("middle_name"):
        parts.append(user["middle_name"][0].upper() + ".")
    parts.append(user["last_name"])
    return " ".join(p for p in parts if p)


class UserRefSchema(ApiSchema):
    """The fields of a user that every authenticated caller may see."""

    id = fields.Integer(required=True)
    firstName = fields.String(attribute="first_name")
    middleName = fields.String(attribute="middle_name", allow_none=True)
    lastName = fields.String(attribute="last_name")
    fullName = fields.Function(full_name, dump_only=True)
    active = fields.Boolean()
