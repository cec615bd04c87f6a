"""Many time entries at once (``POST /timeEntries`` with an array): all or nothing, each judged
by the rules of one, written in a constant number of statements."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from timetracker.access import Caller
from timetracker.errors import ApiError
from timetracker.schemas.base import Rows
from timetracker.schemas.time_entries import instant_text
from timetracker.services import events, timetrack, timetrack_import
from timetracker.services.csv_import import refuse_lines
from timetracker.services.time_entries import (
    ACTIONS,
    LIST_ATTRIBUTES,
    MINUTES_PER_DAY,
    overlaps,
    shape,
    time_entries,
)
from timetracker.store import entities, imports, kept_totals
from timetracker.store import tags as tag_store
from timetracker.store import time_entries as store
from timetracker.store import timetrack as records
from timetracker.store.catalogue import TASKS
from timetracker.store.users import USERS
from timetracker.store.util import now_ms

MAX_BULK = 1000


def create_many(
    conn: Connection,
    caller: Caller,
    items: list[Mapping[str, Any]],
    lines: list[int] | None = None,
    line_problems: dict[int, list[str]] | None = None,
) -> list:
    """Create up to 1000 entries, all or nothing: each judged by the rules of one (its shape,
    the caller's rights over its user and task, assignments, employment, locks, approved weeks,
    billed records, and the 1440 minutes of each day over what is stored and every item before
    it). A refusal names every refused item by its index (or, for an import, by its line in
    ``lines``: 400 ``invalid_csv``, with the file's other ``line_problems``); otherwise the
    entries and their day records are written in a constant number of statements."""
    problems: dict[int, list[str]] = {}
    user_ids = {item.get("user_id", caller.id) for item in items}
    records.hold_users(conn, sorted(user_ids))
    people = {u["id"]: u for u in entities.rows_by_ids(conn, USERS, user_ids)}
    tasks = {t["id"]: t for t in entities.rows_by_ids(conn, TASKS, {i["task_id"] for i in items})}
    known_tags = tag_store.existing_ids(conn, {t for i in items for t in i.get("tag_ids") or ()})
    zones = {u["id"]: timetrack.time_zone_of(conn, u) for u in people.values()}
    shaped: list[tuple[int, Mapping, Mapping, dict]] = []
    for index, item in enumerate(items):
        unknown = sorted(set(item.get("tag_ids") or ()) - known_tags)
        if unknown:
            problems.setdefault(index, []).append(
                f"tagIds: {', '.join(map(str, unknown))} do not exist"
            )
        user, task = people.get(item.get("user_id", caller.id)), tasks.get(item["task_id"])
        if user is None:
            problems.setdefault(index, []).append(f"userId: no user {item.get('user_id')}")
        if task is None:
            problems.setdefault(index, []).append(f"taskId: no task {item['task_id']}")
        if user is None or task is None:
            continue
        try:
            shaped.append((index, user, task, shape(conn, user, item, None, zones[user["id"]])))
        except ApiError as refused:
            problems.setdefault(index, []).append(f"{refused.fields}: {refused.message}")
    if shaped:
        days = [values["date"] for _, _, _, values in shaped]
        span = (min(days), max(days))
        judged = list({u["id"]: u for _, u, _, _ in shaped}.values())
        judge = timetrack_import.Judge(conn, caller, False, judged, span)
        user_ids = sorted({u["id"] for _, u, _, _ in shaped})
        stored = imports.entries(conn, user_ids, sorted({t["id"] for _, _, t, _ in shaped}), *span)
        totals_of_days = imports.day_totals(conn, user_ids, *span)
        for index, user, task, values in shaped:
            wrong = judge.task(user, task) + judge.day(user, values["date"])
            record = stored.get((user["id"], values["date"], task["id"]))
            if record is not None and record["invoice_id"] is not None:
                wrong.append(f"the day's record is billed by invoice {record['invoice_id']}")
            key = (user["id"], values["date"])
            total = totals_of_days.get(key, 0) + values["minutes"]
            if not wrong and total > MINUTES_PER_DAY:
                wrong.append(
                    f"minutes: the user's day {values['date']} would hold {total} minutes; a "
                    f"day holds {MINUTES_PER_DAY}"
                )
            if wrong:
                problems.setdefault(index, []).extend(wrong)
            else:
                totals_of_days[key] = total
    timed = [
        (-1 - index, user["id"], values["started"], values["ended"])
        for index, user, _, values in shaped
        if values["started"] is not None and index not in problems
    ]
    for key, in_the_way in overlaps(conn, timed).items():
        named = ", ".join(f"item {-1 - k}" if k < 0 else str(k) for k in sorted(in_the_way))
        problems.setdefault(-1 - key, []).append(
            f"start: runs at the same time as {named} (overlapping entries are refused)"
        )
    if lines is not None:
        by_line = {line: list(wrong) for line, wrong in (line_problems or {}).items()}
        for index, wrong in problems.items():
            by_line.setdefault(lines[index], []).extend(wrong)
        if by_line:
            raise refuse_lines(by_line)
    if problems:
        listed = [f"Item {i}: " + "; ".join(problems[i]) for i in sorted(problems)]
        raise ApiError(
            400,
            "invalid_entries",
            f"Nothing was created; fix these {len(listed)} item(s): "
            + " | ".join(listed[:20])
            + (f" | ... and {len(listed) - 20} more" if len(listed) > 20 else ""),
            fields=", ".join(str(i) for i in sorted(problems)),
        )
    return _write_many(conn, caller, shaped, items, stored)


def _write_many(conn: Connection, caller: Caller, shaped: list, items: list, stored) -> Rows:
    """Write judged entries (``shaped``: index, user, task, day/start/end/minutes) and the day
    records they add to; the entries as the API shows them, in the order given."""
    rows = [
        {
            "user_id": user["id"],
            "task_id": task["id"],
            **values,
            "description": items[index].get("description"),
            "billable": items[index].get("billable"),
        }
        for index, user, task, values in shaped
    ]
    added: dict[tuple, int] = {}
    for row in rows:
        key = (row["user_id"], row["date"], row["task_id"])
        added[key] = added.get(key, 0) + row["minutes"]
    new, changed = [], []
    for (user_id, day, task_id), minutes in added.items():
        record = stored.get((user_id, day, task_id))
        if record is None:
            if minutes:
                new.append(
                    {"user_id": user_id, "date": day, "task_id": task_id, "minutes": minutes}
                    | {"comment": None, "invoice_id": None}
                )
        elif minutes:
            changed.append(
                {"key_user_id": user_id, "key_date": day, "key_task_id": task_id}
                | {"new_minutes": record["minutes"] + minutes, "new_comment": record["comment"]}
                | {"old_minutes": record["minutes"], "old_comment": record["comment"]}
            )
    days = [row["date"] for row in rows]
    now = now_ms()
    with kept_totals.bulk(conn, {row["user_id"] for row in rows}, min(days), max(days)):
        ids = store.insert_many(conn, rows, now)
        tag_store.add_to_entries(
            conn,
            (
                (entry_id, tag_id)
                for entry_id, (index, *_) in zip(ids, shaped, strict=True)
                for tag_id in items[index].get("tag_ids") or ()
            ),
        )
        imports.write_day_records(conn, new, changed)
    timetrack_import.record_events(conn, caller, new, changed)
    shown = _as_written(conn, caller, shaped, items, rows, ids, now)
    tasks = {task["id"]: task for _, _, task, _ in shaped}
    events.record(conn, caller, *_create_events(shown.tuples, tasks), encoded=True)
    return shown


_json = json.JSONEncoder(separators=(",", ":")).encode
_TRUE_FALSE = {True: "true", False: "false"}


def _instant_json(ms: int | None) -> str:
    """``schemas.time_entries.instant_text`` of ``ms`` as a JSON string (or null)."""
    return "null" if ms is None else f'"{instant_text(ms)}"'


def _create_events(shown: list[tuple], tasks: Mapping[int, Mapping]) -> list[dict[str, Any]]:
    """The ``timeEntry.create`` event of each new entry (``shown``: rows of ``LIST_ATTRIBUTES``),
    its ``data`` the JSON text of ``events.representation("timeEntry", row)`` (the fields of
    ``TimeEntrySchema`` in its order, ``allowedActions`` left out) for
    ``events.record(..., encoded=True)``: joined from each value's text rather than dumped and
    encoded key by key, which cost an import of 100,000 entries seconds."""
    made = []
    for (
        entry_id, user_id, task_id, day, started, ended, minutes, running, description,
        billable, invoice_id, created, modified, deleted, tag_ids, _,
    ) in shown:  # fmt: skip
        task = tasks[task_id]
        data = (
            f'{{"id":{entry_id},"userId":{user_id},"taskId":{task_id},'
            f'"date":"{day.isoformat()}","start":{_instant_json(started)},'
            f'"end":{_instant_json(ended)},"minutes":{minutes},'
            f'"running":{_TRUE_FALSE[running]},'
            f'"description":{"null" if description is None else _json(description)},'
            f'"billable":{_TRUE_FALSE[billable]},'
            f'"invoiceId":{"null" if invoice_id is None else invoice_id},'
            f'"tagIds":[{",".join(map(str, tag_ids))}],"created":{created},'
            f'"modified":{modified},"deleted":{_TRUE_FALSE[deleted]}}}'
        )
        made.append(
            {
                "name": "timeEntry.create",
                "object_id": str(entry_id),
                "data": data,
                "changes": None,
                "user_id": user_id,
                "task_id": task_id,
                "project_id": task["project_id"],
                "customer_id": task["customer_id"],
            }
        )
    return made


def _as_written(conn, caller, shaped, items, rows, ids, now) -> Rows:
    """The new entries as the list shows them (``TimeEntries.list``'s attributes), from what
    was written rather than read back: the stored columns, ``created`` and ``modified`` both
    ``now``, the billable flag the task's type of work gives an entry without its own, the
    tags as their set, and what the caller may do with each."""
    billable_of = store.billable_of_tasks(conn, {row["task_id"] for row in rows})
    may = time_entries.modifiable(conn, caller, ids)
    shown = []
    for entry_id, (index, *_), row in zip(ids, shaped, rows, strict=True):
        billable = row["billable"]
        running = row["started"] is not None and row["ended"] is None
        shown.append(
            (
                entry_id,
                row["user_id"],
                row["task_id"],
                row["date"],
                row["started"],
                row["ended"],
                row["minutes"],
                running,
                row["description"],
                bool(billable_of[row["task_id"]] if billable is None else billable),
                None,  # invoice_id
                now,
                now,
                False,  # is_deleted
                sorted(set(items[index].get("tag_ids") or ())),
                ACTIONS[entry_id in may],
            )
        )
    return Rows(LIST_ATTRIBUTES, shown)
