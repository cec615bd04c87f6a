"""Queries on the event log: appending in commit order, and reading it back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, insert, select, text

from timetracker.store.prepared import Prepared, insert_rows
from timetracker.store.schema import event_subjects, events

BULK = 100  # from this many events on, one driver-level executemany
_CONTEXT = ("created", "actor_id", "method", "path", "batch_id")
_OWN = ("name", "object_id", "user_id", "task_id", "project_id", "customer_id", "data", "changes")
# Built once: a change of time writes one event.
_INSERT = Prepared(insert(events).values({name: bindparam(name) for name in _CONTEXT + _OWN}))

# The PostgreSQL advisory lock that appending transactions take turns on (any constant will do).
APPEND_LOCK = 7_462_318


def append(
    conn: Connection,
    context: Mapping[str, Any],
    rows: list[Mapping[str, Any]],
    encoded: bool = False,
) -> None:
    """Write events (``rows``, sharing ``context``: when, who, which request) in the caller's
    transaction. ``encoded``: the rows' data and changes are JSON text already. A row's
    ``subjects`` (not with ``encoded``): the records an event about many concerns.

    Readers follow the log by id, so ids must follow commit order. SQLite has one writer at a
    time, so they do. On PostgreSQL a transaction holds a lock from its first event to its
    commit: a later id can never commit before an earlier one, and none is skipped by a reader
    that already read past it."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
    many_records = any(row.get("subjects") is not None for row in rows)
    if (len(rows) < BULK or many_records) and not encoded:
        shared = {name: context.get(name) for name in _CONTEXT}
        for row in rows:
            values = {**shared, **{name: row.get(name) for name in _OWN}}
            if row.get("subjects") is None:
                _INSERT.execute(conn, values)
            else:
                _append_with_subjects(conn, values, row["subjects"])
        return
    # Many at once (an import): tuples as the driver takes them (``insert_rows``).
    # SQLAlchemy's per-row parameter handling would cost more than the insert itself.
    dumps = _as_is if encoded else json.JSONEncoder(separators=(",", ":")).encode
    shared = tuple(context.get(c) for c in _CONTEXT)
    values = [
        (
            *shared,
            row["name"],
            row["object_id"],
            row["user_id"],
            row["task_id"],
            row["project_id"],
            row["customer_id"],
            dumps(row["data"]),
            None if row["changes"] is None else dumps(row["changes"]),
        )
        for row in rows
    ]
    insert_rows(conn, "events", _CONTEXT + _OWN, values)


def _append_with_subjects(
    conn: Connection, values: Mapping[str, Any], subjects: list[Mapping[str, int]]
) -> None:
    """An event about many records, and what it concerns (``event_subjects``)."""
    event_id = conn.execute(insert(events).values(values).returning(events.c.id)).scalar_one()
    if subjects:
        conn.execute(insert(event_subjects), [{**s, "event_id": event_id} for s in subjects])


def _as_is(text: str) -> str:
    return text


def after(conn: Connection, cursor: int, visible, limit: int) -> list[RowMapping]:
    """Events after ``cursor`` (an id) that ``visible`` lets through, oldest first."""
    stmt = select(events).where(events.c.id > cursor).order_by(events.c.id).limit(limit)
    if visible is not None:
        stmt = stmt.where(visible)
    return list(conn.execute(stmt).mappings())


def audit(conn: Connection, args: Mapping[str, Any]) -> list[RowMapping]:
    """A page of the log, newest first, by the audit log's filters."""
    stmt = select(events)
    if args.get("from_ms") is not None:
        stmt = stmt.where(events.c.created >= args["from_ms"])
    if args.get("to_ms") is not None:
        stmt = stmt.where(events.c.created < args["to_ms"])
    if args.get("user_ids"):
        stmt = stmt.where(events.c.actor_id.in_(args["user_ids"]))
    if args.get("kinds"):
        stmt = stmt.where(events.c.name.in_([f"{k}.{a}" for k in args["kinds"] for a in ACTIONS]))
    if args.get("objectId") is not None:
        stmt = stmt.where(events.c.object_id == str(args["objectId"]))
    stmt = stmt.order_by(events.c.id.desc()).offset(args["offset"]).limit(args["limit"])
    return list(conn.execute(stmt).mappings())


ACTIONS = ("create", "update", "move", "delete", "start", "stop")
