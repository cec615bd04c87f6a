"""Batch: items (a method, a path, a body) and their results."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import Text

WITH_BODY = ("POST", "PUT", "PATCH")
WITHOUT_BODY = ("GET", "DELETE")


class BatchItemSchema(ApiSchema):
    # A batch's body is an array of items, each holding a request's body: it may nest two
    # levels deeper than a request's body (``api.common.Parser.load_json``).
    json_depth_above_bodies = 2

    id = Text(
        validate=validate.Length(max=200),
        metadata={"description": "Any label; repeated in this item's result"},
    )
    method = fields.String(required=True, validate=validate.OneOf(WITH_BODY + WITHOUT_BODY))
    relativeUrl = Text(
        required=True,
        validate=validate.Length(1, 4000),
        metadata={
            "description": "The path after /api/v1/, with its query string, e.g. "
            "'timetrack/5/2025-03-04/7' or '/customers?archived=false'"
        },
    )
    body = fields.Raw(
        allow_none=True,
        metadata={
            "description": "The JSON body: needed by POST, PUT and PATCH, not allowed "
            "with GET and DELETE"
        },
    )


class BatchArgs(ApiSchema):
    includeResponseBody = fields.String(
        load_default="always",
        validate=validate.OneOf(("always", "never", "get")),
        metadata={
            "description": "Which results carry the response body: all (default), none, "
            "or those of GET requests"
        },
    )


class BatchResultSchema(ApiSchema):
    id = fields.String(metadata={"description": "The item's id, when it had one"})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    body = fields.Raw(metadata={"description": "The response body, as includeResponseBody says"})
