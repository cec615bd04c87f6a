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
from timetracker.services.csv_import import decode, read_lines, refuse_lines
from timetracker.services.timetrack import MINUTES_PER_DAY
from timetracker.store import imports as store
from timetracker.store.approval import APPROVED
from timetracker.store.timetrack import hold_users
from timetracker.store.util import name_key

COLUMNS = ("username", "date", "customer", "project", "task", "minutes", "comment")
REQUIRED = COLUMNS[:-1]
TEMPLATE = ",".join(COLUMNS) + "\nadmin,2026-03-02,Acme,Web,Build,90,Code review\n"
COMMENT_LENGTH = 10_000  # as PATCH /timetrack takes
NAME_KEY_LENGTH = 3 * 255  # the stored keys' column size
MINUTES = frozenset(str(m) for m in range(1, MINUTES_PER_DAY + 1))

# (user id, day, task id)
Key = tuple[int, dt.date, int]


def _name(column: str, text: str, wrong: list[str]) -> str | None:
    """A name cell as the stored names are kept (trimmed as names are, case-folded), or None
    with its problem: a name that cannot be stored is never looked up."""
    key = name_key(text.strip(Name.SPACE))
    if not key:
        wrong.append(f"{column}: missing")
    elif "\x00" in key:
        wrong.append(f"{column}: Text must not contain NUL characters")
    elif len(key) > NAME_KEY_LENGTH:
        wrong.append(f"{column}: no such name (longer than any)")
    else:
        return key
    return None


class _Dates:
    """``YYYY-MM-DD`` cells as dates, each distinct text parsed once (a file of 100,000 lines
    names a few hundred days)."""

    def __init__(self):
        self.seen: dict[str, dt.date | None] = {}

    def __call__(self, text: str) -> dt.date | None:
        if text not in self.seen:
            try:
                day = dt.date.fromisoformat(text) if len(text) == 10 else None
            except ValueError:
                day = None
            self.seen[text] = day if day is not None and EARLIEST <= day <= LATEST else None
        return self.seen[text]


def parse(lines: list[tuple[int, list[str]]], problems: dict[int, list[str]]) -> list[tuple]:
    """The cells of each line checked and converted without the database: (line, the names as
    written (username, customer, project, task), the username key, the day, the (customer,
    project, task) name keys, minutes, comment), with None where a cell is wrong and its
    problem added to ``problems``."""
    dates = _Dates()
    parsed = []
    for line, (username, date_text, customer, project, task, minutes_text, comment) in lines:
        wrong: list[str] = []
        user_key = _name("username", username, wrong)
        day = dates(date_text.strip())
        if day is None:
            wrong.append(f"date: '{date_text}' is not a date from {EARLIEST} to {LATEST}")
        names = (
            _name("customer", customer, wrong),
            _name("project", project, wrong),
            _name("task", task, wrong),
        )
        minutes_text = minutes_text.strip()
        minutes = int(minutes_text) if minutes_text in MINUTES else None
        if minutes is None:
            wrong.append(f"minutes: not a whole number from 1 to {MINUTES_PER_DAY}")
        comment = comment.strip()
        if len(comment) > COMMENT_LENGTH:
            wrong.append(f"comment: longer than {COMMENT_LENGTH} characters")
        elif "\x00" in comment:
            wrong.append("comment: Text must not contain NUL characters")
        if wrong:
            problems.setdefault(line, []).extend(wrong)
        task_key = names if None not in names else None
        shown = (username.strip(), customer.strip(), project.strip(), task.strip())
        parsed.append((line, shown, user_key, day, task_key, minutes, comment or None))
    return parsed


class _Locks:
    """Whether a user's day is locked, from the lock events overlapping the file (newest
    first: the newest covering event decides), answered once per user and day."""

    def __init__(self, events):
        self.everyone = [e for e in events if e["user_id"] is None]
        self.by_user: dict[int, list] = {}
        for event in events:
            if event["user_id"] is not None:
                self.by_user.setdefault(event["user_id"], []).append(event)
        self.answers: dict[tuple[int, dt.date], bool] = {}

    @staticmethod
    def _newest(events, day: dt.date):
        return next((e for e in events if e["date_from"] <= day <= e["date_to"]), None)

    def __call__(self, user_id: int, day: dt.date) -> bool:
        key = (user_id, day)
        if key not in self.answers:
            covering = [
                e
                for e in (
                    self._newest(self.by_user.get(user_id, ()), day),
                    self._newest(self.everyone, day),
                )
                if e is not None
            ]
            newest = max(covering, key=lambda e: e["id"], default=None)
            self.answers[key] = bool(newest and newest["locked"])
        return self.answers[key]


class _Judge:
    """The rules of a change of time-track, for many lines: the caller's rights over each
    user and task, assignments, employment, locks and approved weeks, loaded once."""

    def __init__(self, conn: Connection, caller: Caller, assign: bool, users: list, span):
        self.conn, self.caller, self.assign = conn, caller, assign
        user_ids = [u["id"] for u in users]
        self.assigned = access.assignment_checker(conn, users)
        self.can_modify = access.timetrack_modify_checker(conn, caller)
        self.answers: dict[tuple[int, int], list[str]] = {}
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
    conn: Connection, caller: Caller, lines: list, problems: dict[int, list[str]], assign: bool
) -> Plan:
    """Judge every line. On a write connection the users' time is held first (PostgreSQL),
    so nothing changes between the checks and the writes."""
    plan = Plan(problems)
    parsed = parse(lines, problems)
    users = store.users_by_username_key(conn, {p[2] for p in parsed if p[2]})
    tasks = store.tasks_by_name_keys(conn, {p[4][2] for p in parsed if p[4]})
    if conn.get_execution_options().get("write"):
        hold_users(conn, [u["id"] for u in users.values()])
    days = [p[3] for p in parsed if p[3] is not None]
    span = (min(days), max(days)) if days else (EARLIEST, EARLIEST)
    judge = _Judge(conn, caller, assign, list(users.values()), span)
    user_ids = [u["id"] for u in users.values()]
    stored = store.entries(conn, user_ids, [t["id"] for t in tasks.values()], *span)

    records: dict[Key, list] = {}  # key -> [minutes of the file, its last comment]
    day_lines: dict[tuple[int, dt.date], list[tuple[int, int]]] = {}
    for line, shown, user_key, day, task_key, minutes, comment in parsed:
        wrong = []
        user = users.get(user_key) if user_key else None
        if user_key and user is None:
            wrong.append(f"username: no user '{shown[0]}'")
        task = tasks.get(task_key) if task_key else None
        if task_key and task is None:
            wrong.append("task: no task '{3}' in project '{2}' of customer '{1}'".format(*shown))
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
            )
    return plan


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

    ``connect(write)`` gives the connection: a file with problems in its cells is judged on a
    read (every problem is still reported) and never takes the write lock.
    """
    access.ensure_can_import_timetrack(caller)
    table = read_lines(decode(data), COLUMNS, REQUIRED, max_rows, "records")
    conn = connect(not table.problems)
    plan = check(conn, caller, table.lines, table.problems, assign)
    if plan.problems:
        raise refuse_lines(plan.problems)
    store.add_task_assignments(conn, plan.assignments)
    store.write_time_entries(conn, plan.new, plan.changed)
    return {
        "imported": len(table.lines),
        "recordsCreated": len(plan.new),
        "recordsUpdated": len(plan.changed),
        "tasksAssigned": len(plan.assignments),
    }
