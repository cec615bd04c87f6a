"""One blueprint module per resource; :func:`register_routes` registers the URL converters and
every resource's blueprints, in the document's order (``all_blueprints``), then the Teamwork
face at its prefix (``TIMETRACKER_TEAMWORK_PREFIX``).

``timetracker routes`` prints every route with its view and the service function it calls;
``docs/routes.md`` is that index, kept current by ``tests/test_routes.py``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from timetracker.api import (
    approval,
    batch,
    catalogue,
    converters,
    departments,
    events,
    health,
    hooks,
    imports,
    invoices,
    leave,
    leave_types,
    metrics,
    reports,
    settings,
    tags,
    teamwork,
    time_entries,
    time_zone_groups,
    timers,
    timetrack,
    tokens,
    totals,
    user_rates,
    users,
)


def all_blueprints(metrics_on: bool = False):
    """Every resource's blueprints; the metrics' only when they are served, so that the document
    names exactly the operations the server answers."""
    return [
        *health.blueprints,
        *catalogue.blueprints,
        *settings.blueprints,
        *users.blueprints,
        *tokens.blueprints,
        *departments.blueprints,
        *time_zone_groups.blueprints,
        *leave_types.blueprints,
        *user_rates.blueprints,
        settings.info,
        *timetrack.blueprints,
        *time_entries.blueprints,
        *tags.blueprints,
        *imports.blueprints,
        *approval.blueprints,
        *timers.blueprints,
        *invoices.blueprints,
        *reports.blueprints,
        *totals.blueprints,
        *leave.blueprints,
        *events.blueprints,
        *hooks.blueprints,
        *batch.blueprints,
        *(metrics.blueprints if metrics_on else ()),
    ]


def register_routes(app: Flask, api: Api) -> None:
    """Every route of the API on ``app``, described in ``api``'s document: the converters
    first (the routes use them), then the blueprints, whose order is the document's."""
    converters.register(app, api)
    for blueprint in all_blueprints(metrics_on=app.config["METRICS"] != "disabled"):
        api.register_blueprint(blueprint)
    # The Teamwork face, last in the document, where the settings put it (or nowhere).
    if app.config["TEAMWORK_PREFIX"]:
        for blueprint in teamwork.blueprints:
            api.register_blueprint(blueprint, url_prefix=app.config["TEAMWORK_PREFIX"])
