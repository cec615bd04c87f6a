"""Queries on invoices: the invoice rows with their totals (summed from the records they
billed), marking records billed and releasing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    exists,
    func,
    insert,
    select,
    tuple_,
    update,
)

from timetracker.store import time_entries, timetrack
from timetracker.store.entities import Entity
from timetracker.store.permission_sql import TIME_WITH_CATALOGUE
from timetracker.store.schema import (
    customers,
    day_records,
    invoices,
    projects,
    tasks,
    types_of_work,
)
from timetracker.store.totals import Rounding
from timetracker.store.util import name_key, now_ms

_OF_INVOICE = day_records.c.invoice_id == invoices.c.id
# The totals are read from the records themselves: a billed record takes no change, so they are
# the totals the invoice was made with (the index on invoice_id makes them cheap).
_RECORDS = select(func.count()).where(_OF_INVOICE).scalar_subquery()
_MINUTES = select(func.coalesce(func.sum(day_records.c.billed_minutes), 0)).where(_OF_INVOICE)

_WITH_CATALOGUE = TIME_WITH_CATALOGUE

_BILLED = _MINUTES.scalar_subquery()

INVOICES = Entity(
    table=invoices,
    base=select(
        invoices,
        _RECORDS.label("records"),
        _BILLED.label("billed_minutes"),
        func.coalesce(invoices.c.rounded_minutes, _BILLED).label("reported_minutes"),
    ),
    sort={"number": invoices.c.number_key, "created": invoices.c.created},
)


def number_is_taken(conn: Connection, number: str) -> bool:
    stmt = select(invoices.c.id).where(invoices.c.number_key == name_key(number)).limit(1)
    return conn.execute(stmt).first() is not None


def _billable_now(args: Mapping[str, Any], reach: ColumnElement | None) -> Any:
    """The keys of the not yet billed records of the period that hold billable minutes and
    match the filters (``user_ids``, ``project_ids`` over ``customer_ids``) within ``reach``."""
    filters, _ = timetrack.filters(args)
    if reach is not None:
        filters.append(reach)
    return (
        select(day_records.c.user_id, day_records.c.date, day_records.c.task_id)
        .select_from(_WITH_CATALOGUE)
        .where(
            day_records.c.date >= args["date_from"],
            day_records.c.date <= args["date_to"],
            timetrack.billable(),
            ~timetrack.billed(),
            *filters,
        )
    )


def billable_user_ids(
    conn: Connection, args: Mapping[str, Any], reach: ColumnElement | None
) -> list[int]:
    """The users who have records an invoice with these filters would bill."""
    keys = _billable_now(args, reach).subquery()
    return list(conn.execute(select(keys.c.user_id).distinct().order_by(keys.c.user_id)).scalars())


def create(
    conn: Connection,
    values: Mapping[str, Any],
    created_by: int,
    reach: ColumnElement | None,
    rounding: Rounding | None = None,
) -> int:
    """Insert the invoice and mark the records it bills (with their billable minutes, what
    it bills of them) and their billable entries, in one statement each. The caller holds the
    users' write locks (``timetrack.hold_users``)."""
    invoice_id = conn.execute(
        insert(invoices)
        .values(
            number=values["number"],
            number_key=name_key(values["number"]),
            date_from=values["date_from"],
            date_to=values["date_to"],
            customer_ids=values.get("customer_ids"),
            project_ids=values.get("project_ids"),
            user_ids=values.get("user_ids"),
            created=now_ms(),
            created_by=created_by,
        )
        .returning(invoices.c.id)
    ).scalar_one()
    key = tuple_(day_records.c.user_id, day_records.c.date, day_records.c.task_id)
    # The subquery names day_records itself: no correlation with the table being updated.
    conn.execute(
        update(day_records)
        .where(key.in_(_billable_now(values, reach).correlate(None)))
        .values(invoice_id=invoice_id, billed_minutes=timetrack.billable_minutes())
    )
    time_entries.bill(conn, invoice_id)
    if rounding is not None:
        if rounding.scope == "entry":
            te = time_entries.te
            billed = select(func.sum(rounding(te.c.minutes))).where(te.c.invoice_id == invoice_id)
        else:
            billed = select(func.sum(rounding(day_records.c.billed_minutes))).where(_OF_INVOICE)
        rounded = func.coalesce(billed.scalar_subquery(), 0)
        conn.execute(
            update(invoices).where(invoices.c.id == invoice_id).values(rounded_minutes=rounded)
        )
    return invoice_id


def billed_subjects(conn: Connection, invoice_id: int) -> list[dict[str, int]]:
    """The users and tasks of the invoice's records, with each task's project and customer."""
    e = day_records
    stmt = (
        select(e.c.user_id, e.c.task_id, projects.c.id.label("project_id"), projects.c.customer_id)
        .select_from(e.join(tasks, tasks.c.id == e.c.task_id))
        .join(projects, projects.c.id == tasks.c.project_id)
        .where(e.c.invoice_id == invoice_id)
        .distinct()
        .order_by(e.c.user_id, e.c.task_id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def release(conn: Connection, invoice_id: int) -> None:
    """The invoice's records become unbilled again."""
    conn.execute(
        update(day_records)
        .where(day_records.c.invoice_id == invoice_id)
        .values(invoice_id=None, billed_minutes=0)
    )
    time_entries.release(conn, invoice_id)


def has_billed_time(conn: Connection, kind: str, object_id: int) -> bool:
    """Whether a billed record lies on the object (a task, or anything under a project or
    customer)."""
    column = {"task": tasks.c.id, "project": projects.c.id, "customer": projects.c.customer_id}
    stmt = select(
        exists(
            select(day_records.c.user_id)
            .select_from(_WITH_CATALOGUE)
            .where(column[kind] == object_id, timetrack.billed())
        )
    )
    return conn.execute(stmt).scalar_one()


def invoice_lines(conn: Connection, invoice_id: int) -> list[RowMapping]:
    """The lines of an invoice's document: the minutes it billed per task (the records' billed
    minutes, with the task's customer, project and type of work, and that type of work's
    hourly rate, None without one), in the order of customer, project and task names."""
    r = day_records
    stmt = (
        select(
            customers.c.name.label("customer_name"),
            projects.c.id.label("project_id"),
            projects.c.name.label("project_name"),
            tasks.c.id.label("task_id"),
            tasks.c.name.label("task_name"),
            types_of_work.c.name.label("type_of_work_name"),
            types_of_work.c.rate,
            func.sum(r.c.billed_minutes).label("minutes"),
        )
        .select_from(r.join(tasks, tasks.c.id == r.c.task_id))
        .join(projects, projects.c.id == tasks.c.project_id)
        .join(customers, customers.c.id == projects.c.customer_id)
        .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
        .where(r.c.invoice_id == invoice_id)
        .group_by(
            customers.c.name,
            projects.c.id,
            projects.c.name,
            tasks.c.id,
            tasks.c.name,
            types_of_work.c.name,
            types_of_work.c.rate,
        )  # fmt: skip
        .order_by(customers.c.name, projects.c.name, projects.c.id, tasks.c.name, tasks.c.id)
    )
    return list(conn.execute(stmt).mappings())
