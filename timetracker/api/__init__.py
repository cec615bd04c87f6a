"""One blueprint module per resource; ``all_blueprints`` lists them in the document's order."""

from __future__ import annotations

from timetracker.api import (
    approval,
    batch,
    catalogue,
    departments,
    events,
    health,
    hooks,
    invoices,
    leave,
    leave_types,
    metrics,
    reports,
    settings,
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
