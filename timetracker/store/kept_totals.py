"""Keeping ``time_totals`` (minutes, billed minutes, cost and what of the minutes is marked
billable or not, per user, task and month) equal to the sums of the day records: a bulk write
that suspends the triggers and sums its months again, a rebuild, and the check (and repair) of
a database that disagrees. The triggers that keep it on every change of a record are the
migrations' (0006, 0017, 0021); the queries that read it are in :mod:`timetracker.store.totals`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select, text, union_all

from timetracker.store.db import write_transaction
from timetracker.store.schema import (
    day_record_marks_bulk,
    day_records,
    time_totals,
    time_totals_bulk,
)
from timetracker.store.totals import next_month, rate_cents
from timetracker.store.util import month_start


@contextmanager
def bulk(
    conn: Connection,
    user_ids: Iterable[int],
    date_from: dt.date,
    date_to: dt.date,
    marks: bool = False,
):
    """Write many records of these users in this period without the per-record triggers, then
    compute those users' totals of the months holding the period again in one statement: for an
    import, many times faster than a trigger per record. The caller holds the users' write
    locks.

    With ``marks``, the triggers that keep the records' billable marks (``marked_billable``,
    ``marked_unbillable``: the minutes of the cell's counted entries marked billable or not)
    are suspended too, and the caller writes the marks of every record whose cell gains or
    loses an entry with a mark, as those triggers would have made them."""
    conn.execute(insert(time_totals_bulk).values(id=1))
    if marks:
        conn.execute(insert(day_record_marks_bulk).values(id=1))
    yield
    if marks:
        conn.execute(delete(day_record_marks_bulk))
    conn.execute(delete(time_totals_bulk))
    rebuild(conn, user_ids, (date_from, date_to))


def _rebuilt_rows(keep: list[int] | None, period: tuple[dt.date, dt.date] | None):
    """SQL: the rows ``time_totals`` should hold (of the users ``keep``, of the whole months
    holding ``period``), summed from the records, in its column order."""
    e = day_records
    billed = e.c.billed_minutes
    rate = rate_cents(e.c.user_id, e.c.date)
    month = month_start(e.c.date)
    rows = select(
        month.label("month"),
        e.c.user_id,
        e.c.task_id,
        func.sum(e.c.minutes).label("minutes"),
        func.sum(billed).label("billed_minutes"),
        func.sum(e.c.minutes * rate).label("cost_minute_cents"),
        func.sum(billed * rate).label("billed_cost_minute_cents"),
        func.sum(e.c.marked_billable).label("marked_billable"),
        func.sum(e.c.marked_unbillable).label("marked_unbillable"),
    ).group_by(month, e.c.user_id, e.c.task_id)
    if keep is not None:
        rows = rows.where(e.c.user_id.in_(keep))
    if period is not None:
        rows = rows.where(e.c.date >= period[0].replace(day=1), e.c.date < next_month(period[1]))
    return rows


def rebuild(
    conn: Connection,
    user_ids: Iterable[int] | None = None,
    period: tuple[dt.date, dt.date] | None = None,
) -> None:
    """Compute the users' (everyone's) rows of ``time_totals`` again from their records: of the
    whole months that hold any day of ``period`` (first and last day), or of all months. After
    a change of rates, which changes the cost of time already tracked, or a bulk write.

    A row of ``time_totals`` sums a whole month, so it is wiped and added up again from every
    record of that month, whatever days of it the period names."""
    keep = None if user_ids is None else sorted(set(user_ids))
    if keep == []:
        return
    wipe = delete(time_totals)
    if keep is not None:
        wipe = wipe.where(time_totals.c.user_id.in_(keep))
    if period is not None:
        wipe = wipe.where(
            time_totals.c.month >= period[0].replace(day=1),
            time_totals.c.month < next_month(period[1]),
        )
    conn.execute(wipe)
    columns = [c.name for c in time_totals.c]
    conn.execute(insert(time_totals).from_select(columns, _rebuilt_rows(keep, period)))


@dataclass(frozen=True)
class Difference:
    """A row of ``time_totals`` that disagrees with its records: what is kept and what the
    records add up to (None: no such row)."""

    month: dt.date
    user_id: int
    task_id: int
    kept_minutes: int | None
    record_minutes: int | None


def differences(conn: Connection, limit: int = 20) -> tuple[int, list[Difference]]:
    """How many rows of ``time_totals`` disagree with a sum of the records (missing, extra or
    with other sums), and the first ``limit`` of them by month, user and task. One statement,
    so it reads one moment of a database in use; its rows are counted as they come, so memory
    holds ``limit`` of them however many there are."""
    kept = select(*time_totals.c)
    rebuilt = _rebuilt_rows(None, None)
    only_kept = kept.except_(rebuilt).subquery()
    only_rebuilt = rebuilt.except_(kept).subquery()
    keys = ("month", "user_id", "task_id")
    both = union_all(
        select(*(only_kept.c[k] for k in keys), only_kept.c.minutes.label("kept"),
               literal(None).label("records")),
        select(*(only_rebuilt.c[k] for k in keys), literal(None).label("kept"),
               only_rebuilt.c.minutes.label("records")),
    ).subquery()  # fmt: skip
    listed: list[Difference] = []
    count, last = 0, None
    rows = conn.execute(select(both).order_by(*(both.c[k] for k in keys))).mappings()
    for row in rows:
        key = (row["month"], row["user_id"], row["task_id"])
        if key == last:  # the same row's other side (kept, then summed, or the other way)
            if count <= limit:
                listed[-1] = replace(
                    listed[-1],
                    kept_minutes=_first(listed[-1].kept_minutes, row["kept"]),
                    record_minutes=_first(listed[-1].record_minutes, row["records"]),
                )
            continue
        count, last = count + 1, key
        if count <= limit:
            listed.append(Difference(*key, row["kept"], row["records"]))
    return count, listed


@contextmanager
def repairing(engine: Engine) -> Iterator[Connection]:
    """A transaction to compute kept totals again in while the server may be writing: on SQLite
    it holds the write lock; on PostgreSQL no record or rate changes until it ends, so nothing
    lands between wiping a row and adding it up again."""
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE day_records, user_rates IN SHARE MODE"))
        yield conn


def _first(value, other):
    return other if value is None else value


def kept_rows(conn: Connection) -> list[tuple]:
    """Every row of ``time_totals``, in key order (for checking it against a rebuild)."""
    stmt = select(time_totals).order_by(
        time_totals.c.month, time_totals.c.user_id, time_totals.c.task_id
    )
    return [tuple(r) for r in conn.execute(stmt)]
