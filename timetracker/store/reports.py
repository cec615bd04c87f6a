"""Queries of the reports: the detailed report, one row per time-track record with the names of
what it belongs to.

One statement serves the JSON page, the streamed CSV and the command line's export: its columns
are the report's, in the report's order, so a CSV row is the database row as it comes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    RowMapping,
    Select,
    case,
    func,
    select,
)

from timetracker.store.db import stream_rows
from timetracker.store.listing import as_text
from timetracker.store.schema import (
    customers,
    day_records,
    projects,
    tasks,
    types_of_work,
    users,
)


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

# The report's columns: (API name, SQL).
DETAILED_COLUMNS: tuple[tuple[str, ColumnElement], ...] = (
    ("date", day_records.c.date),
    ("userId", day_records.c.user_id),
    ("userName", _FULL_NAME),
    ("customerId", projects.c.customer_id),
    ("customerName", customers.c.name),
    ("projectId", tasks.c.project_id),
    ("projectName", projects.c.name),
    ("taskId", day_records.c.task_id),
    ("taskName", tasks.c.name),
    ("typeOfWorkId", tasks.c.type_of_work_id),
    ("typeOfWorkName", types_of_work.c.name),
    ("minutes", day_records.c.minutes),
    ("comment", day_records.c.comment),
    ("billable", types_of_work.c.billable),
    ("billed", day_records.c.invoice_id.is_not(None)),
    ("invoiceId", day_records.c.invoice_id),
)
DETAILED_HEADER = tuple(name for name, _ in DETAILED_COLUMNS)

# The record's task, project, customer, type of work and user: everything the columns name
# (and what the visibility condition of ``access.timetrack_filter`` needs: tasks, projects).
_DETAILED_FROM = (
    day_records.join(tasks, tasks.c.id == day_records.c.task_id)
    .join(projects, projects.c.id == tasks.c.project_id)
    .join(customers, customers.c.id == projects.c.customer_id)
    .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
    .join(users, users.c.id == day_records.c.user_id)
)
# Filter argument -> the column it lists values of.
_IN_FILTERS = {
    "user_ids": day_records.c.user_id,
    "customer_ids": projects.c.customer_id,
    "project_ids": tasks.c.project_id,
    "task_ids": day_records.c.task_id,
    "type_of_work_ids": tasks.c.type_of_work_id,
    "department_ids": users.c.department_id,
}
# The order of GET /timetrack: day, user, task. It is unique (the primary key's columns), so
# pages never overlap, and ix_day_records_date_user_id serves the date range and most of it.
_ORDER = (day_records.c.date, day_records.c.user_id, day_records.c.task_id)


def _conditions(
    visible: ColumnElement | None,
    args: Mapping[str, Any],
    date_from: dt.date,
    date_to: dt.date | None,
) -> list[ColumnElement]:
    conditions = [day_records.c.date >= date_from]
    if date_to is not None:
        conditions.append(day_records.c.date <= date_to)
    if visible is not None:
        conditions.append(visible)
    for arg, column in _IN_FILTERS.items():
        if args.get(arg):
            conditions.append(column.in_(args[arg]))
    if args.get("billable") is not None:
        billable = types_of_work.c.billable.is_(True)
        conditions.append(billable if args["billable"] else ~billable)
    if args.get("billed") is not None:
        billed = day_records.c.invoice_id.is_not(None)
        conditions.append(billed if args["billed"] else ~billed)
    return conditions


def detailed_statement(
    visible: ColumnElement | None,
    args: Mapping[str, Any],
    date_from: dt.date,
    date_to: dt.date | None,
    text: bool = False,
) -> Select:
    """Every matching record the caller may read (``visible``, from ``access``), in the
    report's columns and order; filters combine with AND. ``text``: the columns as an export
    writes them (:func:`as_text`)."""
    labelled = [column.label(name) for name, column in DETAILED_COLUMNS]
    return (
        select(*(map(as_text, labelled) if text else labelled))
        .select_from(_DETAILED_FROM)
        .where(*_conditions(visible, args, date_from, date_to))
        .order_by(*_ORDER)
    )


def detailed_page(conn: Connection, statement: Select, offset: int, limit: int) -> list[RowMapping]:
    return list(conn.execute(statement.offset(offset).limit(limit)).mappings())


def detailed_rows(engine: Engine, statement: Select) -> Iterator[tuple]:
    """Every row of ``statement``, read lazily through a connection of its own."""
    return chain.from_iterable(stream_rows(engine, statement))


def detailed_count(conn: Connection, statement: Select) -> int:
    counted = statement.order_by(None).with_only_columns(day_records.c.minutes).subquery()
    return conn.execute(select(func.count()).select_from(counted)).scalar_one()
