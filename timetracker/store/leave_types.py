"""Queries on leave types (the generic ones are in ``entities``)."""

from __future__ import annotations

from sqlalchemy import select

from timetracker.store.entities import Entity
from timetracker.store.schema import leave_types

LEAVE_TYPES = Entity(
    table=leave_types,
    base=select(leave_types),
    sort={"name": leave_types.c.name_key},
    eq_filters={"archived": leave_types.c.archived, "balance": leave_types.c.balance},
)

# Users: never select the password hash into a row that could be serialized.
