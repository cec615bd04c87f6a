"""Importing time-track from CSV (historical data): every line is judged as a change of its
record through the API would be, every problem is reported with its line number, and nothing is
imported unless every line is good.

The template (the header row names the columns; their order is free; ``comment`` may be left
out)::

    username,date,customer,project,task,minutes,comment
    admin,2026-03-02,Acme,Web,Build,90,Code review

A line **adds** its minutes to the user's record on that task and day: to the stored record if
there is one, and to the other lines of the file for the same user, day and task (a file is
read as if each line were ``PATCH /timetrack/{user}/{date}/{task}/time`` with that delta, in
order). A line's comment, when not empty, replaces the record's (the last one in the file wins);
an empty comment keeps it.

A line is refused when the user, the date or the task (by customer, project and task name, case
insensitive) is unknown, ``minutes`` is not a whole number from 1 to 1440, the caller may not
change that user's time on that task, the task is not among the user's work assignments (with
``assign``: and the caller may not assign it), the day is outside the user's employment, locked
or in an approved week, the record is billed, or the user's day would exceed 1440 minutes of
work and leave counting what is stored and every line of the file.

The checks load what they need in a few set queries (users, tasks, assignments, locks, approved
weeks, day totals, the stored records) and the rows are written with ``executemany``: the cost
is Python's per line, never a statement per line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.schemas.common import Name
from timetracker.services import events, timetrack
from timetracker.services.csv_import import collector_paused, decode, read_lines, refuse_lines
from timetracker.services.timetrack import MINUTES_PER_DAY
from timetracker.services.timetrack_events import change_events_encoded
from timetracker.store import entities, kept_totals
from timetracker.store import imports as store
from timetracker.store.approval import APPROVED
from timetracker.store.catalogue import TASKS
from timetracker.store.db import large_cache
from timetracker.store.timetrack import hold_users
from timetracker.store.util import name_key

COLUMNS = ("username", "date", "customer", "project", "task", "minutes", "comment")
REQUIRED = COLUMNS[:-1]
TEMPLATE = ",".join(COLUMNS) + "\nadmin,2026-03-02,Acme,Web,Build,90,Code review\n"
COMMENT_LENGTH = 10_000  # as PATCH /timetrack takes
NAME_KEY_LENGTH = 3 * 255  # the stored keys' column size
MINUTES = {str(m): m for m in range(1, MINUTES_PER_DAY + 1)}

# (user id, day, task id)
Key = tuple[int, dt.date, int]


def _name_key(column: str, text: str) -> tuple[str | None, str | None]:
    """A name cell as the stored names are kept (trimmed as names are, case-folded), or None
    and its problem: a name that cannot be stored is never looked up."""
    key = name_key(text.strip(Name.SPACE))
    if not key:
        return None, f"{column}: missing"
    if "\x00" in key:
        return None, f"{column}: Text must not contain NUL characters"
    if len(key) > NAME_KEY_LENGTH:
        return None, f"{column}: no such name (longer than any)"
    return key, None


class _Cells:
    """One column's cells judged by ``judge`` (text -> (value, problem)), each distinct text
    once: a file of 100,000 lines names a few hundred users, days and tasks."""

    def __init__(self, judge: Callable[[str], tuple[Any, str | None]]):
        self.judge = judge
        self.seen: dict[str, tuple[Any, str | None]] = {}

    def __call__(self, text: str, wrong: list[str]) -> Any:
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = self.judge(text)
        if found[1] is not None:
            wrong.append(found[1])
        return found[0]


def _date(text: str) -> tuple[dt.date | None, str | None]:
    try:
        day = dt.date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        return None, f"date: '{text}' is not a date from {EARLIEST} to {LATEST}"
    return day, None


def _minutes(text: str) -> tuple[int | None, str | None]:
    minutes = MINUTES.get(text.strip())
    if minutes is None:
        return None, f"minutes: not a whole number from 1 to {MINUTES_PER_DAY}"
    return minutes, None


def parse(lines: list[tuple[int, list[str]]], problems: dict[int, list[str]]) -> list[tuple]:
    """The cells of each line checked and converted without the database: (line, the cells,
    the username key, the day, the (customer, project, task) name keys, minutes, comment),
    with None where a cell is wrong and its problem added to ``problems``."""
    username_key = _Cells(lambda text: _name_key("username", text))
    customer_key = _Cells(lambda text: _name_key("customer", text))
    project_key = _Cells(lambda text: _name_key("project", text))
    task_name_key = _Cells(lambda text: _name_key("task", text))
    date, minutes_of = _Cells(_date), _Cells(_minutes)
    parsed = []
    for line, cells in lines:
        username, date_text, customer, project, task, minutes_text, comment = cells
        wrong: list[str] = []
        user_key = username_key(username, wrong)
        day = date(date_text, wrong)
        names = (
            customer_key(customer, wrong),
            project_key(project, wrong),
            task_name_key(task, wrong),
        )
        minutes = minutes_of(minutes_text, wrong)
        if comment:
            comment = comment.strip()
            if len(comment) > COMMENT_LENGTH:
                wrong.append(f"comment: longer than {COMMENT_LENGTH} characters")
            elif "\x00" in comment:
                wrong.append("comment: Text must not contain NUL characters")
        if wrong:
            problems.setdefault(line, []).extend(wrong)
        task_key = names if None not in names else None
        parsed.append((line, cells, user_key, day, task_key, minutes, comment or None))
    return parsed


class _Locks:
    """Whether a user's day is locked, from the lock events overlapping the file: the newest
    event covering the day (the user's own or everyone's) decides."""

    def __init__(self, events):
        self.everyone = [e for e in events if e["user_id"] is None]  # newest first
        self.by_user: dict[int, list] = {}
        for event in events:
            if event["user_id"] is not None:
                self.by_user.setdefault(event["user_id"], []).append(event)
        self.everyones_day: dict[dt.date, Any] = {}

    @staticmethod
    def _newest(events, day: dt.date):
        return next((e for e in events if e["date_from"] <= day <= e["date_to"]), None)

    def __call__(self, user_id: int, day: dt.date) -> bool:
        if day not in self.everyones_day:
            self.everyones_day[day] = self._newest(self.everyone, day)
        newest = self.everyones_day[day]
        own = self.by_user.get(user_id)
        if own:
            mine = self._newest(own, day)
            if mine is not None and (newest is None or mine["id"] > newest["id"]):
                newest = mine
        return newest is not None and bool(newest["locked"])


class Judge:
    """The rules of a change of time-track, for many lines: the caller's rights over each
    user and task, assignments, employment, locks and approved weeks, loaded once."""

    def __init__(
        self,
        conn: Connection,
        caller: Caller,
        assign: bool,
        users: list,
        span: tuple[dt.date, dt.date],
    ):
        self.conn, self.caller, self.assign = conn, caller, assign
        user_ids = [u["id"] for u in users]
        self.assigned = access.assignment_checker(conn, users)
        self.can_modify = access.timetrack_modify_checker(conn, caller)
        self.answers: dict[tuple[int, int], list[str]] = {}
        self.days: dict[tuple[int, dt.date], list[str]] = {}
        self.to_assign: set[tuple[int, int]] = set()
        self.locked = _Locks(store.lock_events_between(conn, user_ids, *span))
        self.approved: set[tuple[int, dt.date]] = set()
        for user_id, start, end in store.approved_weeks(conn, user_ids, *span, APPROVED):
            for offset in range((end - start).days + 1):
                self.approved.add((user_id, start + dt.timedelta(days=offset)))

    def task(self, user, task) -> list[str]:
        """Problems of the caller changing the user's time on the task, answered once per
        user and task; a task the import assigns first goes into ``to_assign``."""
        key = (user["id"], task["id"])
        if key in self.answers:
            return self.answers[key]
        problems = []
        if not self.can_modify(user, task, True):
            problems.append(f"you may not change {user['username']}'s time on this task")
        elif not self.assigned(user, task):
            may_assign = access.can_assign_task_to(self.conn, self.caller, user["id"], task)
            if self.assign and may_assign:
                self.to_assign.add(key)
            else:
                hint = (
                    ", and you may not assign it"
                    if self.assign
                    else " (the import's assign option assigns it)"
                    if may_assign
                    else ""
                )
                problems.append(f"task: not among {user['username']}'s work assignments{hint}")
        self.answers[key] = problems
        return problems

    def day(self, user, day: dt.date) -> list[str]:
        """Problems of changing the user's time on that day, answered once per user and day."""
        key = (user["id"], day)
        answer = self.days.get(key)
        if answer is None:
            answer = self.days[key] = self._day(user, day)
        return answer

    def _day(self, user, day: dt.date) -> list[str]:
        if (user["hired"] and day < user["hired"]) or (
            user["release_date"] and day > user["release_date"]
        ):
            return ["date: outside the user's employment (hired / release date)"]
        if self.locked(user["id"], day):
            return ["date: the user's time-track for this day is locked"]
        if (user["id"], day) in self.approved:
            return ["date: the user's week holding this day is approved (revoke it first)"]
        return []


class Plan:
    """What a checked file writes, or its problems by line."""

    def __init__(self, problems: dict[int, list[str]]):
        self.problems = problems
        self.new: list[dict[str, Any]] = []
        self.changed: list[dict[str, Any]] = []
        self.assignments: set[tuple[int, int]] = set()


def check(
    conn: Connection, caller: Caller, parsed: list, problems: dict[int, list[str]], assign: bool
) -> Plan:
    """Judge every parsed line against the database. On a write connection the users' time is
    held first (PostgreSQL), so nothing changes between the checks and the writes."""
    plan = Plan(problems)
    users = store.users_by_username_key(conn, {p[2] for p in parsed if p[2]})
    tasks = store.tasks_by_name_keys(conn, {p[4][2] for p in parsed if p[4]})
    if conn.get_execution_options().get("write"):
        held = sorted(u["id"] for u in users.values())
        for start in range(0, len(held), store.CHUNK):  # in id order, within bound parameters
            hold_users(conn, held[start : start + store.CHUNK])
    days = [p[3] for p in parsed if p[3] is not None]
    span = (min(days), max(days)) if days else (EARLIEST, EARLIEST)
    judge = Judge(conn, caller, assign, list(users.values()), span)
    user_ids = [u["id"] for u in users.values()]
    stored = store.entries(conn, user_ids, [t["id"] for t in tasks.values()], *span)

    records: dict[Key, list] = {}  # key -> [minutes of the file, its last comment]
    day_lines: dict[tuple[int, dt.date], list[tuple[int, int]]] = {}
    for line, cells, user_key, day, task_key, minutes, comment in parsed:
        wrong = []
        user = users.get(user_key) if user_key else None
        if user_key and user is None:
            wrong.append(f"username: no user '{cells[0].strip()}'")
        task = tasks.get(task_key) if task_key else None
        if task_key and task is None:
            customer, project, name = (c.strip() for c in cells[2:5])
            wrong.append(f"task: no task '{name}' in project '{project}' of customer '{customer}'")
        if user is not None and task is not None:
            wrong += judge.task(user, task)
        if user is not None and day is not None:
            wrong += judge.day(user, day)
            if minutes is not None:
                day_lines.setdefault((user["id"], day), []).append((line, minutes))
            if task is not None:
                key = (user["id"], day, task["id"])
                entry = stored.get(key)
                if entry is not None and entry["invoice_id"] is not None:
                    wrong.append(
                        f"the record is billed by invoice {entry['invoice_id']} (delete the "
                        "invoice to change it)"
                    )
                record = records.setdefault(key, [0, None])
                record[0] += minutes or 0
                record[1] = comment or record[1]
        if wrong:
            problems.setdefault(line, []).extend(wrong)
    _check_day_limits(plan, store.day_totals(conn, user_ids, *span), day_lines)
    plan.assignments = judge.to_assign
    for (user_id, day, task_id), (minutes, comment) in records.items():
        entry = stored.get((user_id, day, task_id))
        if entry is None:
            plan.new.append(
                {"user_id": user_id, "date": day, "task_id": task_id, "minutes": minutes}
                | {"comment": comment, "invoice_id": None}
            )
        else:
            plan.changed.append(
                {"key_user_id": user_id, "key_date": day, "key_task_id": task_id}
                | {"new_minutes": entry["minutes"] + minutes}
                | {"new_comment": comment or entry["comment"]}
                | {"old_minutes": entry["minutes"], "old_comment": entry["comment"]}
            )
    return plan


def record_events(conn: Connection, caller: Caller, new: list, changed: list) -> None:
    """A ``timetrack.update`` event per written record (``new`` records' columns, ``changed``
    ones' ``key_*``/``old_*``/``new_*``), as a PATCH writes one."""
    task_ids = {r["task_id"] for r in new} | {r["key_task_id"] for r in changed}
    task_rows = {t["id"]: t for t in entities.rows_by_ids(conn, TASKS, task_ids)}
    written = change_events_encoded(
        [
            (r["user_id"], r["date"], task_rows[r["task_id"]], (0, None),
             (r["minutes"], r["comment"]))
            for r in new
        ] + [
            (r["key_user_id"], r["key_date"], task_rows[r["key_task_id"]],
             (r["old_minutes"], r["old_comment"]), (r["new_minutes"], r["new_comment"]))
            for r in changed
        ]
    )  # fmt: skip
    events.record(conn, caller, *written, encoded=True)


def _check_day_limits(plan: Plan, stored: dict, day_lines: dict) -> None:
    """The 1440 minutes of a day, over what is stored (work and leave) and every line of the
    file: the line that goes beyond is refused, naming the day's earlier lines."""
    for (user_id, day), entries in day_lines.items():
        held = total = stored.get((user_id, day), 0)
        for index, (line, minutes) in enumerate(entries):
            total += minutes
            if total > MINUTES_PER_DAY:
                earlier = [str(n) for n, _ in entries[:index]]
                lines = f"line{'s' if len(earlier) > 1 else ''} {', '.join(earlier)}"
                plan.problems.setdefault(line, []).append(
                    f"minutes: the user's day {day} would hold {total} minutes ({held} stored"
                    + (f", {lines} of this file" if earlier else "")
                    + f"); a day holds {MINUTES_PER_DAY}"
                )
                break


def import_csv(
    connect: Callable[[bool], Connection],
    caller: Caller,
    data: bytes,
    *,
    assign: bool = False,
    max_rows: int = 100_000,
) -> dict[str, int]:
    """Import time-track from CSV: check every line, then write in the same transaction.

    ``connect(write)`` gives the connection. The cells are read and converted before it is
    asked for; a file with bad cells is judged on a read (every problem is still reported) and
    never takes the write lock.
    """
    access.ensure_can_import_timetrack(caller)
    with collector_paused():
        table = read_lines(decode(data), COLUMNS, REQUIRED, max_rows, "records")
        parsed = parse(table.lines, table.problems)
        conn = connect(not table.problems)
        plan = check(conn, caller, parsed, table.problems, assign)
        if plan.problems:
            raise refuse_lines(plan.problems)
        large_cache(conn)
        store.add_task_assignments(conn, plan.assignments)
        written = [(r["user_id"], r["date"]) for r in plan.new]
        written += [(r["key_user_id"], r["key_date"]) for r in plan.changed]
        if written:
            days = [day for _, day in written]
            with kept_totals.bulk(conn, {user for user, _ in written}, min(days), max(days)):
                store.write_day_records(conn, plan.new, plan.changed)
            timetrack.add_imported(conn, plan.new, plan.changed)
        record_events(conn, caller, plan.new, plan.changed)
    return {
        "imported": len(table.lines),
        "recordsCreated": len(plan.new),
        "recordsUpdated": len(plan.changed),
        "tasksAssigned": len(plan.assignments),
    }
