"""Liveness and readiness: no authentication, checks the database."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import text

from timetracker.api.common import Blueprint, public
from timetracker.errors import ApiError
from timetracker.schemas.base import ApiSchema
from timetracker.store.db import get_db

blp = Blueprint(
    "health",
    __name__,
    url_prefix="/api/v1/health",
    description="Health check for load balancers and monitoring (no authentication).",
)


class HealthSchema(ApiSchema):
    status = fields.String(required=True, metadata={"example": "ok"})


@blp.route("")
@public
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(security=[])
    def get(self):
        """Check that the server and its database answer"""
        try:
            get_db(write=False).execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means "not ready"
            raise ApiError(503, "database_unavailable", "The database does not answer") from exc
        return {"status": "ok"}


blueprints = [blp]
