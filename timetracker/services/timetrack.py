"""Rules of time-track records.

A write is refused whole, with nothing changed, when:

- the task does not exist (404) or the caller may not change this user's time on it (403);
- the task is not among the user's work assignments (400 ``task_not_assigned``);
- the day is outside the user's employment (400 ``outside_employment``);
- the day is locked for that user (403 ``timetrack_locked``), or in an approved week (403
  ``timetrack_approved``), or the record is billed by an invoice (403 ``timetrack_billed``);
- the result would be negative (400 ``negative_time``, never clamped) or would make the user's
  day exceed 1440 minutes over all tasks (400 ``day_limit_exceeded``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from flask import g, has_app_context
from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.errors import ApiError, access_denied
from timetracker.services import catalogue, crud, events
from timetracker.services.approval import approval_statuses
from timetracker.services.catalogue import ensure_users_exist
from timetracker.services.periods import check_range
from timetracker.services.referenced import catalogue_sources, people_sources
from timetracker.services.timetrack_events import change_event
from timetracker.services.users import users
from timetracker.store import entities
from timetracker.store import time_entries as entries
from timetracker.store import timetrack as store
from timetracker.store.time_zone_groups import TIME_ZONE_GROUPS

MINUTES_PER_DAY = 1440


def resolve_date(conn: Connection, user: RowMapping, text: str) -> dt.date:
    """``YYYY-MM-DD``, or ``today`` in the time zone of the user's time zone group."""
    if text == "today":
        return dt.datetime.now(time_zone_of(conn, user)).date()
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        return _bad_date(text)
    return day


def time_zone_of(conn: Connection, user: RowMapping) -> zoneinfo.ZoneInfo:
    """The time zone of the user's time zone group: where the user's days begin and end.

    Each group is read once per request: an import shapes 100,000 entries of a few groups, and
    a query each was a tenth of its time."""
    zones = g.setdefault("time_zones_of_groups", {}) if has_app_context() else {}
    group_id = user["time_zone_group_id"]
    zone = zones.get(group_id)
    if zone is None:
        group = entities.get_row(conn, TIME_ZONE_GROUPS, group_id)
        zone = zones[group_id] = zoneinfo.ZoneInfo(group["time_zone_id"])
    return zone


def _bad_date(text: str) -> dt.date:
    raise ApiError(
        400,
        "invalid_argument",
        f"'{text}' is not a date from {EARLIEST} to {LATEST}: use YYYY-MM-DD or today",
        fields="date",
    )


def record(entry: RowMapping | None, task_id: int) -> dict[str, Any]:
    """The API's record; a day without time reads as 0 minutes."""
    if entry is None:
        return {"taskId": task_id, "time": 0}
    body = {"taskId": task_id, "time": entry["minutes"]}
    if entry["comment"] is not None:
        body["comment"] = entry["comment"]
    return body


def locate(
    conn: Connection,
    caller: Caller,
    uid: str,
    date_text: str,
    target: crud.Resource,
    object_id,
    reaches=None,
):
    """The user, the day and the task (or leave type: ``target``) of a record path; 404 for
    unknown ones, and for a username out of the caller's reach (``users.resolve``)."""
    user = users.resolve(conn, caller, uid, reaches)
    found = target.find(conn, object_id)
    return user, resolve_date(conn, user, date_text), found


def shifted(current: int, minutes: int | None, delta: int | None, field: str, unit: str) -> int:
    """A record's minutes after a set (``minutes``; None keeps them) or a shift (``delta``):
    never below 0 (400 ``negative_time``, not clamped)."""
    new = current + delta if delta is not None else (current if minutes is None else minutes)
    if new < 0:
        raise ApiError(
            400,
            "negative_time",
            f"The record has {current} {unit}; it cannot go below 0",
            fields=field,
        )
    return new


def read(conn: Connection, caller: Caller, uid: str, date_text: str, task_id: int):
    user, day, task = locate(conn, caller, uid, date_text, catalogue.tasks, task_id)
    if not access.can_read_timetrack(conn, caller, user, task["id"]):
        raise access_denied("You may not see this user's time on this task")
    return record(store.get_entry(conn, user["id"], day, task["id"]), task["id"])


def change(
    conn: Connection,
    caller: Caller,
    uid: str,
    date_text: str,
    task_id: int,
    *,
    minutes: int | None = None,
    delta: int | None = None,
    comment: str | None = None,
    set_comment: bool = False,
) -> dict[str, Any]:
    """Set (``minutes``) or shift (``delta``) a record, and/or its comment."""
    user, day, task = locate(conn, caller, uid, date_text, catalogue.tasks, task_id)
    ensure_may_change(conn, caller, user, task["id"])
    state = open_day(conn, user, day, "time", task["id"])
    entry = state.entry
    if entry is not None and entry["invoice_id"] is not None:
        raise ApiError(
            403,
            "timetrack_billed",
            f"The record is billed by invoice {entry['invoice_id']}: delete the invoice to "
            "change it",
        )
    current = entry["minutes"] if entry else 0
    field = "time" if delta is None else "delta"
    new = shifted(current, minutes, delta, field, "minutes")
    ensure_day_fits(state.total, new - current, field)
    new_comment = comment if set_comment else (entry["comment"] if entry else None)
    if new == 0 and set_comment and comment:
        raise ApiError(
            400, "no_time_tracked", "A comment needs time on the record", fields="comment"
        )
    if new != current:
        put_record_minutes(conn, user["id"], day, task["id"], new)
    store.save_entry(conn, user["id"], day, task["id"], new, new_comment, entry is not None)
    old_comment = entry["comment"] if entry else None
    if (new, new_comment) != (current, old_comment):
        _record_change(conn, caller, user, day, task, (current, old_comment), (new, new_comment))
    return record({"minutes": new, "comment": new_comment} if new else None, task["id"])


# --- records as sums of entries ---------------------------------------------------------------


def put_record_minutes(
    conn: Connection, user_id: int, day: dt.date, task_id: int, minutes: int
) -> None:
    """Make the cell's entries add up to ``minutes`` by changing its untimed entries only.
    Called after the record's own rules passed, before the record is written."""
    cell = entries.cell_entries(conn, user_id, day, task_id)
    timed = [e for e in cell if e["started"] is not None]
    untimed = [e for e in cell if e["started"] is None]
    timed_minutes = sum(e["minutes"] for e in timed)
    if minutes < timed_minutes:
        ids = ", ".join(str(e["id"]) for e in timed)
        raise ApiError(
            409,
            "timed_entries",
            f"The day's timed entries ({ids}) hold {timed_minutes} minutes; the record cannot "
            f"go below them: change or delete those entries",
            fields="time",
        )
    wanted = minutes - timed_minutes
    have = sum(e["minutes"] for e in untimed)
    if wanted > have:
        if untimed:
            first = untimed[0]
            entries.update_entry(conn, first["id"], {"minutes": first["minutes"] + wanted - have})
        else:
            entries.insert_entry(
                conn, {"user_id": user_id, "date": day, "task_id": task_id, "minutes": wanted}
            )
        return
    excess, emptied = have - wanted, []
    for entry in reversed(untimed):
        if excess == 0:
            break
        taken = min(entry["minutes"], excess)
        excess -= taken
        if taken == entry["minutes"]:
            emptied.append(entry["id"])
        else:
            entries.update_entry(conn, entry["id"], {"minutes": entry["minutes"] - taken})
    entries.delete_entries(conn, emptied)


def add_imported(conn: Connection, new: list[dict], changed: list[dict]) -> None:
    """What an import adds to each record becomes an untimed entry of its own: ``new``
    records (columns) and ``changed`` ones (``key_*``, ``old_minutes``, ``new_minutes``)."""
    added = [r for r in new if r["minutes"] > 0]
    added += [
        {"user_id": r["key_user_id"], "date": r["key_date"], "task_id": r["key_task_id"]}
        | {"minutes": r["new_minutes"] - r["old_minutes"]}
        for r in changed
        if r["new_minutes"] > r["old_minutes"]
    ]
    entries.insert_untimed(conn, added)


def _record_change(conn: Connection, caller: Caller, user, day: dt.date, task, old, new) -> None:
    events.record(conn, caller, change_event(user["id"], day, task, old, new))


def ensure_may_change(conn: Connection, caller: Caller, user: RowMapping, task_id: int) -> None:
    """403 unless the caller may change this user's time on the task; 400 when the task is not
    among the user's work assignments."""
    if not access.can_modify_timetrack(conn, caller, user, task_id):
        raise access_denied("You may not change this user's time on this task")
    if not access.is_assigned(conn, user, task_id):
        raise ApiError(
            400,
            "task_not_assigned",
            "The task is not among the user's work assignments",
            fields="taskId",
        )


def set_record(conn: Connection, caller: Caller, uid: str, date_text: str, task_id: int, body):
    """``time`` replaces the minutes (0 deletes the record); ``comment`` replaces the comment."""
    return change(
        conn,
        caller,
        uid,
        date_text,
        task_id,
        minutes=body.get("time"),
        comment=body.get("comment"),
        set_comment="comment" in body,
    )


def shift_record(conn: Connection, caller: Caller, uid: str, date_text: str, task_id: int, delta):
    return change(conn, caller, uid, date_text, task_id, delta=delta)


def open_day(
    conn: Connection, user: RowMapping, day: dt.date, kind: str, object_id: int
) -> store.DayState:
    """Refuse a change to a day outside the user's employment, locked or in an approved week;
    the day's state (its minutes, the entry of ``kind`` and ``object_id``) for the change.

    Takes the user's write lock first, so the checks and the change that follows are atomic
    against concurrent writes to the same user."""
    if (user["hired"] and day < user["hired"]) or (
        user["release_date"] and day > user["release_date"]
    ):
        raise ApiError(
            400,
            "outside_employment",
            "The day is outside the user's employment (hired / release date)",
            fields="date",
        )
    store.hold_user(conn, user["id"])
    state = store.day_state(conn, kind, user["id"], day, object_id)
    if state.locked:
        raise ApiError(403, "timetrack_locked", "The user's time-track for this day is locked")
    if state.approved:
        raise ApiError(
            403,
            "timetrack_approved",
            "The user's week holding this day is approved: revoke the approval to change it",
        )
    return state


def ensure_day_fits(total: int, change: int, field: str) -> None:
    """Refuse a change that would make the user's day (``total`` minutes of work and leave
    together) exceed 1440 minutes."""
    if change > 0 and total + change > MINUTES_PER_DAY:
        raise ApiError(
            400,
            "day_limit_exceeded",
            f"The user has {total} minutes of work and leave on this day; adding {change} "
            f"would exceed the {MINUTES_PER_DAY} a day holds",
            fields=field,
        )


def lock(conn: Connection, caller: Caller, values: dict[str, Any], locked: bool = True):
    """Lock (or unlock) the users' (all users') time-track from ``dateFrom`` to ``dateTo``.
    The answer lists the users named, or without names, every user the caller may see (the
    lock covers everyone all the same)."""
    if not access.can_lock_timetrack(caller):
        raise access_denied("Locking time-track requires Lock Time-Track For Any User")
    check_range(values["dateFrom"], values["dateTo"])
    user_ids = values.get("userIds")
    if user_ids is not None:
        ensure_users_exist(conn, user_ids, "userIds")
    store.hold_users(conn, user_ids)
    store.record_lock(conn, user_ids, values["dateFrom"], values["dateTo"], locked)
    if user_ids is not None:
        return {"userIds": sorted(set(user_ids))}
    return {"userIds": store.all_user_ids(conn, access.user_filter(caller))}


def unlock(conn: Connection, caller: Caller, values: dict[str, Any]):
    return lock(conn, caller, values, locked=False)


# --- GET /timetrack ------------------------------------------------------------------------------


def listing(conn: Connection, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
    """Records grouped per user and day, whole days at a time up to ``stopAfter`` records."""
    date_from, date_to = args["dateFrom"], args.get("dateTo")
    check_range(date_from, date_to)
    rows, response_to, next_date = store.entries_by_day(
        conn, access.timetrack_filter(caller), args, date_from, date_to, args["stopAfter"]
    )

    wanted = set(args.get("includeReferenced") or ())
    days: list[dict[str, Any]] = []
    for row in rows:
        if not days or (days[-1]["userId"], days[-1]["date"]) != (row["user_id"], row["date"]):
            days.append(
                {
                    "userId": row["user_id"],
                    "dayOffset": (row["date"] - date_from).days,
                    "date": row["date"],
                    "records": [],
                }
            )
        record_body = {"taskId": row["task_id"], "time": row["minutes"]}
        if "comments" in wanted and row["comment"] is not None:
            record_body["comment"] = row["comment"]
        if "billingStatus" in wanted:
            record_body["billed"] = row["invoice_id"] is not None
            record_body["invoiceId"] = row["invoice_id"]
        days[-1]["records"].append(record_body)
    if "billingStatus" in wanted and days:
        billable = store.billable_task_ids(conn, {r["task_id"] for r in rows})
        for record_body in (r for d in days for r in d["records"]):
            record_body["billable"] = record_body["taskId"] in billable
    if "lockStatus" in wanted and days:
        locked = store.locked_days(conn, (d["userId"] for d in days), date_from, response_to)
        for day in days:
            day["locked"] = locked(day["userId"], day["date"])
    if "approvalStatus" in wanted and days:
        status = approval_statuses(conn, (d["userId"] for d in days), date_from, response_to)
        for day in days:
            day.update(status(day["userId"], day["date"]))

    body: dict[str, Any] = {"dateFrom": date_from, "dateTo": response_to, "data": days}
    if next_date is not None:
        body["nextDateFrom"] = next_date
    sources = {
        **catalogue_sources(conn, caller, {row["task_id"] for row in rows}),
        **people_sources(conn, caller, {day["userId"] for day in days}),
    }
    body.update(crud.referenced_maps(wanted, sources))
    return body
