"""Queries of totals: minutes (all, billable, billed), cost and revenue grouped as asked; the
estimates of tasks; leave beside work.

Time is read from two places that hold the same numbers at two grains: ``time_totals`` (per
user, task and month, kept by triggers in the same transaction as every change of a record) for
the whole months of a period, and ``day_records`` for its days before the first and after the
last whole month, or for all of it when grouping by day or week. Each part is one ``GROUP BY``;
the service adds the parts up. The permission matrix's condition on time entries applies to
both: it names a record's user and task, which ``time_totals`` keeps.

Both keep, beside the minutes, the minutes of entries marked billable and marked not billable
(the rest follow their task's type of work) and the minutes an invoice billed.

Neither knows tags, nor which of a record's entries are billable: a question with a tag filter,
grouped by tag, or keeping only billable (or not billable) time is summed from the counted time
entries themselves (live and not running: what the day records add up), in one part. An entry
counts once in each of its tags' groups, and under tag None without tags.

Keeping ``time_totals`` equal to the records (bulk writes, rebuilds, the check) is
:mod:`timetracker.store.kept_totals`'s.

The module is too long for the 400-line rule on purpose: the question, its two sources and the
queries over them read together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    FromClause,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)

from timetracker.store.permission_sql import on_records
from timetracker.store.schema import (
    customers,
    day_records,
    leave_entries,
    projects,
    tasks,
    time_entries,
    time_entry_tags,
    time_totals,
    types_of_work,
    user_rates,
    users,
    workflow_statuses,
)
from timetracker.store.tags import carrying_any
from timetracker.store.time_entries import COUNTS, UNJOINED_BILLABLE, UNTIMED
from timetracker.store.util import among_named, month_start, week_start

SUMS = ("minutes", "billed", "billable", "cost", "revenue")
# Dimensions a time grouping can name, and those that are properties of a task.
DIMENSIONS = ("customer", "project", "task", "user", "department", "typeOfWork", "tag", "day")
DIMENSIONS += ("week", "month")
TASK_DIMENSIONS = frozenset({"customer", "project", "task", "typeOfWork"})
PERIODS = frozenset({"day", "week", "month"})


def rate_cents(user_id, day) -> ColumnElement:
    """SQL: the user's regular rate on ``day`` in cents (0 without one), as the triggers
    compute it."""
    rate = (
        select(cast(func.round(user_rates.c.regular_rate * 100), BigInteger))
        .where(user_rates.c.user_id == user_id, user_rates.c.date_from <= day)
        .order_by(user_rates.c.date_from.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(rate, 0)


# --- what to add up ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rounding:
    """Reported time rounded ``up``, ``down`` or to the ``nearest`` multiple of ``minutes``
    (halves up), per ``entry`` or per day record (``dayTask``: a user's day on a task). A value
    on a multiple stays as it is; the stored minutes never change."""

    mode: str
    minutes: int
    scope: str

    def __call__(self, value: ColumnElement) -> ColumnElement:
        """SQL: ``value`` (whole minutes, not negative) rounded. Integer division on both
        databases; ``minutes`` is a validated integer, written into the statement."""
        step = literal_column(str(int(self.minutes)), Integer)
        if self.mode == "up":
            return (value + step - 1) // step * step
        if self.mode == "down":
            return value // step * step
        return (value + step // 2) // step * step


@dataclass(frozen=True)
class Query:
    """A totals question. Lists of ids are None when not filtered; every filter narrows (they
    are combined with AND). ``visible`` is the caller's condition on time entries (None: all),
    with ``tasks`` and ``projects`` in reach."""

    group_by: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    user_ids: Sequence[int] | None = None
    task_ids: Sequence[int] | None = None
    project_ids: Sequence[int] | None = None
    customer_ids: Sequence[int] | None = None
    type_of_work_ids: Sequence[int] | None = None
    department_ids: Sequence[int] | None = None
    tag_ids: Sequence[int] | None = None  # entries carrying any of these tags
    billable: bool | None = None
    billed: bool | None = None
    archived: bool | None = None  # projects (or their customers) archived; None: both
    visible: Any = None
    visible_key: Any = None  # what ``visible`` is a function of (the caller), for caching
    money: bool = False
    first_weekday: int = 1
    catalogue_visible: Any = None  # the caller's condition on tasks, for estimates
    leave_visible: Any = None  # the caller's condition on leave entries
    rounding: Rounding | None = None  # the company's rounding of reported time (None: none)

    @property
    def of_entries(self) -> bool:
        """Whether the question is about tags, or keeps only billable (or only not billable)
        time, which only the entries know: a day record may hold some of each."""
        return self.tag_ids is not None or "tag" in self.group_by or self.billable is not None


@dataclass(frozen=True)
class _Source:
    """A place to read time from, with its columns under common names."""

    table: FromClause
    user_id: Any
    task_id: Any
    date: Any  # a day (day_records) or a month's first day (time_totals)
    minutes: Any
    billed: Any
    cost: Any
    billed_cost: Any
    marked_billable: Any  # of minutes: marked billable, and marked not billable
    marked_unbillable: Any
    monthly: bool
    tag_id: Any = None  # the entry's tag, grouping by tag (entries only)
    where: tuple = ()  # conditions on the source's own rows
    rate: Any = None  # the user's rate in cents on the day (by row; not for months)
    filtered: bool = False  # the question's conditions on its own columns already apply


def _days(money: bool) -> _Source:
    e = day_records
    billed = e.c.billed_minutes
    rate = rate_cents(e.c.user_id, e.c.date) if money else literal(0)
    return _Source(e, e.c.user_id, e.c.task_id, e.c.date, e.c.minutes, billed,
                   e.c.minutes * rate, billed * rate, e.c.marked_billable,
                   e.c.marked_unbillable, monthly=False, rate=rate)  # fmt: skip


def _entries(query: Query) -> _Source:
    """The counted time entries; joined to their tags when grouping by tag (each entry once
    per tag, and once with tag None when it has none; with a tag filter, only those tags)."""
    e, link = time_entries, time_entry_tags
    table, tag_id, where = e, None, [COUNTS]
    named = bindparam("tag_ids", expanding=True)
    if "tag" in query.group_by:
        on = link.c.time_entry_id == e.c.id
        if query.tag_ids is not None:
            table = e.join(link, and_(on, among_named(link.c.tag_id, "tag_ids")))
        else:
            table = e.outerjoin(link, on)
        tag_id = link.c.tag_id
    elif query.tag_ids is not None:
        where.append(carrying_any(named))
    if query.billable is not None:
        where.append(UNJOINED_BILLABLE if query.billable else ~UNJOINED_BILLABLE)
    billed = case((e.c.invoice_id.is_not(None), e.c.minutes), else_=0)
    rate = rate_cents(e.c.user_id, e.c.date) if query.money else literal(0)
    marked_billable = case((e.c.billable.is_(True), e.c.minutes), else_=0)
    marked_unbillable = case((e.c.billable.is_(False), e.c.minutes), else_=0)
    return _Source(table, e.c.user_id, e.c.task_id, e.c.date, e.c.minutes, billed,
                   e.c.minutes * rate, billed * rate, marked_billable, marked_unbillable,
                   monthly=False, tag_id=tag_id, where=tuple(where), rate=rate)  # fmt: skip


def _entry_cells(query: Query, has_from: bool, has_to: bool, where: tuple = ()) -> _Source:
    """The counted entries of :func:`_entries` added up per day record (user, day, task; and
    tag when grouping by tag), the question's conditions applied: what is rounded per day and
    task when only the entries know the answer. ``where``: more conditions on the entries."""
    entries = _entries(query)
    keys = [entries.user_id.label("user_id"), entries.task_id.label("task_id"),
            entries.date.label("date")]  # fmt: skip
    if entries.tag_id is not None:
        keys.append(entries.tag_id.label("tag_id"))
    cells = (
        select(
            *keys,
            func.sum(entries.minutes).label("minutes"),
            func.sum(entries.billed).label("billed"),
            func.sum(entries.marked_billable).label("marked_billable"),
            func.sum(entries.marked_unbillable).label("marked_unbillable"),
        )
        .select_from(entries.table)
        .where(*entries.where, *where, *_own_conditions(query, entries, has_from, has_to))
        .group_by(*keys)
        .subquery("cells")
    )
    c = cells.c
    rate = rate_cents(c.user_id, c.date) if query.money else literal(0)
    tag_id = c.tag_id if entries.tag_id is not None else None
    return _Source(cells, c.user_id, c.task_id, c.date, c.minutes, c.billed, c.minutes * rate,
                   c.billed * rate, c.marked_billable, c.marked_unbillable, monthly=False,
                   tag_id=tag_id, rate=rate, filtered=True)  # fmt: skip


_MONTHS = _Source(
    time_totals,
    time_totals.c.user_id,
    time_totals.c.task_id,
    time_totals.c.month,
    time_totals.c.minutes,
    time_totals.c.billed_minutes,
    time_totals.c.cost_minute_cents,
    time_totals.c.billed_cost_minute_cents,
    time_totals.c.marked_billable,
    time_totals.c.marked_unbillable,
    monthly=True,
)


def parts(query: Query) -> list[tuple[bool, dt.date | None, dt.date | None]]:
    """The period split into (monthly, from, to) parts: the whole months from ``time_totals``,
    the days at either end from the records. Grouping by day or week reads only records, and
    a question about tags only entries. Rounded time is read by day or by entry."""
    start, end = query.date_from, query.date_to
    rounded = query.rounding is not None
    if PERIODS.intersection(query.group_by) - {"month"} or query.of_entries or rounded:
        return [(False, start, end)]
    first_month = start if start is None or start.day == 1 else next_month(start)
    after_last = end + dt.timedelta(days=1) if end is not None else None
    end_month = (
        after_last if after_last is None or after_last.day == 1 else after_last.replace(day=1)
    )
    if first_month is not None and end_month is not None and first_month >= end_month:
        return [(False, start, end)]
    result = []
    if start is not None and start < first_month:
        result.append((False, start, first_month - dt.timedelta(days=1)))
    last_month = None if end_month is None else _previous_month(end_month)
    result.append((True, first_month, last_month))
    if end is not None and end_month <= end:
        result.append((False, end_month, end))
    return result


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


def _period(query: Query, source: _Source):
    """The period dimension of the query on ``source`` (None without one)."""
    for name in query.group_by:
        if name == "day":
            return source.date
        if name == "week":
            return week_start(source.date, bindparam("first_weekday"))
        if name == "month":
            return source.date if source.monthly else month_start(source.date)
    return None


def _time_select(query: Query, source: _Source, has_from: bool, has_to: bool):
    """Two steps: the source summed per task (and user, and period, where the question needs
    them) with the conditions on its own columns, then those sums joined to the catalogue and
    grouped as asked. Summing first keeps the joins off the large table."""
    minutes, billed = source.minutes, source.billed
    cost, billed_cost = source.cost, source.billed_cost
    # The billable minutes were the task's type of work billable, and were it not.
    on_billable_work = source.minutes - source.marked_unbillable
    on_other_work = source.marked_billable
    rounding = query.rounding
    if rounding is not None:  # (never on months: see parts)
        minutes, billed = rounding(minutes), rounding(billed)
        cost, billed_cost = minutes * source.rate, billed * source.rate
        on_billable_work, on_other_work = rounding(on_billable_work), rounding(on_other_work)
    if query.billed is True:
        minutes, cost = billed, billed_cost
    elif query.billed is False:
        minutes, cost = minutes - billed, cost - billed_cost
    per_user = (
        query.visible is not None
        or query.department_ids is not None
        or bool({"user", "department"}.intersection(query.group_by))
    )
    period = _period(query, source)
    keys = [source.task_id.label("task_id")]
    if per_user:
        keys.append(source.user_id.label("user_id"))
    if period is not None:
        keys.append(period.label("period"))
    if source.tag_id is not None:
        keys.append(source.tag_id.label("tag_id"))
    conditions = list(source.where)
    if not source.filtered:
        conditions += _own_conditions(query, source, has_from, has_to)
    if query.billed is not None:
        conditions.append(minutes != 0)
    part_sums = [
        func.sum(minutes).label("minutes"),
        func.sum(billed).label("billed"),
        func.sum(on_billable_work).label("on_billable_work"),
        func.sum(on_other_work).label("on_other_work"),
    ]
    if query.money:
        part_sums.append(func.sum(cost).label("cost"))
    part = (
        select(*keys, *part_sums)
        .select_from(source.table)
        .where(*conditions)
        .group_by(*keys)
        .subquery("part")
    )

    billable = _billable_minutes(query, part)
    sums = [
        func.sum(part.c.minutes).label("minutes"),
        func.sum(part.c.billed if query.billed is not False else literal(0)).label("billed"),
        func.sum(billable).label("billable"),
    ]
    if query.money:
        revenue_rate = func.coalesce(cast(func.round(types_of_work.c.rate * 100), BigInteger), 0)
        sums += [
            func.sum(part.c.cost).label("cost"),
            func.sum(billable * revenue_rate).label("revenue"),
        ]
    dimensions = {
        "customer": projects.c.customer_id,
        "project": tasks.c.project_id,
        "task": part.c.task_id,
        "typeOfWork": tasks.c.type_of_work_id,
        "department": users.c.department_id,
    }
    if per_user:
        dimensions["user"] = part.c.user_id
    if source.tag_id is not None:
        dimensions["tag"] = part.c.tag_id
    dims = [(part.c.period if d in PERIODS else dimensions[d]).label(d) for d in query.group_by]
    joined = (
        part.join(tasks, tasks.c.id == part.c.task_id)
        .join(projects, projects.c.id == tasks.c.project_id)
        .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
    )
    if "department" in query.group_by or query.department_ids is not None:
        joined = joined.join(users, users.c.id == part.c.user_id)
    outer = []
    if query.visible is not None:  # (then the part is summed per user too)
        outer.append(on_records(query.visible, part.c.user_id, part.c.task_id))
    outer += _task_filters(query, None, time=True)
    if query.department_ids is not None:
        outer.append(among_named(users.c.department_id, "department_ids"))
    stmt = select(*dims, *sums).select_from(joined).where(*outer)
    return stmt.group_by(*dims) if dims else stmt


def _own_conditions(query: Query, source: _Source, has_from: bool, has_to: bool) -> list:
    """The question's conditions on the source's own columns: period, users, tasks."""
    conditions = []
    if has_from:
        conditions.append(source.date >= bindparam("date_from", type_=Date()))
    if has_to:
        conditions.append(source.date <= bindparam("date_to", type_=Date()))
    if query.user_ids is not None:
        conditions.append(among_named(source.user_id, "user_ids"))
    if query.task_ids is not None:
        conditions.append(among_named(source.task_id, "task_ids"))
    return conditions


def _billable_minutes(query: Query, part) -> ColumnElement[int]:
    """SQL: the billable minutes of a part's row (of one task: its type of work is joined),
    of the minutes the question counts (all, billed or not billed).

    Entries marked billable or not count as marked; the others follow the type of work. What
    an invoice billed was billable then, so the billed minutes are billable unless the type of
    work stopped being billable since, when only those marked billable stay so."""
    of_billable_work = types_of_work.c.billable.is_(True)
    billable = case((of_billable_work, part.c.on_billable_work), else_=part.c.on_other_work)
    billed_billable = case(
        (of_billable_work, part.c.billed),
        (part.c.billed < part.c.on_other_work, part.c.billed),
        else_=part.c.on_other_work,
    )
    if query.billed is True:
        return billed_billable
    if query.billed is False:
        return billable - billed_billable
    return billable


def _task_filters(query: Query, task_id, time: bool = False) -> list:
    """The filters on a record's task (tasks, projects and types of work joined). ``time``:
    for time, whose billable filter applies to each entry (the entries' part's own)."""
    pairs = (
        ("task_ids", task_id),
        ("project_ids", tasks.c.project_id),
        ("customer_ids", projects.c.customer_id),
        ("type_of_work_ids", tasks.c.type_of_work_id),
    )
    conditions = [
        among_named(column, name)
        for name, column in pairs
        if column is not None and getattr(query, name) is not None
    ]
    if query.billable is not None and not time:
        conditions.append(types_of_work.c.billable.is_(query.billable))
    if query.archived is not None:
        # A project counts as archived when it or its customer is.
        archived = or_(
            projects.c.archived.is_(True),
            projects.c.customer_id.in_(select(customers.c.id).where(customers.c.archived)),
        )
        conditions.append(archived if query.archived else ~archived)
    return conditions


# Built statements by the shape of the question: building one costs several times more than
# running it on a small period. Values are bound parameters; the caller's visibility condition
# is a function of the caller, which is part of the key.
_STATEMENTS: dict[tuple, Any] = {}
_STATEMENTS_KEPT = 1024
_LISTS = ("user_ids", "task_ids", "project_ids", "customer_ids", "type_of_work_ids")
_LISTS += ("department_ids", "tag_ids")


def _statement(query: Query, monthly: bool, has_from: bool, has_to: bool):
    key = (
        monthly, has_from, has_to, query.group_by, query.billable, query.billed,
        query.archived, query.money, query.visible_key, query.rounding,
        tuple(getattr(query, name) is not None for name in _LISTS),
    )  # fmt: skip
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        source = _MONTHS if monthly else _days(query.money)
        by_cell = query.rounding is not None and query.rounding.scope == "dayTask"
        if query.of_entries and by_cell:
            source = _entry_cells(query, has_from, has_to)
        elif query.of_entries or (query.rounding is not None and not by_cell):
            source = _entries(query)
        stmt = _STATEMENTS[key] = _time_select(query, source, has_from, has_to)
    return stmt


def bound(query: Query, **extra) -> dict[str, Any]:
    """The values of a question's bound parameters."""
    values = {name: list(getattr(query, name)) for name in _LISTS if getattr(query, name)}
    values["first_weekday"] = query.first_weekday
    return {**values, **extra}


def time_totals_of(conn: Connection, query: Query) -> list[dict[str, Any]]:
    """One row per group (or one row without grouping), summed over every part of the period:
    the group's dimensions and SUMS. Groups without time are left out."""
    pieces = []
    for monthly, date_from, date_to in parts(query):
        stmt = _statement(query, monthly, date_from is not None, date_to is not None)
        values = bound(query, date_from=date_from, date_to=date_to)
        pieces.append(conn.execute(stmt, values).mappings().all())
    return _added_up(pieces, query.group_by)


# --- a period bounded by moments -----------------------------------------------------------------

# A timed entry's day is the day of its start in its user's time zone, up to two days from the
# day of the same moment in the asker's zone (UTC-12 to UTC+14): near a moment, entries of
# those days too are read.
_ZONE_DAYS = dt.timedelta(days=2)
_DAY = dt.timedelta(days=1)


def time_totals_within(
    conn: Connection,
    query: Query,
    moment_from: tuple[int, dt.date] | None,
    moment_to: tuple[int, dt.date] | None,
) -> list[dict[str, Any]]:
    """:func:`time_totals_of` for a period bounded at either end by a moment (epoch ms, with its
    day in the asker's time zone, which is ``query``'s ``date_from`` or ``date_to``; None: that
    end is a whole day), as the entry list bounds entries: timed entries by their start (from
    the moment, up to and including the moment), untimed ones by their day. The days near a
    moment are summed from the entries, the days between them as any period."""
    low, high = query.date_from, query.date_to
    near: list[tuple[dt.date | None, dt.date | None, bool, bool]] = []  # (first, last, from, to)
    inner_low = low + _ZONE_DAYS + _DAY if moment_from is not None else low
    inner_high = high - _ZONE_DAYS - _DAY if moment_to is not None else high
    inner = inner_low is None or inner_high is None or inner_low <= inner_high
    if moment_from is not None and moment_to is not None and not inner:
        near.append((low - _ZONE_DAYS, high + _ZONE_DAYS, True, True))
    else:
        if moment_from is not None:
            last = low + _ZONE_DAYS
            if moment_to is None and high is not None:
                last = min(last, high)
            near.append((low - _ZONE_DAYS, last, True, False))
        if moment_to is not None:
            first = high - _ZONE_DAYS
            if moment_from is None and low is not None:
                first = max(first, low)
            near.append((first, high + _ZONE_DAYS, False, True))
    pieces: list[list[dict[str, Any]]] = []
    if inner:
        pieces.append(time_totals_of(conn, replace(query, date_from=inner_low, date_to=inner_high)))
    for first, last, has_from, has_to in near:
        values = bound(query, date_from=first, date_to=last)
        if has_from:
            values["moment_from"], values["moment_from_day"] = moment_from
        if has_to:
            values["moment_to"], values["moment_to_day"] = moment_to
        stmt = _near_moments(query, has_from, has_to)
        pieces.append([dict(r) for r in conn.execute(stmt, values).mappings()])
    return _added_up(pieces, query.group_by)


def _added_up(pieces: list[Sequence[Mapping[str, Any]]], group_by) -> list[dict[str, Any]]:
    """Rows of several pieces of a period added up per group (SUMS); groups without time are
    left out."""
    added: dict[tuple, dict[str, Any]] = {}
    for rows in pieces:
        for row in rows:
            if row["minutes"] is None:
                continue  # no time at all in this piece (an ungrouped SUM over no rows)
            key = tuple(row[d] for d in group_by)
            total = added.get(key)
            if total is None:
                added[key] = {**row}
                continue
            for name in SUMS:
                if name in row:
                    total[name] += row[name]
    return [row for row in added.values() if row["minutes"]]


def _near_moments(query: Query, has_from: bool, has_to: bool):
    """The statement summing the counted entries of a few days near a moment: those the moments
    bound (bound parameters ``moment_from``/``moment_to`` and their days), rounded as the
    question says (per entry, or per day and task of the entries kept)."""
    e = time_entries
    conditions = []
    if has_from:
        conditions.append(
            or_(
                and_(UNTIMED, e.c.date >= bindparam("moment_from_day", type_=Date())),
                e.c.started >= bindparam("moment_from", type_=BigInteger()),
            )
        )
    if has_to:
        conditions.append(
            or_(
                and_(UNTIMED, e.c.date <= bindparam("moment_to_day", type_=Date())),
                e.c.started <= bindparam("moment_to", type_=BigInteger()),
            )
        )
    if query.rounding is not None and query.rounding.scope == "dayTask":
        # Rounded per day and task: the entries the moments keep, added up per day record.
        return _time_select(query, _entry_cells(query, True, True, tuple(conditions)), True, True)
    source = _entries(query)
    source = replace(source, where=(*source.where, *conditions))
    return _time_select(query, source, True, True)


# --- estimates and leave ----------------------------------------------------------------------


def estimates(conn: Connection, query: Query) -> list[dict[str, Any]]:
    """Estimated minutes of the tasks matching the query's task filters that the caller sees,
    grouped by the query's task dimensions: all, of open tasks and of completed tasks."""
    estimate = func.coalesce(tasks.c.estimated_time, 0)
    is_open = workflow_statuses.c.type == "open"
    dims = [
        {
            "customer": projects.c.customer_id,
            "project": tasks.c.project_id,
            "task": tasks.c.id,
            "typeOfWork": tasks.c.type_of_work_id,
        }[d].label(d)
        for d in query.group_by
    ]
    conditions = _task_filters(query, tasks.c.id)
    if query.catalogue_visible is not None:
        conditions.append(query.catalogue_visible)
    stmt = (
        select(
            *dims,
            func.sum(estimate).label("estimated"),
            func.sum(case((is_open, estimate), else_=0)).label("active_estimated"),
            func.sum(case((is_open, 0), else_=estimate)).label("completed_estimated"),
        )
        .select_from(
            tasks.join(projects, projects.c.id == tasks.c.project_id)
            .join(types_of_work, types_of_work.c.id == tasks.c.type_of_work_id)
            .join(workflow_statuses, workflow_statuses.c.id == tasks.c.workflow_status_id)
        )
        .where(*conditions)
    )
    if dims:
        stmt = stmt.group_by(*dims)
    return [
        dict(r) for r in conn.execute(stmt, bound(query)).mappings() if r["estimated"] is not None
    ]


def leave(conn: Connection, query: Query) -> list[dict[str, Any]]:
    """Leave minutes per leave type, grouped by the query's user and period dimensions."""
    le = leave_entries
    expressions = {
        "user": le.c.user_id,
        "department": users.c.department_id,
        "day": le.c.date,
        "week": week_start(le.c.date, bindparam("first_weekday")),
        "month": month_start(le.c.date),
    }
    dims = [expressions[d].label(d) for d in query.group_by]
    conditions = [c for c in (query.leave_visible,) if c is not None]
    if query.date_from is not None:
        conditions.append(le.c.date >= query.date_from)
    if query.date_to is not None:
        conditions.append(le.c.date <= query.date_to)
    if query.user_ids is not None:
        conditions.append(le.c.user_id.in_(query.user_ids))
    source = le
    if "department" in query.group_by or query.department_ids is not None:
        source = le.join(users, users.c.id == le.c.user_id)
        if query.department_ids is not None:
            conditions.append(users.c.department_id.in_(query.department_ids))
    stmt = (
        select(*dims, le.c.leave_type_id, func.sum(le.c.minutes).label("minutes"))
        .select_from(source)
        .where(*conditions)
        .group_by(*dims, le.c.leave_type_id)
    )
    return [dict(r) for r in conn.execute(stmt, bound(query)).mappings()]
