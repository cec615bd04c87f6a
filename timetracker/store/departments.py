"""Queries on departments (the generic ones are in ``entities``)."""

from __future__ import annotations

from sqlalchemy import select

from timetracker.store.entities import Entity
from timetracker.store.schema import departments

DEPARTMENTS = Entity(
    table=departments,
    base=select(departments),
    sort={"name": departments.c.name_key},
)
