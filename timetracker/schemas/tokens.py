"""Personal API tokens."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import Name, PageArgs, list_envelope

TOKEN_EXAMPLE = {
    "id": 1,
    "userId": 5,
    "name": "Reporting script",
    "scope": "read",
    "created": 1764547200000,
    "expires": None,
}


class TokenSchema(ApiSchema):
    id = fields.Integer(required=True)
    userId = fields.Integer(attribute="user_id", required=True)
    name = fields.String(required=True)
    scope = fields.String(required=True, metadata={"description": "read or write"})
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    expires = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Epoch milliseconds, or null"}
    )


class NewTokenSchema(TokenSchema):
    token = fields.String(
        required=True,
        metadata={"description": "Send as Authorization: Bearer <token>. Shown only now."},
    )


class TokenCreateSchema(ApiSchema):
    name = Name(required=True)
    scope = fields.String(
        required=True,
        validate=validate.OneOf(("read", "write")),
        metadata={"description": "read: GET requests only; write: everything you may do"},
    )
    expires = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(0, 2**53),
        metadata={"description": "Epoch milliseconds after which the token stops working"},
    )


class TokenListArgs(PageArgs):
    pass


TokenListSchema = list_envelope(TokenSchema, name="TokenListSchema")
