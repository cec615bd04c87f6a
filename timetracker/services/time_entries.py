"""Rules of time entries, and how day records follow them.

A day record (actiTIME's ``/timetrack`` cell of a user, day and task) is the sum of the cell's
live, stopped entries. A write to the record itself (a new total, a delta, a timer's minutes,
an import) acts on the cell's *untimed* entries, those without a start: growth goes to the
oldest of them (one is made when there is none), a decrease takes from the newest first and
deletes what it empties. Timed entries are never changed by a record write: a total below
their sum is refused (409 ``timed_entries``, naming them) with nothing changed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from timetracker.errors import ApiError
from timetracker.store import time_entries as store


def put_record_minutes(
    conn: Connection, user_id: int, day: dt.date, task_id: int, minutes: int
) -> None:
    """Make the cell's entries add up to ``minutes`` by changing its untimed entries only.
    Called after the record's own rules passed, before the record is written."""
    entries = store.cell_entries(conn, user_id, day, task_id)
    timed = [e for e in entries if e["started"] is not None]
    untimed = [e for e in entries if e["started"] is None]
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
            store.update_entry(conn, first["id"], {"minutes": first["minutes"] + wanted - have})
        else:
            store.insert_entry(
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
            store.update_entry(conn, entry["id"], {"minutes": entry["minutes"] - taken})
    store.delete_entries(conn, emptied)


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
    store.insert_untimed(conn, added)
