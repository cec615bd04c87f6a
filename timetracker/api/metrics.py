"""The Prometheus metrics (``metrics.py``): off by default, else behind a token of their own.

The endpoint is public to the user authentication: a scraper holds no user account, and its
requests neither count toward a user's throttle nor pass the login ban. It checks its own
``Authorization: Bearer <TIMETRACKER_METRICS_TOKEN>`` instead, in constant time. A wrong token
does not count toward the ban either: the token is long (16 characters at least, checked at
start), so guessing it is hopeless anyway, and a scraper with a stale token must not get its
address banned, which may be a proxy or monitoring host that real users share.
"""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask.views import MethodView

from timetracker.api.common import Blueprint, public
from timetracker.errors import ApiError

blp = Blueprint(
    "metrics",
    __name__,
    url_prefix="/api/v1",
    description="Prometheus metrics, for monitoring (a token of their own, not a user's).",
)


def _check_token() -> None:
    """401 without the metrics token. (While the metrics are disabled this blueprint is not
    registered: the path does not exist, and the document does not name it.)"""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    expected = current_app.config["METRICS_TOKEN"].encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise ApiError(
            401,
            "not_authorized",
            "The metrics need Authorization: Bearer <TIMETRACKER_METRICS_TOKEN>",
            headers={"WWW-Authenticate": 'Bearer realm="timetracker metrics"'},
        )


@blp.route("/metrics")
@public
class Metrics(MethodView):
    @blp.doc(
        security=[{"metricsToken": []}],
        responses={
            200: {
                "description": "The metrics in Prometheus' text exposition format",
                "content": {
                    "text/plain": {
                        "schema": {"type": "string"},
                        "example": "timetracker_http_requests_total"
                        '{method="GET",route="/api/v1/customers",status="200"} 42.0\n',
                    }
                },
            }
        },
    )
    @blp.alt_response(401, response="UNAUTHORIZED")
    def get(self):
        """Prometheus metrics

        Requests by route (the URL rule) and status, their durations, throttled and banned
        requests, the database pool, the hook backlog and the process. Served (and in this
        document) only when the server runs with `TIMETRACKER_METRICS=token`, behind
        `Authorization: Bearer` with `TIMETRACKER_METRICS_TOKEN` (no user credentials; not
        throttled). With several worker processes, any of them answers for all.
        """
        _check_token()
        from timetracker.metrics import CONTENT_TYPE  # loaded with the metrics, when they are on

        metrics = current_app.extensions["timetracker"]["metrics"]
        return current_app.response_class(metrics.exposition(), content_type=CONTENT_TYPE)


blueprints = [blp]
