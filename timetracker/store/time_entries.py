"""Queries on time entries: what is tracked, one row per entry.

A day record (``day_records``) is the sum of its cell's live, stopped entries: the services
write both in one transaction. An entry is *live* until deleted (``deleted`` holds when), and
*counts* when it is live and not running (untimed, or with an end).

The module is too long for the 400-line rule on purpose: the entries' writes and their list's
reads share the table's conditions (live, counted, the list's order), read together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    delete,
    except_,
    false,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.sql import visitors

from timetracker.store.entities import Entity, count_matching, list_statement
from timetracker.store.prepared import Prepared, insert_tuples
from timetracker.store.schema import (
    START_ORDER,
    customers,
    day_records,
    invoices,
    projects,
    tasks,
    time_entries,
    types_of_work,
    users,
)
from timetracker.store.tags import carrying_any
from timetracker.store.timetrack import of_billable_work
from timetracker.store.util import among, now_ms

te = time_entries

LIVE = te.c.deleted.is_(None)
# Live and not running: what a day record adds up.
COUNTS = and_(LIVE, or_(te.c.started.is_(None), te.c.ended.is_not(None)))
UNTIMED = te.c.started.is_(None)
# Whether an entry is billable (its own flag, else its task's type of work's) without the
# catalogue joined. (Joined: BILLABLE, below.)
UNJOINED_BILLABLE = case(
    (te.c.billable.is_(None), of_billable_work(te.c.task_id)), else_=te.c.billable
)


def _minutes_where(condition) -> ColumnElement[int]:
    """SQL: the sum of the minutes of the entries meeting ``condition`` (0 without any)."""
    return func.coalesce(func.sum(case((condition, te.c.minutes), else_=0)), 0)


# What a day record keeps of its cell's counted entries, each as the record's column is named.
_CELL_SUMS = (
    func.coalesce(func.sum(te.c.minutes), 0).label("minutes"),
    _minutes_where(te.c.invoice_id.is_not(None)).label("billed_minutes"),
    _minutes_where(te.c.billable.is_(True)).label("marked_billable"),
    _minutes_where(te.c.billable.is_(False)).label("marked_unbillable"),
)

_CELL = and_(
    te.c.user_id == bindparam("user_id"),
    te.c.date == bindparam("date"),
    te.c.task_id == bindparam("task_id"),
)
_CELL_ENTRIES = Prepared(select(te).where(_CELL, COUNTS).order_by(te.c.id))


def _stamp(now: int) -> ColumnElement[int]:
    """A new ``modified`` stamp: now, and always after the previous one (the clock may step
    back, and two changes may fall in one millisecond)."""
    return case((te.c.modified >= now, te.c.modified + 1), else_=now)


def cell_entries(conn: Connection, user_id: int, day: dt.date, task_id: int) -> list[dict]:
    """The entries a day record adds up, oldest first."""
    return _CELL_ENTRIES.rows(conn, {"user_id": user_id, "date": day, "task_id": task_id})


def insert_entry(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert one entry (columns without ``created``/``modified``, which are stamped here)."""
    now = now_ms()
    row = {
        "started": None,
        "ended": None,
        "description": None,
        "billable": None,
        "invoice_id": None,
        "deleted": None,
        **values,
        "created": now,
        "modified": now,
    }
    return conn.execute(insert(te).returning(te.c.id), row).scalar_one()


def insert_untimed(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert untimed entries in one ``executemany``: dicts of ``user_id``, ``date``,
    ``task_id`` and ``minutes`` (an import's records)."""
    if not rows:
        return
    now = now_ms()
    values = [
        {
            "user_id": r["user_id"],
            "date": r["date"],
            "task_id": r["task_id"],
            "minutes": r["minutes"],
            "created": now,
            "modified": now,
        }
        for r in rows
    ]
    conn.execute(insert(te), values)


_INSERTED = ("id", "user_id", "task_id", "date", "started", "ended", "minutes", "description")
_INSERTED += ("billable", "invoice_id", "created", "modified", "deleted")


def insert_many(
    conn: Connection, rows: Sequence[Mapping[str, Any]], now: int | None = None
) -> list[int]:
    """Insert entries (columns without ``created``/``modified``, which are ``now``, by default
    the clock's) in one ``executemany``; their ids, in the order of ``rows``."""
    now = now_ms() if now is None else now
    if conn.dialect.name == "sqlite" and len(rows) > 1:
        # SQLAlchemy sends INSERT ... RETURNING in parameter order one row at a time on SQLite
        # (a quarter of a 100,000-entry import); SQLite has one writer, so the ids that follow
        # the largest are this transaction's to give, in one executemany (on the driver: a
        # dict of parameters per row through SQLAlchemy cost more than the insert).
        first = (conn.execute(select(func.max(te.c.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        get = dict.get
        insert_tuples(
            conn,
            te,
            _INSERTED,
            (
                (entry_id, r["user_id"], r["task_id"], r["date"], get(r, "started"),
                 get(r, "ended"), r["minutes"], get(r, "description"), get(r, "billable"),
                 get(r, "invoice_id"), now, now, get(r, "deleted"))
                for entry_id, r in zip(ids, rows, strict=True)
            ),
        )  # fmt: skip
        return ids
    values = [
        {"started": None, "ended": None, "invoice_id": None, "deleted": None, **row}
        | {"created": now, "modified": now}
        for row in rows
    ]
    stmt = insert(te).returning(te.c.id, sort_by_parameter_order=True)
    return list(conn.execute(stmt, values).scalars())


def billable_of_tasks(conn: Connection, task_ids: Iterable[int]) -> dict[int, bool]:
    """Per task id: whether its type of work is billable (what an entry's ``billable`` null
    follows)."""
    ids = sorted(set(task_ids))
    if not ids:
        return {}
    stmt = (
        select(tasks.c.id, types_of_work.c.billable)
        .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
        .where(tasks.c.id.in_(ids))
    )
    return {task_id: billable for task_id, billable in conn.execute(stmt)}


def update_entry(conn: Connection, entry_id: int, values: Mapping[str, Any]) -> None:
    now = now_ms()
    conn.execute(update(te).where(te.c.id == entry_id).values(**values, modified=_stamp(now)))


def delete_entries(conn: Connection, entry_ids: Iterable[int]) -> None:
    """Mark entries deleted (they stay, for lists that ask for deleted ones)."""
    ids = sorted(set(entry_ids))
    if ids:
        now = now_ms()
        conn.execute(update(te).where(te.c.id.in_(ids)).values(deleted=now, modified=_stamp(now)))


def bill(conn: Connection, invoice_id: int) -> None:
    """Mark the billable counted entries of the day records the invoice bills as billed by
    it (those marked not billable, or following a type of work that is not, stay unbilled)."""
    key = tuple_(te.c.user_id, te.c.date, te.c.task_id)
    billed = select(day_records.c.user_id, day_records.c.date, day_records.c.task_id).where(
        day_records.c.invoice_id == invoice_id
    )
    conn.execute(
        update(te)
        .where(key.in_(billed), COUNTS, UNJOINED_BILLABLE)
        .values(invoice_id=invoice_id, modified=_stamp(now_ms()))
    )


def release(conn: Connection, invoice_id: int) -> None:
    """The entries an invoice billed are billed no more."""
    conn.execute(
        update(te)
        .where(te.c.invoice_id == invoice_id)
        .values(invoice_id=None, modified=_stamp(now_ms()))
    )


def purge_uncounted_of_user(conn: Connection, user_id: int) -> None:
    """Remove a user's entries that count nothing (deleted, or a running timer) for good,
    before the user is deleted."""
    conn.execute(te.delete().where(te.c.user_id == user_id, ~COUNTS))


def disagreeing_cells(conn: Connection, limit: int = 20) -> list[tuple]:
    """Day records that are not the sum of their cell's counted entries, and cells whose
    entries add up to time without a record: (user_id, date, task_id) of each, at most
    ``limit``. A record's minutes, marks (entries marked billable, not billable) and billed
    minutes must be its entries', and its invoice the one that billed its billed entries.
    Empty: one truth."""
    # The invoice of the billed entries (0: none); they must all have one (min and max agree).
    first_invoice = func.coalesce(func.min(te.c.invoice_id), 0)
    last_invoice = func.coalesce(func.max(te.c.invoice_id), 0)
    summed = (
        select(
            te.c.user_id,
            te.c.date,
            te.c.task_id,
            _CELL_SUMS[0],
            last_invoice.label("invoice_id"),
            *_CELL_SUMS[1:],
        )
        .where(COUNTS)
        .group_by(te.c.user_id, te.c.date, te.c.task_id)
        .having(
            func.sum(te.c.minutes) > 0,
            first_invoice == last_invoice,
        )
    )
    dr = day_records
    kept = select(
        dr.c.user_id,
        dr.c.date,
        dr.c.task_id,
        dr.c.minutes,
        func.coalesce(dr.c.invoice_id, 0),
        dr.c.billed_minutes,
        dr.c.marked_billable,
        dr.c.marked_unbillable,
    )
    found: set[tuple] = set()
    for one, other in ((summed, kept), (kept, summed)):
        rows = conn.execute(except_(one, other).limit(limit)).all()
        found.update((r[0], r[1], r[2]) for r in rows)
    return sorted(found)[:limit]


def resum_cells(conn: Connection, cells: Iterable[tuple]) -> None:
    """Write the day records of ``cells`` ((user_id, date, task_id)) again as the sums of their
    counted entries: minutes, marks, billed minutes and invoice; a cell without time loses its
    record, one with time and no record gets one. A record's comment stays. (The kept monthly
    totals follow through their triggers.)"""
    dr = day_records
    summed = select(*_CELL_SUMS, func.max(te.c.invoice_id).label("invoice_id"))
    for user_id, day, task_id in cells:
        cell = and_(te.c.user_id == user_id, te.c.date == day, te.c.task_id == task_id, COUNTS)
        of_cell = and_(dr.c.user_id == user_id, dr.c.date == day, dr.c.task_id == task_id)
        sums = conn.execute(summed.where(cell)).one()._asdict()
        if not sums["minutes"]:
            conn.execute(delete(dr).where(of_cell))
        elif conn.execute(update(dr).where(of_cell).values(**sums)).rowcount == 0:
            key = {"user_id": user_id, "date": day, "task_id": task_id}
            conn.execute(insert(dr).values(**key, **sums))


# --- reading ------------------------------------------------------------------------------------

WITH_CATALOGUE = (
    te.join(tasks, tasks.c.id == te.c.task_id)
    .join(projects, projects.c.id == tasks.c.project_id)
    .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
)
# What the list sorts by names (a user's, a customer's name) joined only for sorting.
_SORTED = WITH_CATALOGUE.join(users, users.c.id == te.c.user_id).join(
    customers, customers.c.id == projects.c.customer_id
)
BILLABLE = func.coalesce(te.c.billable, types_of_work.c.billable)
# Within a day: untimed entries first, then by start (written as the indexes of the list's
# order have it, ``-1`` in the text: the database then reads a page in order).
_START_ORDER = START_ORDER

TIME_ENTRIES = Entity(
    table=te,
    base=select(
        *te.c,
        BILLABLE.label("effective_billable"),
        te.c.deleted.is_not(None).label("is_deleted"),
        and_(te.c.started.is_not(None), te.c.ended.is_(None)).label("running"),
        tasks.c.project_id,
        projects.c.customer_id,
    ).select_from(_SORTED),
    sort={
        "date": te.c.date,
        "start": _START_ORDER,
        "user": users.c.name_key,
        "task": tasks.c.name_key,
        "project": projects.c.name_key,
        "customer": customers.c.name_key,
    },
    in_filters={
        "user_ids": te.c.user_id,
        "task_ids": te.c.task_id,
        "project_ids": tasks.c.project_id,
        "customer_ids": projects.c.customer_id,
    },
)


# The list's page: the entry's own columns as its answer has them, and whether the caller may
# change it (``may``: the writing condition as a column). The names of users and customers are
# joined only for a sort by them, or for a condition that names their tables.
LISTED_COLUMNS = (
    "id",
    "user_id",
    "task_id",
    "date",
    "started",
    "ended",
    "minutes",
    "running",
    "description",
    "billable",
    "invoice_id",
    "created",
    "modified",
    "is_deleted",
)
_LISTED = (
    te.c.id,
    te.c.user_id,
    te.c.task_id,
    te.c.date,
    te.c.started,
    te.c.ended,
    te.c.minutes,
    and_(te.c.started.is_not(None), te.c.ended.is_(None)).label("running"),
    te.c.description,
    BILLABLE.label("billable"),
    te.c.invoice_id,
    te.c.created,
    te.c.modified,
    te.c.deleted.is_not(None).label("is_deleted"),
)
_NAMED_ONLY_IN_SORTED = {users, customers}


def _listed(joined, writing) -> Entity:
    may = true() if writing is None else case((writing, true()), else_=false())
    return Entity(
        table=te,
        base=select(*_LISTED, may.label("may")).select_from(joined),
        sort=TIME_ENTRIES.sort,
        in_filters=TIME_ENTRIES.in_filters,
    )


# For callers who may change every entry: built once.
_LISTED_FOR_ALL = {joined: _listed(joined, None) for joined in (WITH_CATALOGUE, _SORTED)}


def _names_tables(condition, tables) -> bool:
    """Whether ``condition`` (None: none) names a column of any of ``tables`` anywhere, its
    subqueries included."""
    if condition is None:
        return False
    return any(
        isinstance(element, Column) and element.table in tables
        for element in visitors.iterate(condition)
    )


# What a count of the list reads: the ids, with the catalogue joined only when the filters or the
# condition name its tables, and the names' tables only when the condition names them. (Every
# entry has a task, every task a project and a type of work: the joins drop no entry.)
_CATALOGUE_TABLES = {tasks, projects, types_of_work}
_COUNTED = {
    joined: Entity(
        table=te,
        base=select(te.c.id).select_from(joined),
        sort=TIME_ENTRIES.sort,
        in_filters=TIME_ENTRIES.in_filters,
    )
    for joined in (te, WITH_CATALOGUE, _SORTED)
}


def count_listed(conn: Connection, args: Mapping[str, Any], visible) -> int:
    """How many entries the list with ``args`` (no sort) and the condition ``visible`` has."""
    if _names_tables(visible, _NAMED_ONLY_IN_SORTED):
        joined = _SORTED
    elif args.get("project_ids") or args.get("customer_ids"):
        joined = WITH_CATALOGUE
    else:
        joined = WITH_CATALOGUE if _names_tables(visible, _CATALOGUE_TABLES) else te
    return count_matching(conn, _COUNTED[joined], args, visible)


def list_page(conn: Connection, args: Mapping[str, Any], visible, writing) -> list[Sequence[Any]]:
    """One page of the entry list (``args``: the entity's list arguments, with the sort
    :meth:`TimeEntries.list_filters` makes; ``visible``: the list's whole condition,
    :func:`list_condition`): rows of ``LISTED_COLUMNS`` and ``may``, whether the time-track
    writing condition ``writing`` (on entries with the catalogue joined; None: all) reaches the
    entry."""
    sorted_by = {name for name, _ in args.get("sort") or ()}
    wide = bool(sorted_by & {"user", "customer"}) or _names_tables(visible, _NAMED_ONLY_IN_SORTED)
    joined = _SORTED if wide else WITH_CATALOGUE
    # The writing condition is asked in the query, unless the names joined for the sort could
    # change what its subqueries select (they would correlate to the outer tables).
    separately = wide and _names_tables(writing, _NAMED_ONLY_IN_SORTED)
    in_query = writing is not None and not separately
    entity = _listed(joined, writing) if in_query else _LISTED_FOR_ALL[joined]
    rows = conn.execute(list_statement(entity, args, visible)).all()
    if separately:
        may = modifiable_ids(conn, (r[0] for r in rows), writing)
        rows = [(*r[:-1], r[0] in may) for r in rows]
    return rows


def list_condition(args: Mapping[str, Any], visible) -> ColumnElement[bool] | None:
    """The entry list's own filters (beyond the entity's id lists and ``modifiedAfter``) and
    the caller's visibility ``visible`` (None: all), as one condition."""
    conditions = [] if visible is None else [visible]
    if args.get("date_from") is not None:
        conditions.append(te.c.date >= args["date_from"])
    if args.get("date_to") is not None:
        conditions.append(te.c.date <= args["date_to"])
    if args.get("tag_ids"):
        conditions.append(carrying_any(args["tag_ids"]))
    # From or to a moment (epoch ms, with its day): timed entries by their start, untimed ones
    # (which have only a day) by their day.
    if args.get("moment_from") is not None:
        moment, day = args["moment_from"]
        conditions.append(or_(and_(UNTIMED, te.c.date >= day), te.c.started >= moment))
    if args.get("moment_to") is not None:
        moment, day = args["moment_to"]
        conditions.append(or_(and_(UNTIMED, te.c.date <= day), te.c.started <= moment))
    if args.get("billable") is not None:
        conditions.append(BILLABLE.is_(True) if args["billable"] else BILLABLE.is_not(True))
    if args.get("billed") is not None:
        billed = te.c.invoice_id.is_not(None)
        conditions.append(billed if args["billed"] else ~billed)
    status = args.get("project_status", "all")
    if status != "all":
        conditions.append(projects.c.archived.is_(status == "archived"))
    if not args.get("include_deleted"):
        conditions.append(LIVE)
    return and_(*conditions) if conditions else None


def modifiable_ids(conn: Connection, ids: Iterable[int], writing) -> set[int]:
    """Which of the entries the time-track writing condition ``writing`` (on entries with the
    catalogue joined; None: all) reaches."""
    ids = sorted(set(ids))
    if writing is None or not ids:
        return set(ids)
    stmt = select(te.c.id).select_from(WITH_CATALOGUE).where(te.c.id.in_(ids), writing)
    return set(conn.execute(stmt).scalars())


RUNNING = and_(LIVE, te.c.started.is_not(None), te.c.ended.is_(None))


def running(conn: Connection, user_id: int) -> Mapping[str, Any] | None:
    """The user's running entry (a timer), as the entity reads it; None when none runs."""
    stmt = TIME_ENTRIES.base.where(te.c.user_id == user_id, RUNNING)
    return conn.execute(stmt).mappings().first()


def visible_running(conn: Connection, visible, user_ids=None) -> list:
    """The running entries whose user and task the time-track condition ``visible`` (on
    entries with the catalogue joined; None: all) reaches, by user."""
    stmt = TIME_ENTRIES.base.where(RUNNING).order_by(te.c.user_id)
    if visible is not None:
        stmt = stmt.where(visible)
    if user_ids:
        stmt = stmt.where(te.c.user_id.in_(user_ids))
    return list(conn.execute(stmt).mappings())


def timed_between(
    conn: Connection, user_ids: Iterable[int], first: int, last: int
) -> list[Mapping[str, Any]]:
    """The users' live timed entries that run at some moment from ``first`` to ``last`` (epoch
    ms; a running entry runs on), by user and start."""
    ends_after = or_(te.c.ended.is_(None), te.c.ended > first)
    stmt = (
        select(te.c.id, te.c.user_id, te.c.started, te.c.ended)
        .where(
            te.c.user_id.in_(sorted(set(user_ids))),
            LIVE,
            te.c.started.is_not(None),
            te.c.started < last,
            ends_after,
        )
        .order_by(te.c.user_id, te.c.started, te.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


# What the Teamwork face shows of an entry: its own columns and the names around it (its user's
# first and last name, its task's name and whether it is its project's general task, its
# project's name and whether it is archived, its customer's name, its invoice's number), read by
# position in this order (DESCRIBED_COLUMNS names them).
_DESCRIBED_SELECTED = (
    te.c.id,
    te.c.user_id,
    te.c.task_id,
    te.c.date,
    te.c.started,
    te.c.minutes,
    te.c.description,
    BILLABLE.label("billable"),
    tasks.c.project_id,
    projects.c.customer_id,
    users.c.first_name,
    users.c.last_name,
    tasks.c.name.label("task_name"),
    tasks.c.general,
    projects.c.name.label("project_name"),
    projects.c.archived.label("project_archived"),
    customers.c.name.label("customer_name"),
    invoices.c.number.label("invoice_number"),
)
DESCRIBED_COLUMNS = tuple(column.name for column in _DESCRIBED_SELECTED)
_DESCRIBED = select(*_DESCRIBED_SELECTED).select_from(
    _SORTED.outerjoin(invoices, invoices.c.id == te.c.invoice_id)
)
# The list's entries so described, a page in one query.
DESCRIBED_ENTRIES = Entity(
    table=te,
    base=_DESCRIBED,
    sort=TIME_ENTRIES.sort,
    in_filters=TIME_ENTRIES.in_filters,
)


def described_page(conn: Connection, args: Mapping[str, Any], visible) -> list[Sequence[Any]]:
    """One page of the entry list (``args`` and ``visible`` as for :func:`list_page`), each
    entry a row of ``DESCRIBED_COLUMNS``, read as it comes."""
    return conn.execute(list_statement(DESCRIBED_ENTRIES, args, visible)).all()


def described(conn: Connection, ids: Iterable[int]) -> list[Sequence[Any]]:
    """The entries with these ids, in id order, as :func:`described_page` reads them. No
    visibility applies: the caller has the entries already."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return conn.execute(_DESCRIBED.where(among(te.c.id, ids)).order_by(te.c.id)).all()
