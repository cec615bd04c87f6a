"""Rules of timers.

A user has at most one running timer, on one task. Starting one while another runs stops the
running one first. Stopping adds the elapsed minutes (rounded to the nearest minute, at least 1)
to the user's records through exactly the rules of a delta (``services.timetrack.change``:
permissions, work assignments, employment, locks, approvals, billed records, 1440 minutes a
day), split at midnight in the time zone of the user's time zone group. A stop those rules
refuse changes nothing: the timer keeps running and the answer says why.

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
from timetracker.services.users import users
from timetracker.store import timers as store
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


def present(timer: Mapping[str, Any], now: int) -> dict[str, Any]:
    return {
        "userId": timer["user_id"],
        "taskId": timer["task_id"],
        "comment": timer["comment"],
        "started": timer["started"],
        "elapsedMinutes": max(0, (now - timer["started"]) // MS_PER_MINUTE),
    }


def _ensure_may_change(conn: Connection, caller: Caller, user: RowMapping, task_id: int) -> None:
    if not access.can_modify_timetrack(conn, caller, user, task_id):
        raise access_denied("You may not change this user's time on this task")


def _add_elapsed(conn: Connection, caller: Caller, user: RowMapping, timer) -> list[dict]:
    """Add the timer's minutes to the user's records; refused whole by the rules of a delta."""
    uid, task_id = str(user["id"]), timer["task_id"]
    records = []
    for day, minutes in split_at_midnight(
        timer["started"], now_ms(), timetrack.time_zone_of(conn, user)
    ):
        comment = {}
        if timer["comment"]:
            existing = timetrack.read(conn, caller, uid, day.isoformat(), task_id).get("comment")
            text = f"{existing}\n{timer['comment']}" if existing else timer["comment"]
            comment = {"comment": text, "set_comment": True}
        try:
            record = timetrack.change(
                conn, caller, uid, day.isoformat(), task_id, delta=minutes, **comment
            )
        except ApiError as refused:
            raise ApiError(
                refused.status,
                refused.key,
                f"The timer keeps running: {refused.message}",
                fields=refused.fields,
                headers=refused.headers,
            ) from refused
        records.append({"date": day, **record, "added": minutes})
    store.discard(conn, user["id"])
    return records


def start(conn: Connection, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
    """Start a timer for the caller (or a team member); a running one is stopped first."""
    user = users.resolve(conn, caller, body.get("userId", caller.id))
    task = catalogue.tasks.find(conn, body["taskId"])
    timetrack.ensure_may_change(conn, caller, user, task["id"])
    hold_user(conn, user["id"])
    running = store.running(conn, user["id"])
    if running is not None:
        _ensure_may_change(conn, caller, user, running["task_id"])
        _add_elapsed(conn, caller, user, running)
    started = now_ms()
    store.start(conn, user["id"], task["id"], body.get("comment"), started, caller.id)
    shown = present(store.running(conn, user["id"]), started)
    _record(conn, caller, "timer.start", user, task, shown)
    return shown


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
    """Stop a user's timer: its minutes go to the records of the days it ran."""
    user, timer = _running_of(conn, caller, uid)
    records = _add_elapsed(conn, caller, user, timer)
    answer = {
        "userId": user["id"],
        "taskId": timer["task_id"],
        "started": timer["started"],
        "minutes": sum(r["added"] for r in records),
        "records": records,
    }
    data = {**answer, "records": [{**r, "date": r["date"].isoformat()} for r in records]}
    _record(conn, caller, "timer.stop", user, catalogue.tasks.find(conn, timer["task_id"]), data)
    return answer


def discard(conn: Connection, caller: Caller, uid) -> None:
    """Throw a user's running timer away, adding no time."""
    user, timer = _running_of(conn, caller, uid)
    store.discard(conn, user["id"])
    task = catalogue.tasks.find(conn, timer["task_id"])
    _record(conn, caller, "timer.stop", user, task, {**present(timer, now_ms()), "discarded": True})


def listing(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """The running timers whose time the caller may read."""
    now = now_ms()
    rows = store.visible_timers(conn, access.timetrack_filter(caller), args.get("user_ids"))
    return {"items": [present(r, now) for r in rows]}
