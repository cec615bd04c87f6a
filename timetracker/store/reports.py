"""Queries of the reports: the detailed report, one row per time-track record with the names of
what it belongs to.

One statement serves the JSON page, the streamed CSV and the command line's export: its columns
are the report's, in the report's order, so a CSV row is the database row as it comes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    RowMapping,
    Select,
    Table,
    case,
    func,
    select,
)

from timetracker.store.db import stream_rows
from timetracker.store.listing import as_text
from timetracker.store.permission_sql import on_records
from timetracker.store.schema import (
    customers,
    day_records,
    projects,
    tasks,
    time_entries,
    types_of_work,
    users,
)
from timetracker.store.time_entries import COUNTS


def _blank(column: ColumnElement) -> ColumnElement[bool]:
    return func.coalesce(column, "") == ""


# The user's name as the API's fullName shows it ("Ann B. Smith"); never the username, which
# only some callers may see.
_FULL_NAME = (
    users.c.first_name
    + case(
        (_blank(users.c.middle_name), ""),
        else_=" " + func.upper(func.substr(users.c.middle_name, 1, 1)) + ".",
    )
    + case((_blank(users.c.last_name), ""), else_=" " + users.c.last_name)
)

# What the report's rows are about: (API name, SQL) before and after the row's own columns.
_ABOUT = (
    ("userName", _FULL_NAME),
    ("customerId", projects.c.customer_id),
    ("customerName", customers.c.name),
    ("projectId", tasks.c.project_id),
    ("projectName", projects.c.name),
)


@dataclass(frozen=True)
class Grain:
    """One row per day record (``record``, the default) or per time entry (``entry``)."""

    table: Table
    columns: tuple[tuple[str, ColumnElement], ...]
    order: tuple[ColumnElement, ...]
    billable: ColumnElement[bool]
    # Only these rows of the table count (entries: live and stopped; records: all).
    counted: ColumnElement[bool] | None = None

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def joined(self):
        """The row's task, project, customer, type of work and user: everything the columns
        name (and what the visibility condition of ``access.timetrack_filter`` needs)."""
        t = self.table
        return (
            t.join(tasks, tasks.c.id == t.c.task_id)
            .join(projects, projects.c.id == tasks.c.project_id)
            .join(customers, customers.c.id == projects.c.customer_id)
            .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
            .join(users, users.c.id == t.c.user_id)
        )


def _columns(t: Table, own: tuple, billable: ColumnElement) -> tuple:
    return (
        ("date", t.c.date),
        ("userId", t.c.user_id),
        *_ABOUT,
        ("taskId", t.c.task_id),
        ("taskName", tasks.c.name),
        ("typeOfWorkId", tasks.c.type_of_work_id),
        ("typeOfWorkName", types_of_work.c.name),
        *own,
        ("billable", billable),
        ("billed", t.c.invoice_id.is_not(None)),
        ("invoiceId", t.c.invoice_id),
    )


te = time_entries
_ENTRY_BILLABLE = func.coalesce(te.c.billable, types_of_work.c.billable)
GRAINS = {
    # The order of GET /timetrack: day, user, task. It is unique (the primary key's columns),
    # so pages never overlap, and ix_day_records_date_user_id serves the date range.
    "record": Grain(
        day_records,
        _columns(
            day_records,
            (("minutes", day_records.c.minutes), ("comment", day_records.c.comment)),
            types_of_work.c.billable,
        ),
        (day_records.c.date, day_records.c.user_id, day_records.c.task_id),
        types_of_work.c.billable,
    ),
    # Day, user, start (untimed entries first), id: unique.
    "entry": Grain(
        te,
        _columns(
            te,
            (
                ("entryId", te.c.id),
                ("start", te.c.started),
                ("end", te.c.ended),
                ("minutes", te.c.minutes),
                ("description", te.c.description),
            ),
            _ENTRY_BILLABLE,
        ),
        (te.c.date, te.c.user_id, func.coalesce(te.c.started, -1), te.c.id),
        _ENTRY_BILLABLE,
        COUNTS,
    ),
}
DETAILED_HEADER = GRAINS["record"].header
# Filter argument -> the column it lists values of (a row's own columns by grain).
_IN_FILTERS = {
    "customer_ids": projects.c.customer_id,
    "project_ids": tasks.c.project_id,
    "type_of_work_ids": tasks.c.type_of_work_id,
    "department_ids": users.c.department_id,
}


def _conditions(
    grain: Grain,
    visible: ColumnElement | None,
    args: Mapping[str, Any],
    date_from: dt.date,
    date_to: dt.date | None,
) -> list[ColumnElement]:
    t = grain.table
    conditions = [t.c.date >= date_from]
    if date_to is not None:
        conditions.append(t.c.date <= date_to)
    if grain.counted is not None:
        conditions.append(grain.counted)
    if visible is not None:
        conditions.append(on_records(visible, t.c.user_id, t.c.task_id))
    filters = {**_IN_FILTERS, "user_ids": t.c.user_id, "task_ids": t.c.task_id}
    for arg, column in filters.items():
        if args.get(arg):
            conditions.append(column.in_(args[arg]))
    if args.get("billable") is not None:
        billable = grain.billable.is_(True)
        conditions.append(billable if args["billable"] else ~billable)
    if args.get("billed") is not None:
        billed = t.c.invoice_id.is_not(None)
        conditions.append(billed if args["billed"] else ~billed)
    return conditions


def detailed_statement(
    visible: ColumnElement | None,
    args: Mapping[str, Any],
    date_from: dt.date,
    date_to: dt.date | None,
    text: bool = False,
) -> Select:
    """Every matching row the caller may read (``visible``, from ``access``), in the report's
    columns and order for its grain (``args["grain"]``); filters combine with AND. ``text``:
    the columns as an export writes them (:func:`as_text`)."""
    grain = GRAINS[args.get("grain", "record")]
    labelled = [column.label(name) for name, column in grain.columns]
    return (
        select(*(map(as_text, labelled) if text else labelled))
        .select_from(grain.joined)
        .where(*_conditions(grain, visible, args, date_from, date_to))
        .order_by(*grain.order)
    )


def detailed_page(conn: Connection, statement: Select, offset: int, limit: int) -> list[RowMapping]:
    return list(conn.execute(statement.offset(offset).limit(limit)).mappings())


def detailed_rows(engine: Engine, statement: Select) -> Iterator[tuple]:
    """Every row of ``statement``, read lazily through a connection of its own."""
    return chain.from_iterable(stream_rows(engine, statement))


def detailed_count(conn: Connection, statement: Select) -> int:
    counted = statement.order_by(None).subquery()
    return conn.execute(select(func.count()).select_from(counted)).scalar_one()
