"""Liveness and readiness: no authentication, checks the database."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.api.common import Blueprint, public
from timetracker.errors import ApiError
from timetracker.schemas.health import HealthSchema
from timetracker.store.db import ping

blp = Blueprint(
    "health",
    __name__,
    url_prefix="/api/v1",
    description="Health check for load balancers and monitoring (no authentication).",
)


@blp.route("/health")
@public
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(security=[])
    def get(self):
        """Check that the server and its database answer"""
        try:
            ping()
        except Exception as exc:  # any database failure means "not ready"
            raise ApiError(503, "database_unavailable", "The database does not answer") from exc
        return {"status": "ok"}


blueprints = [blp]
