"""Writing the event log: every change records what changed, in the transaction of the change.

Event names are ``<kind>.<action>`` (``task.update``, ``timetrack.update``, ``timer.stop``).
An event's ``data`` is the object's API representation as anyone who may see the object sees
it: fields that depend on who asks (a type of work's rate, a user's private fields,
``allowedActions``) are left out. ``changes`` holds the changed fields of an
update as ``{field: [old, new]}``; passwords never appear anywhere in the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Connection

from timetracker import access, event_payloads
from timetracker.access import Caller
from timetracker.store import events as store
from timetracker.store.util import now_ms

BATCH_ID = "timetracker.batch_id"  # the WSGI environ key of a batch sub-request's batch
COMMAND = "timetracker.command"  # the WSGI environ key of a command line's context

# kind -> an instance of its registered schema, made when first needed.
_LOADED: dict[str, Any] = {}
# Fields that depend on who asks (what the caller may do, rates, a user's private fields): an
# event is read by others than the one who made the change.
_PER_CALLER = frozenset(
    {"allowedActions", "rate", "url", "username", "email", "hired", "releaseDate"}
)


def representation(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    schema = _LOADED.get(kind)
    if schema is None:
        schema = _LOADED[kind] = event_payloads.schema_of(kind)()
    data = schema.dump(row)
    return {k: v for k, v in data.items() if k not in _PER_CALLER}


def representations(kind: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`representation` of each of ``rows`` (which may be a schema's ``Rows``: one dump
    of them all)."""
    schema = _LOADED.get(kind)
    if schema is None:
        schema = _LOADED[kind] = event_payloads.schema_of(kind)()
    return [
        {k: v for k, v in data.items() if k not in _PER_CALLER}
        for data in schema.dump(rows, many=True)
    ]


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """The changed fields; the ``modified`` stamp moves with every change and says nothing."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if key != "modified" and before.get(key) != after.get(key)
    }


def _context(caller: Caller | None) -> dict[str, Any]:
    # The command line acts as id 0, which is no user.
    actor = caller.id if caller is not None and caller.id > 0 else None
    row: dict[str, Any] = {"created": now_ms(), "actor_id": actor}
    if has_request_context():
        command = request.environ.get(COMMAND)
        row.update(
            method="CLI" if command else request.method,
            path=f"timetracker {command}" if command else request.path,
            batch_id=request.environ.get(BATCH_ID),
        )
    return row


def event(
    name: str,
    object_id: Any,
    data: Mapping[str, Any],
    changes: Mapping[str, Any] | None = None,
    subjects: list[Mapping[str, int]] | None = None,
    **about: int | None,
) -> dict[str, Any]:
    """One event: ``about`` names the user, task, project and customer it concerns; an event
    about many records (an invoice's) names them in ``subjects`` instead (``user_id``,
    ``task_id``, ``project_id``, ``customer_id`` each), and a reader must reach every one."""
    return {
        "subjects": subjects,
        "name": name,
        "object_id": str(object_id),
        "data": dict(data),
        "changes": dict(changes) if changes else None,
        "user_id": about.get("user_id"),
        "task_id": about.get("task_id"),
        "project_id": about.get("project_id"),
        "customer_id": about.get("customer_id"),
    }


def record(
    conn: Connection, caller: Caller | None, *events: Mapping[str, Any], encoded: bool = False
) -> None:
    """Write events (from :func:`event`) in the current transaction; ``encoded``: their data and
    changes are JSON text already."""
    store.append(conn, _context(caller), list(events), encoded=encoded)


def about_object(kind: str, row: Mapping[str, Any]) -> dict[str, int | None]:
    """What an object's event concerns, for deciding who may see it."""
    if kind == "task":
        return {
            "task_id": row["id"],
            "project_id": row.get("project_id"),
            "customer_id": row.get("customer_id"),
        }
    if kind == "project":
        return {"project_id": row["id"], "customer_id": row.get("customer_id")}
    if kind == "customer":
        return {"customer_id": row["id"]}
    if kind == "user":
        return {"user_id": row["id"]}
    if kind == "timeEntry":
        return {key: row.get(key) for key in ("user_id", "task_id", "project_id", "customer_id")}
    return {}


# --- reading the log ----------------------------------------------------------------------------


def _shown(row: Mapping[str, Any]) -> dict[str, Any]:
    kind, _, action = row["name"].partition(".")
    return {**row, "kind": kind, "action": action}


def changes(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /changes``: the events after ``since`` that the caller may see, in commit order,
    with the cursor to ask from next."""
    since, limit = args["since"], args["limit"]
    rows = store.after(conn, since, access.event_filter(caller, store.events), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [_shown(r) for r in rows],
        "cursor": rows[-1]["id"] if rows else max(since, 0),
        "hasMore": more,
    }


def audit_log(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /auditLog``: who changed what and when, newest first (Manage Accounts &
    Permissions)."""
    access.ensure_can_read_audit_log(caller)
    window = {}
    if args.get("dateFrom") is not None:
        window["from_ms"] = _epoch_ms(args["dateFrom"])
    if args.get("dateTo") is not None:
        window["to_ms"] = _epoch_ms(args["dateTo"] + dt.timedelta(days=1))
    rows = store.audit(conn, {**args, **window})
    return {"offset": args["offset"], "limit": args["limit"], "items": [_shown(r) for r in rows]}


def _epoch_ms(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() * 1000)
