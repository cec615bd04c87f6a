"""Rules of timers: a timer is a running time entry.

A user has at most one running entry (a start and no end; a unique index in the database holds
it), on one task; it counts nothing until it stops. Starting one while another runs stops the
running one first. A stop writes the end: the elapsed time rounded to the nearest minute (at
least 1), split at each midnight in the time zone of the user's time zone group into one entry
per day (the running entry keeps the first day, the others are new timed entries), each
judged and written as any entry change (``services.time_entries.change_cells``: permissions,
work assignments, employment, locks, approvals, billed records, 1440 minutes a day). A stop
those rules refuse changes nothing: the timer keeps running and the answer says why.

``/timers`` answers in its own shape (and adds a timer's comment to the records' comments, as
it always has); ``/timeEntries/start``, ``/stop`` and ``/current`` answer entries.

Who may start, stop or discard a user's timer on a task is who may change that user's time on
it: yourself with Enter Time-Track on your work assignments, your team with Modify & Approve.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError, access_denied, not_found
from timetracker.services import catalogue, events, timetrack
from timetracker.services.time_entries import change_cells, time_entries
from timetracker.services.users import users
from timetracker.store import time_entries as store
from timetracker.store.permission_sql import on_records
from timetracker.store.schema import time_entries as te
from timetracker.store.timetrack import hold_user
from timetracker.store.util import now_ms

MS_PER_MINUTE = 60_000


def split_at_midnight(
    started: int, stopped: int, zone: zoneinfo.ZoneInfo
) -> list[tuple[dt.date, int]]:
    """The minutes of a timer per local day: the elapsed time rounded to the nearest minute
    (at least 1), shared out at each local midnight so that the parts add up to it."""
    # Half a minute and more counts as a minute (not Python's round-half-to-even).
    total = max(1, (stopped - started + MS_PER_MINUTE // 2) // MS_PER_MINUTE)
    # Positions in time are epoch seconds: two local times of one zone subtract as wall-clock
    # times in Python, wrong across a change of daylight saving time.
    stopped = max(stopped, started)
    elapsed = (stopped - started) / 1000
    parts, day, done = [], dt.datetime.fromtimestamp(started / 1000, zone).date(), 0
    while True:
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).timestamp()
        if midnight >= stopped / 1000 or elapsed <= 0:
            parts.append((day, total - done))
            break
        upto = round((midnight - started / 1000) / elapsed * total)
        parts.append((day, upto - done))
        done, day = upto, day + dt.timedelta(days=1)
    return [(d, m) for d, m in parts if m > 0]


def day_parts(started: int, stopped: int, zone: zoneinfo.ZoneInfo) -> list[dict[str, Any]]:
    """The entries a stop makes: per local day the timer ran, its date, start, end (epoch ms)
    and minutes (:func:`split_at_midnight`'s)."""
    parts = []
    for day, minutes in split_at_midnight(started, stopped, zone):
        begin = int(dt.datetime.combine(day, dt.time(), zone).timestamp() * 1000)
        after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
        end = int(after.timestamp() * 1000)
        parts.append(
            {
                "date": day,
                "started": max(started, begin),
                "ended": max(min(stopped, end), max(started, begin)),
                "minutes": minutes,
            }
        )
    return parts


def present(timer: Mapping[str, Any], now: int) -> dict[str, Any]:
    """A running entry as ``/timers`` shows it."""
    return {
        "userId": timer["user_id"],
        "taskId": timer["task_id"],
        "comment": timer["description"],
        "started": timer["started"],
        "elapsedMinutes": max(0, (now - timer["started"]) // MS_PER_MINUTE),
    }


def _ensure_may_change(conn: Connection, caller: Caller, user: RowMapping, task_id: int) -> None:
    if not access.can_modify_timetrack(conn, caller, user, task_id):
        raise access_denied("You may not change this user's time on this task")


def _stop(
    conn: Connection, caller: Caller, user: RowMapping, timer, add_comment: bool
) -> tuple[list[int], list[dict]]:
    """End the running entry now, one entry per local day, through the rules of any entry
    change; the ids of the entries and each record's part. Refused whole by those rules."""
    task = catalogue.tasks.find(conn, timer["task_id"])
    parts = day_parts(timer["started"], now_ms(), timetrack.time_zone_of(conn, user))
    try:
        after = change_cells(
            conn,
            caller,
            added=[(user, task, {**part, "billable": timer["billable"]}) for part in parts],
            comment=timer["description"] if add_comment else None,
        )
    except ApiError as refused:
        raise ApiError(
            refused.status,
            refused.key,
            f"The timer keeps running: {refused.message}",
            fields=refused.fields,
            headers=refused.headers,
        ) from refused
    first, *rest = parts
    store.update_entry(conn, timer["id"], first)
    ids = [timer["id"]]
    for part in rest:
        ids.append(
            store.insert_entry(
                conn,
                {
                    "user_id": user["id"],
                    "task_id": task["id"],
                    **part,
                    "description": timer["description"],
                    "billable": timer["billable"],
                },
            )
        )
    records = []
    for part in parts:
        minutes, comment = after[(user["id"], part["date"], task["id"])]
        record = {"date": part["date"], "taskId": task["id"], "time": minutes}
        if comment is not None:
            record["comment"] = comment
        records.append({**record, "added": part["minutes"]})
    answer = {
        "userId": user["id"],
        "taskId": task["id"],
        "started": timer["started"],
        "minutes": sum(r["added"] for r in records),
        "records": records,
    }
    data = {**answer, "records": [{**r, "date": r["date"].isoformat()} for r in records]}
    _record(conn, caller, "timer.stop", user, task, data)
    return ids, records


def _start(
    conn: Connection, caller: Caller, body: Mapping[str, Any], add_comment: bool
) -> tuple[RowMapping, int]:
    """Start a timer for the caller (or a team member; ``body``: ``userId``, ``taskId``,
    ``description``, ``billable``), stopping a running one first: the user, and the new
    running entry's id."""
    user = users.resolve(conn, caller, body.get("userId", caller.id))
    task = catalogue.tasks.find(conn, body["taskId"])
    timetrack.ensure_may_change(conn, caller, user, task["id"])
    hold_user(conn, user["id"])
    running = store.running(conn, user["id"])
    if running is not None:
        _ensure_may_change(conn, caller, user, running["task_id"])
        _stop(conn, caller, user, running, add_comment)
    started = now_ms()
    day = dt.datetime.fromtimestamp(started / 1000, timetrack.time_zone_of(conn, user)).date()
    entry_id = store.insert_entry(
        conn,
        {
            "user_id": user["id"],
            "task_id": task["id"],
            "date": day,
            "started": started,
            "minutes": 0,
            "description": body.get("description"),
            "billable": body.get("billable"),
        },
    )
    shown = present(store.running(conn, user["id"]), started)
    _record(conn, caller, "timer.start", user, task, shown)
    return user, entry_id


def start(conn: Connection, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /timers`` (its ``comment`` is the entry's description)."""
    values = {**body, "description": body.get("comment")}
    user, _ = _start(conn, caller, values, add_comment=True)
    return present(store.running(conn, user["id"]), now_ms())


def start_entry(conn: Connection, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /timeEntries/start``: the running entry."""
    _, entry_id = _start(conn, caller, body, add_comment=False)
    return time_entries.one(conn, caller, time_entries.find(conn, entry_id))


def _record(conn: Connection, caller: Caller, name: str, user, task, data) -> None:
    event = events.event(
        name,
        user["id"],
        data,
        user_id=user["id"],
        task_id=task["id"],
        project_id=task["project_id"],
        customer_id=task["customer_id"],
    )
    events.record(conn, caller, event)


def _running_of(conn: Connection, caller: Caller, uid) -> tuple[RowMapping, RowMapping]:
    user = users.resolve(conn, caller, uid)
    hold_user(conn, user["id"])
    timer = store.running(conn, user["id"])
    if timer is None or not access.can_read_timetrack(conn, caller, user, timer["task_id"]):
        raise not_found("Running timer of user", uid)
    _ensure_may_change(conn, caller, user, timer["task_id"])
    return user, timer


def stop(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    """``POST /timers/{userId}/stop``: the records the timer's minutes went to."""
    user, timer = _running_of(conn, caller, uid)
    _, records = _stop(conn, caller, user, timer, add_comment=True)
    return {
        "userId": user["id"],
        "taskId": timer["task_id"],
        "started": timer["started"],
        "minutes": sum(r["added"] for r in records),
        "records": records,
    }


def stop_entry(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    """``POST /timeEntries/stop``: the entries the stop made (one per local day)."""
    user, timer = _running_of(conn, caller, uid)
    ids, _ = _stop(conn, caller, user, timer, add_comment=False)
    return {"items": [time_entries.one(conn, caller, time_entries.find(conn, i)) for i in ids]}


def current(conn: Connection, caller: Caller, uid) -> dict[str, Any]:
    """``GET /timeEntries/current``: the user's running entry."""
    user = users.resolve(conn, caller, uid)
    timer = store.running(conn, user["id"])
    if timer is None or not access.can_read_timetrack(conn, caller, user, timer["task_id"]):
        raise not_found("Running entry of user", uid)
    return time_entries.one(conn, caller, timer)


def discard(conn: Connection, caller: Caller, uid) -> None:
    """Throw a user's running timer away, adding no time (the entry is deleted)."""
    user, timer = _running_of(conn, caller, uid)
    store.delete_entries(conn, [timer["id"]])
    task = catalogue.tasks.find(conn, timer["task_id"])
    _record(conn, caller, "timer.stop", user, task, {**present(timer, now_ms()), "discarded": True})


def listing(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """The running timers whose time the caller may read."""
    now = now_ms()
    visible = on_records(access.timetrack_filter(caller), te.c.user_id, te.c.task_id)
    rows = store.visible_running(conn, visible, args.get("user_ids"))
    return {"items": [present(r, now) for r in rows]}
