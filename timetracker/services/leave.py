"""Rules of leave time: minutes of leave per user, day and leave type.

Leave shares the day with work: both together hold at most 1440 minutes. Locks and approved
weeks refuse leave changes as they refuse time-track changes. An archived leave type takes no
new leave, but what it holds can still be reduced or deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError, access_denied
from timetracker.services import events
from timetracker.services.crud import referenced_maps
from timetracker.services.leave_types import leave_types
from timetracker.services.periods import check_range
from timetracker.services.referenced import named_sources, people_sources
from timetracker.services.timetrack import ensure_day_fits, locate, open_day, shifted
from timetracker.store import leave as store
from timetracker.store import timetrack as timetrack_store


def record(user_id: int, day, leave_type_id: int, minutes: int) -> dict[str, Any]:
    return {"userId": user_id, "date": day, "leaveTypeId": leave_type_id, "leaveTime": minutes}


def _locate(
    conn: Connection, caller: Caller, uid: str, date_text: str, leave_type_id: int, *, writing: bool
):
    def reaches(user) -> bool:
        return access.can_reach_leave(conn, caller, user["id"], writing)

    user, day, leave_type = locate(
        conn, caller, uid, date_text, leave_types, leave_type_id, reaches
    )
    if not reaches(user):
        raise access_denied(f"You may not {'change' if writing else 'see'} this user's leave time")
    return user, day, leave_type


def read(conn: Connection, caller: Caller, uid: str, date_text: str, leave_type_id: int):
    user, day, leave_type = _locate(conn, caller, uid, date_text, leave_type_id, writing=False)
    entry = store.get_entry(conn, user["id"], day, leave_type["id"])
    return record(user["id"], day, leave_type["id"], entry["minutes"] if entry else 0)


def change(
    conn: Connection,
    caller: Caller,
    uid: str,
    date_text: str,
    leave_type_id: int,
    *,
    minutes: int | None = None,
    delta: int | None = None,
) -> dict[str, Any]:
    """Set (``minutes``) or shift (``delta``) a user's leave of one type on one day."""
    user, day, leave_type = _locate(conn, caller, uid, date_text, leave_type_id, writing=True)
    field = "leaveTime" if delta is None else "delta"
    state = open_day(conn, user, day, "leave", leave_type["id"])
    entry = state.entry
    current = entry["minutes"] if entry else 0
    new = shifted(current, minutes, delta, field, "minutes of leave")
    if leave_type["archived"] and new > current:
        raise ApiError(
            400,
            "leave_type_archived",
            "The leave type is archived: it takes no new leave",
            fields="leaveTypeId",
        )
    ensure_day_fits(state.total, new - current, field)
    store.save_entry(conn, user["id"], day, leave_type["id"], new, entry is not None)
    answer = record(user["id"], day, leave_type["id"], new)
    if new != current:
        event = events.event(
            "leaveTime.update",
            f"{user['id']}/{day.isoformat()}/{leave_type['id']}",
            {**answer, "date": day.isoformat()},
            {"leaveTime": [current, new]},
            user_id=user["id"],
        )
        events.record(conn, caller, event)
    return answer


def set_record(conn: Connection, caller: Caller, uid: str, date_text: str, leave_type_id, body):
    """``leaveTime`` replaces the minutes (0 deletes the record)."""
    return change(conn, caller, uid, date_text, leave_type_id, minutes=body["leaveTime"])


def shift_record(conn: Connection, caller: Caller, uid: str, date_text: str, leave_type_id, delta):
    return change(conn, caller, uid, date_text, leave_type_id, delta=delta)


def listing(conn: Connection, caller: Caller, args: dict[str, Any]) -> dict[str, Any]:
    """Leave flat per user, day and leave type, whole days at a time up to ``stopAfter``."""
    date_from, date_to = args["dateFrom"], args.get("dateTo")
    check_range(date_from, date_to)
    rows, covered_to, next_date = store.entries_by_day(
        conn, access.leave_filter(caller), args, date_from, date_to, args["stopAfter"]
    )
    body: dict[str, Any] = {
        "dateFrom": date_from,
        "dateTo": covered_to,
        "data": [
            {
                "userId": row["user_id"],
                "dayOffset": (row["date"] - date_from).days,
                "date": row["date"],
                "leaveTypeId": row["leave_type_id"],
                "leaveTime": row["minutes"],
            }
            for row in rows
        ],
    }
    if next_date is not None:
        body["nextDateFrom"] = next_date
    wanted = set(args.get("includeReferenced") or ())
    if "lockStatus" in wanted and rows:
        locked = timetrack_store.locked_days(
            conn, (r["user_id"] for r in rows), date_from, body["dateTo"]
        )
        for item in body["data"]:
            item["locked"] = locked(item["userId"], item["date"])
    sources = {
        **people_sources(conn, caller, {row["user_id"] for row in rows}),
        **named_sources(conn, caller, {"leaveTypes": {row["leave_type_id"] for row in rows}}),
    }
    body.update(referenced_maps(wanted, sources))
    return body
