"""Queries on time zone groups (the generic ones are in ``entities``)."""

from __future__ import annotations

from sqlalchemy import select

from timetracker.store.entities import Entity
from timetracker.store.schema import time_zone_groups

TIME_ZONE_GROUPS = Entity(
    table=time_zone_groups,
    base=select(time_zone_groups),
    sort={"name": time_zone_groups.c.name_key},
)
