"""Rules of time entries, and how day records follow them.

An entry counts ``minutes`` of one user on one task on one day: untimed, or with a start and an
end (its minutes are then the difference rounded half up to the minute, and its day the local
day of the start in the user's time zone group). A day record (actiTIME's ``/timetrack`` cell
of a user, day and task) is the sum of the cell's live, stopped entries, written in the same
transaction as every change of an entry.

An entry change is judged as the change of the day records it touches (the old cell and the
new): who may change that user's time on that task, work assignments, employment dates,
locks, approved weeks, billed records and the 1440 minutes of a day, exactly as a record write
is; a change whose old or new day is refused is refused whole. A billed entry takes no change.

A write to the record itself (a new total, a delta, a timer's minutes, an import) acts on the
cell's *untimed* entries, those without a start: growth goes to the oldest of them (one is made
when there is none), a decrease takes from the newest first and deletes what it empties. Timed
entries are never changed by a record write: a total below their sum is refused (409
``timed_entries``, naming them) with nothing changed.

The module is too long for the 400-line rule on purpose: an entry's rules, how its list shows
it and the day records it keeps are one set of rules, read together.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.errors import ApiError, not_found
from timetracker.schemas.base import Rows
from timetracker.schemas.time_entries import instants_as_text
from timetracker.services import catalogue, crud, events, timetrack
from timetracker.services.entry_settings import entry_settings
from timetracker.services.tags import tags
from timetracker.services.timetrack_events import change_event
from timetracker.services.users import users
from timetracker.store import tags as tag_store
from timetracker.store import time_entries as store
from timetracker.store import timetrack as records
from timetracker.store.permission_sql import on_records
from timetracker.store.schema import time_entries as te

MS_PER_MINUTE = 60_000
MINUTES_PER_DAY = 1440


# --- the entries' own API ------------------------------------------------------------------------


def _bad(key: str, message: str, field: str) -> ApiError:
    return ApiError(400, key, message, fields=field)


def rounded_minutes(started: int, ended: int) -> int:
    """Whole minutes from start to end, half a minute and more counting as one."""
    return (ended - started + MS_PER_MINUTE // 2) // MS_PER_MINUTE


def shape(
    conn: Connection,
    user: RowMapping,
    given: Mapping[str, Any],
    old: Mapping[str, Any] | None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> dict[str, Any]:
    """The day, start, end and minutes of an entry after a create (``old`` None) or a change,
    from what the body gives and what the entry had. ``zone``: the user's time zone, when the
    caller has it (many entries of one user); else it is read.

    With a start: an end given wins; else minutes given set the end; else a moved entry keeps
    its length. Without a start: minutes (given or kept) and a day (given or kept)."""
    started = given["started"] if "started" in given else (old["started"] if old else None)
    if started is None:
        if given.get("ended") is not None:
            raise _bad("incomplete_entry", "An end needs a start", "end")
        minutes = given.get("minutes", old["minutes"] if old else None)
        if minutes is None or minutes < 1:
            raise _bad(
                "incomplete_entry",
                "An entry without a start needs minutes (1 to 1440)",
                "minutes",
            )
        day = given.get("date", old["date"] if old else None)
        if day is None:
            raise _bad("incomplete_entry", "An entry without a start needs a date", "date")
        return {"date": day, "started": None, "ended": None, "minutes": minutes}

    if given.get("ended") is not None:
        ended = given["ended"]
    elif given.get("minutes") is not None:
        ended = started + given["minutes"] * MS_PER_MINUTE
    elif "ended" not in given and old is not None and old["started"] is not None:
        ended = started + ((old["ended"] or old["started"]) - old["started"])
    elif "ended" not in given and old is not None:
        ended = started + old["minutes"] * MS_PER_MINUTE
    else:
        raise _bad(
            "incomplete_entry",
            "An entry with a start needs an end or minutes (a running entry is started with "
            "POST /timeEntries/start)",
            "end",
        )
    if ended < started:
        raise _bad("invalid_date_range", "The end is before the start", "end")
    minutes = rounded_minutes(started, ended)
    given_both = given.get("minutes") is not None and given.get("ended") is not None
    if given_both and given["minutes"] != minutes:
        raise _bad(
            "minutes_mismatch",
            f"From start to end is {minutes} minutes, not {given['minutes']}",
            "minutes",
        )
    if minutes > MINUTES_PER_DAY:
        raise _bad("entry_too_long", "An entry lasts at most 1440 minutes", "end")
    if zone is None:
        zone = timetrack.time_zone_of(conn, user)
    day = dt.datetime.fromtimestamp(started / 1000, zone).date()
    if given.get("date") is not None and given["date"] != day:
        raise _bad(
            "date_mismatch",
            f"The entry starts on {day} in the user's time zone ({zone.key}), not on "
            f"{given['date']}",
            "date",
        )
    if not EARLIEST <= day <= LATEST:
        raise _bad("date_out_of_range", f"{day} is not a day from {EARLIEST} to {LATEST}", "start")
    return {"date": day, "started": started, "ended": ended, "minutes": minutes}


def counted(entry: Mapping[str, Any]) -> int:
    """What an entry adds to its record: nothing while running or deleted."""
    if entry.get("deleted") is not None:
        return 0
    if entry["started"] is not None and entry["ended"] is None:
        return 0
    return entry["minutes"]


def overlaps(
    conn: Connection, timed: list[tuple[int, int, int, int | None]]
) -> dict[int, list[int]]:
    """When the company refuses overlapping entries: for each of ``timed`` ((key, user id,
    start, end) of entries about to be written, ``key`` an entry id or a negative index), the
    ids (or keys) of the entries in its way, stored or among ``timed`` (half-open intervals:
    one may start when another ends). Empty when overlaps are allowed."""
    if not timed or entry_settings(conn)["allowOverlaps"]:
        return {}
    first = min(t[2] for t in timed)
    last = max((t[3] if t[3] is not None else t[2] + 1) for t in timed)
    stored = store.timed_between(conn, {t[1] for t in timed}, first, last)
    mine = {t[0] for t in timed}
    others = [(e["id"], e["user_id"], e["started"], e["ended"]) for e in stored]
    others = [o for o in others if o[0] not in mine] + timed
    found: dict[int, list[int]] = {}
    for key, user_id, start, end in timed:
        for other, other_user, other_start, other_end in others:
            if other == key or other_user != user_id:
                continue
            runs_until = other_end if other_end is not None else float("inf")
            if other_start < (end if end is not None else float("inf")) and start < runs_until:
                found.setdefault(key, []).append(other)
    return found


def ensure_no_overlap(conn: Connection, entry_id: int | None, user_id: int, new) -> None:
    """409 ``entries_overlap`` naming the user's entries in the way of ``new`` (a timed entry's
    shape), when the company refuses overlaps."""
    if new["started"] is None:
        return
    found = overlaps(conn, [(entry_id or -1, user_id, new["started"], new["ended"])])
    if found:
        ids = ", ".join(str(i) for i in sorted(found[entry_id or -1]))
        raise ApiError(
            409,
            "entries_overlap",
            f"The user's entries {ids} run at the same time, and this company refuses "
            "overlapping entries",
            fields="start",
        )


# The attributes of a listed entry (``TimeEntries.list``): as ``present`` gives them.
LIST_ATTRIBUTES = (*store.LISTED_COLUMNS, "tag_ids", "allowed_actions")
# One object per answer, shared by the rows it holds for: the schema dumps it once per run.
ACTIONS = {free: {"canModify": free, "canDelete": free} for free in (True, False)}


class TimeEntries(crud.Resource):
    kind = "timeEntry"
    label = "Time entry"
    exists_key = "time_entry_exists"
    entity = store.TIME_ENTRIES

    def visible(self, caller: Caller):
        return on_records(access.timetrack_filter(caller), te.c.user_id, te.c.task_id)

    def described_page(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> list:
        """A page of the list with the names around each entry, one query: rows of
        ``store.DESCRIBED_COLUMNS``, read as they come."""
        filters, visible = self.list_filters(caller, args), self.list_condition(caller, args)
        return store.described_page(conn, filters, visible)

    def list_condition(self, caller: Caller, args: Mapping[str, Any]):
        return store.list_condition(args, self.visible(caller))

    def list_filters(self, caller: Caller, args: Mapping[str, Any]) -> Mapping[str, Any]:
        # By date unless sorted; within a day, by start (untimed entries first).
        order = []
        for name, descending in args.get("sort") or [("date", False)]:
            order.append((name, descending))
            if name == "date":
                order.append(("start", descending))
        return {**args, "sort": order}

    def list(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
        """A page as :meth:`present` shows each entry, without a mapping per row: the rows as
        read, handed to the schema (``Rows``), which writes them through its row writer."""
        writing = on_records(access.timetrack_filter(caller, True), te.c.user_id, te.c.task_id)
        rows = store.list_page(
            conn, self.list_filters(caller, args), self.list_condition(caller, args), writing
        )
        carried = tag_store.of_entries(conn, (r[0] for r in rows))
        none: list[int] = []
        shown = [
            (
                *r[:9],
                bool(r[9]),  # billable
                *r[10:14],
                carried.get(r[0], none),
                ACTIONS[bool(r[14]) and r[10] is None and not r[13]],
            )
            for r in rows
        ]
        items = Rows(LIST_ATTRIBUTES, shown)
        sources = {  # as the shared list makes them (none for entries today)
            name: partial(resource.referenced, conn, caller, [item[key] for item in items])
            for name, (resource, key) in self.references().items()
        }
        return crud.list_body(args, items, sources)

    def modifiable(self, conn: Connection, caller: Caller, ids: list[int]) -> set[int]:
        """Which of these entries the caller's time-track rights reach for a change (before
        the entry's own state: billed, deleted)."""
        writing = on_records(access.timetrack_filter(caller, True), te.c.user_id, te.c.task_id)
        return store.modifiable_ids(conn, ids, writing)

    def present(self, conn: Connection, caller: Caller, rows: list) -> list:
        may = self.modifiable(conn, caller, [r["id"] for r in rows])
        carried = tag_store.of_entries(conn, (r["id"] for r in rows))
        shown = []
        for row in rows:
            free = row["id"] in may and row["invoice_id"] is None and not row["is_deleted"]
            shown.append(
                {
                    **row,
                    "billable": bool(row["effective_billable"]),
                    "tag_ids": carried.get(row["id"], []),
                    "allowed_actions": {"canModify": free, "canDelete": free},
                }
            )
        return shown

    def export(self, engine, caller: Caller, args: Mapping[str, Any], columns) -> Iterator[tuple]:
        """The list's rows for CSV and Excel: starts and ends as UTC instants, as the JSON, and
        a last column ``tags`` (when asked for) with the names of the entry's tags, by name,
        joined by ``"; "``."""
        stored = [c for c in columns if c != TAG_NAMES]
        rows = super().export(engine, caller, args, stored)  # the query is made now
        rows = instants_as_text(rows, stored)
        if TAG_NAMES not in columns:
            return rows
        return _with_tag_names(engine, rows, stored.index("id"))

    def count(self, conn: Connection, caller: Caller, args: Mapping[str, Any]) -> int:
        args = {**args, "sort": None}
        return store.count_listed(
            conn, self.list_filters(caller, args), self.list_condition(caller, args)
        )

    # --- writes -------------------------------------------------------------------------------

    def create(self, conn: Connection, caller: Caller, values: Mapping[str, Any]) -> Any:
        user = users.resolve(conn, caller, values.get("user_id", caller.id))
        task = catalogue.tasks.find(conn, values["task_id"])
        timetrack.ensure_may_change(conn, caller, user, task["id"])
        new = shape(conn, user, values, None)
        tag_ids = tags.ensure_exist(conn, values.get("tag_ids") or ())
        records.hold_users(conn, [user["id"]])  # before the overlap check reads the user's time
        ensure_no_overlap(conn, None, user["id"], new)
        change_cells(
            conn, caller, added=[(user, task, {**new, "billable": values.get("billable")})]
        )
        entry_id = store.insert_entry(
            conn,
            {
                "user_id": user["id"],
                "task_id": task["id"],
                **new,
                "description": values.get("description"),
                "billable": values.get("billable"),
            },
        )
        tag_store.set_of_entry(conn, entry_id, tag_ids)
        created = self.one(conn, caller, self.find(conn, entry_id))
        self.record(conn, caller, "create", created)
        return created

    def _writable(
        self, conn: Connection, caller: Caller, entry_id, running_too: bool = False
    ) -> RowMapping:
        row = self.reachable(conn, caller, entry_id)
        if row["is_deleted"]:
            raise not_found(self.label, entry_id)
        if row["invoice_id"] is not None:
            raise ApiError(
                403,
                "timetrack_billed",
                f"The entry is billed by invoice {row['invoice_id']}: delete the invoice to "
                "change it",
            )
        if row["running"] and not running_too:
            raise ApiError(
                409, "entry_running", "The entry is running: stop it first (POST /timeEntries/stop)"
            )
        return row

    def update(self, conn: Connection, caller: Caller, object_id, values: Mapping[str, Any]):
        row = self._writable(conn, caller, object_id)
        old_user = users.find(conn, row["user_id"])
        old_task = catalogue.tasks.find(conn, row["task_id"])
        timetrack.ensure_may_change(conn, caller, old_user, old_task["id"])
        user = users.resolve(conn, caller, values["user_id"]) if "user_id" in values else old_user
        task = catalogue.tasks.find(conn, values["task_id"]) if "task_id" in values else old_task
        if (user["id"], task["id"]) != (old_user["id"], old_task["id"]):
            timetrack.ensure_may_change(conn, caller, user, task["id"])
        new = shape(conn, user, values, row)
        tag_ids = tags.ensure_exist(conn, values["tag_ids"]) if "tag_ids" in values else None
        records.hold_users(conn, [old_user["id"], user["id"]])  # in id order, as change_cells
        ensure_no_overlap(conn, row["id"], user["id"], new)
        billable = values["billable"] if "billable" in values else row["billable"]
        change_cells(
            conn,
            caller,
            [(old_user, old_task, row)],
            [(user, task, {**new, "billable": billable})],
        )
        before = self.one(conn, caller, row)
        columns = {"user_id": user["id"], "task_id": task["id"], **new}
        for name in ("description", "billable"):
            if name in values:
                columns[name] = values[name]
        store.update_entry(conn, row["id"], columns)
        if tag_ids is not None:
            tag_store.set_of_entry(conn, row["id"], tag_ids)
        after = self.one(conn, caller, self.find(conn, row["id"]))
        self.record(conn, caller, "update", after, before)
        return after

    def delete(self, conn: Connection, caller: Caller, object_id, options) -> None:
        """A running entry is thrown away (it counted nothing); a stopped one leaves its day
        record through the rules of any change."""
        row = self._writable(conn, caller, object_id, running_too=True)
        user = users.find(conn, row["user_id"])
        task = catalogue.tasks.find(conn, row["task_id"])
        timetrack.ensure_may_change(conn, caller, user, task["id"])
        if not row["running"]:
            change_cells(conn, caller, removed=[(user, task, row)])
        shown = self.one(conn, caller, row)
        store.delete_entries(conn, [row["id"]])
        self.record(conn, caller, "delete", shown)


TAG_NAMES = "tags"  # the export's column of tag names
_TAGGED_AT_ONCE = 500


def _with_tag_names(engine, rows: Iterator[tuple], id_at: int) -> Iterator[tuple]:
    """``rows`` with the names of their entry's tags added, read for a few hundred rows at a
    time through a connection of their own (the rows' connection is streaming)."""
    with engine.connect() as conn:
        while chunk := list(itertools.islice(rows, _TAGGED_AT_ONCE)):
            names = tag_store.names_of_entries(conn, (int(row[id_at]) for row in chunk))
            for row in chunk:
                yield (*row, "; ".join(names.get(int(row[id_at]), ())))


def change_cells(
    conn: Connection,
    caller: Caller,
    removed: list[tuple] = (),
    added: list[tuple] = (),
    comment: str | None = None,
) -> dict[tuple, tuple[int, str | None]]:
    """Judge and write the day records an entry change touches: ``removed`` and ``added`` are
    (user, task, entry) of what stops and starts counting. Every touched day is opened
    (employment, locks, approval) even when its minutes stay; nothing is written unless every
    day passes. ``comment`` is added to the comments of the records ``added`` grows (a timer's).
    Answers each touched record's (minutes, comment) after the change, by (user id, day, task
    id)."""
    cells: dict[tuple, list] = {}
    for sides, sign in ((removed, -1), (added, 1)):
        for user, task, entry in sides:
            key = (user["id"], entry["date"], task["id"])
            cell = cells.setdefault(key, [user, task, 0, {True: 0, False: 0}])
            cell[2] += sign * counted(entry)
            if entry.get("billable") is not None:
                cell[3][entry["billable"]] += sign * counted(entry)
    records.hold_users(conn, sorted({key[0] for key in cells}))
    opened = []
    for (_, day, task_id), (user, task, change, marks) in sorted(cells.items()):
        state = timetrack.open_day(conn, user, day, "time", task_id)
        record = state.entry
        touched = change or any(marks.values())  # minutes, or what of them is billable
        if touched and record is not None and record["invoice_id"] is not None:
            raise ApiError(
                403,
                "timetrack_billed",
                f"The day's record is billed by invoice {record['invoice_id']}: delete the "
                "invoice to change it",
            )
        timetrack.ensure_day_fits(state.total, change, "minutes")
        opened.append((user, day, task, record, change))
    after = {}
    for user, day, task, record, change in opened:
        current = record["minutes"] if record is not None else 0
        old_comment = record["comment"] if record is not None else None
        new_comment = old_comment
        if comment and change > 0:
            new_comment = f"{old_comment}\n{comment}" if old_comment else comment
        new = current + change
        if new == 0:
            new_comment = None
        if (new, new_comment) != (current, old_comment):
            records.save_entry(
                conn, user["id"], day, task["id"], new, new_comment, record is not None
            )
            event = change_event(user["id"], day, task, (current, old_comment), (new, new_comment))
            events.record(conn, caller, event)
        after[(user["id"], day, task["id"])] = (new, new_comment)
    return after


time_entries = TimeEntries()
