"""The health check's answer."""

from __future__ import annotations

from marshmallow import fields

from timetracker.schemas.base import ApiSchema


class HealthSchema(ApiSchema):
    status = fields.String(required=True, metadata={"example": "ok"})
