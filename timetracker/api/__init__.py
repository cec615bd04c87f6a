"""One blueprint per resource, registered by ``register``."""

from __future__ import annotations

from timetracker.api import batch, catalogue, health, leave, people, settings, timetrack, users


def all_blueprints():
    return [
        *health.blueprints,
        *catalogue.blueprints,
        *settings.blueprints,
        *users.blueprints,
        *people.blueprints,
        *timetrack.blueprints,
        *leave.blueprints,
        *batch.blueprints,
    ]
