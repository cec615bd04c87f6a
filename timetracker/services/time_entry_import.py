"""Import time entries from CSV: every line one entry, judged as one created through the API.

Columns (the header names them, in any order): ``username``, ``customer``, ``project``,
``task`` (names, matched case-insensitively), then either ``date`` and ``minutes`` (an untimed
entry) or ``start`` and ``end`` (ISO 8601 with an offset) or ``start`` and ``minutes``; and
optionally ``description``, ``billable`` (true/false, empty: the task's type of work) and
``tags`` (names separated by ``;``, as the entries' export writes them; unknown names are
created as ``POST /tags`` would). The
lines go in as ``POST /timeEntries`` with an array would take them (``services.
time_entries_many``): all or nothing, every problem listed with its line number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.services.csv_import import collector_paused, decode, read_lines, refuse_lines
from timetracker.services.tags import tags
from timetracker.services.time_entries_many import create_many
from timetracker.store import imports as store
from timetracker.store import tags as tag_store
from timetracker.store.schema import NAME_LENGTH
from timetracker.store.util import name_key

COLUMNS = ("username", "customer", "project", "task", "date", "start", "end", "minutes")
COLUMNS += ("description", "billable", "tags")
REQUIRED = ("username", "customer", "project", "task")
TEMPLATE = (
    "username,customer,project,task,date,start,end,minutes,description,billable,tags\n"
    "jsmith,Big Bang Company,Online Store,Checkout redesign,,2026-03-02T09:00:00+01:00,"
    "2026-03-02T10:30:00+01:00,,Design review,,Client call; Design\n"
    "jsmith,Big Bang Company,Online Store,Load testing,2026-03-02,,,45,,false,\n"
)
DESCRIPTION_LENGTH = 10_000
TAG_SEPARATOR = ";"
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _instant(text: str, column: str, wrong: list[str]) -> int | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not EARLIEST.year <= moment.year <= LATEST.year:
        wrong.append(f"{column}: '{text}' is not an ISO 8601 moment with an offset")
        return None
    return int(moment.timestamp() * 1000)


def parse_line(cells: list[str], wrong: list[str]) -> dict[str, Any]:
    """One line's entry, without the database (names as keys); problems go into ``wrong``."""
    cells = [(cell or "").strip() for cell in cells]
    stored = [(name, cell) for name, cell in zip(COLUMNS, cells, strict=True) if "\x00" in cell]
    if stored:  # no database stores it, nor could a name hold it
        wrong.extend(f"{name}: Text must not contain NUL characters" for name, _ in stored)
        return {}
    username, customer, project, task, date, start, end, minutes, description, billable, tags = (
        cells
    )
    item: dict[str, Any] = {"user_key": name_key(username)}
    item["task_key"] = (name_key(customer), name_key(project), name_key(task))
    if date:
        try:
            item["date"] = dt.date.fromisoformat(date)
        except ValueError:
            wrong.append(f"date: '{date}' is not a date (YYYY-MM-DD)")
        else:
            if not EARLIEST <= item["date"] <= LATEST:
                wrong.append(f"date: {date} is not from {EARLIEST} to {LATEST}")
    for column, text in (("start", start), ("end", end)):
        if text:
            item["started" if column == "start" else "ended"] = _instant(text, column, wrong)
    if minutes:
        if minutes.isdigit() and 0 <= int(minutes) <= 1440:
            item["minutes"] = int(minutes)
        else:
            wrong.append("minutes: not a whole number from 0 to 1440")
    if description:
        if len(description) > DESCRIPTION_LENGTH or "\x00" in description:
            wrong.append(f"description: at most {DESCRIPTION_LENGTH} characters, no NUL")
        item["description"] = description
    if billable:
        if billable.lower() not in BOOLEANS:
            wrong.append("billable: true or false (empty: as the task's type of work)")
        else:
            item["billable"] = BOOLEANS[billable.lower()]
    names = tuple(dict.fromkeys(part.strip() for part in tags.split(TAG_SEPARATOR)))
    if any(len(name) > NAME_LENGTH for name in names):
        wrong.append(f"tags: a name has at most {NAME_LENGTH} characters")
    item["tag_names"] = tuple(name for name in names if name)
    return item


def _name_tags(conn: Connection, caller: Caller, items: list[dict[str, Any]]) -> None:
    """Each item's ``tag_names`` as ``tag_ids``, the tags not known yet created (as
    ``POST /tags`` would)."""
    names = {name_key(n): n for item in items for n in item.get("tag_names", ())}
    if names:
        tags.ids_of_names(conn, caller, list(names.values()))
    known = tag_store.by_name_keys(conn, names) if names else {}
    for item in items:
        wanted = item.pop("tag_names", ())
        if wanted:
            item["tag_ids"] = sorted({known[name_key(n)] for n in wanted})


def import_csv(
    connect: Callable[[bool], Connection], caller: Caller, data: bytes, max_rows: int = 100_000
) -> dict[str, int]:
    """Import time entries from CSV: check every line, then write them in one transaction."""
    access.ensure_can_import_timetrack(caller)
    with collector_paused():
        table = read_lines(decode(data), COLUMNS, REQUIRED, max_rows, "entries")
        problems = table.problems
        parsed = []
        for line, cells in table.lines:
            wrong: list[str] = []
            parsed.append((line, parse_line(cells, wrong)))
            if wrong:
                problems.setdefault(line, []).extend(wrong)
        parsed = [(line, item) for line, item in parsed if line not in problems]
        conn = connect(True)
        users = store.users_by_username_key(conn, {item["user_key"] for _, item in parsed})
        tasks = store.tasks_by_name_keys(conn, {item["task_key"][2] for _, item in parsed})
        items, lines = [], []
        for line, item in parsed:
            user, task = users.get(item.pop("user_key")), tasks.get(item.pop("task_key"))
            if user is None:
                problems.setdefault(line, []).append("username: no such user")
            if task is None:
                problems.setdefault(line, []).append("task: no such task in that project")
            if user is not None and task is not None:
                items.append({**item, "user_id": user["id"], "task_id": task["id"]})
                lines.append(line)
        if not items:
            raise refuse_lines(problems or {1: ["the file holds no entries"]})
        _name_tags(conn, caller, items)
        created = create_many(conn, caller, items, lines, problems)
    return {"imported": len(table.lines), "entriesCreated": len(created)}
