"""Rules of the reports.

The detailed report lists the time-track records the caller may read, exactly those
``GET /timetrack`` shows them (``access.timetrack_filter``): anyone authenticated may ask, and
gets only their reach. Each function checks the arguments and works out the caller's condition
before it returns, so a streamed answer can no longer be refused once it has begun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError
from timetracker.schemas.time_entries import instants_as_text
from timetracker.services import totals
from timetracker.services.periods import check_range
from timetracker.store import reports as store

DETAILED_HEADER: Sequence[str] = store.DETAILED_HEADER  # grain=record's
# The most rows a PDF of the detailed report holds (about 2,700 pages): fpdf2 keeps a document's
# pages until it is written, so the server's memory grows with them (``bench/bench_pdf.py``);
# more rows are refused (CSV and Excel stream any number).
MAX_PDF_ROWS = 150_000


def _detailed_statement(caller: Caller, args: Mapping[str, Any], text: bool = False):
    date_from, date_to = args["dateFrom"], args.get("dateTo")
    check_range(date_from, date_to)
    visible = access.timetrack_filter(caller)
    return store.detailed_statement(visible, args, date_from, date_to, text=text)


def detailed(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the detailed report: ``{offset, limit, items}``."""
    statement = _detailed_statement(caller, args)
    offset, limit = args.get("offset", 0), args.get("limit", 1000)
    items = store.detailed_page(conn, statement, offset, limit)
    return {"offset": offset, "limit": limit, "items": items}


def detailed_header(args: Mapping[str, Any]) -> Sequence[str]:
    """The detailed report's columns for its grain (``record`` or ``entry``)."""
    return store.GRAINS[args.get("grain", "record")].header


def detailed_rows(engine: Engine, caller: Caller, args: Mapping[str, Any]) -> Iterator[tuple]:
    """Every row of the detailed report (no paging), as tuples in :func:`detailed_header`'s
    order, read lazily through a connection of their own: the CSV export's rows. An entry's
    start and end are written as the JSON answers them (UTC instants)."""
    rows = store.detailed_rows(engine, _detailed_statement(caller, args, text=True))
    return instants_as_text(rows, detailed_header(args))


def detailed_count(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> int:
    """How many rows :func:`detailed_rows` gives (a progress bar's total)."""
    return store.detailed_count(conn, _detailed_statement(caller, args))


def check_pdf_rows(count: int) -> None:
    """Refuse a PDF of more than :data:`MAX_PDF_ROWS` rows (400 api.error.too_many_rows)."""
    if count > MAX_PDF_ROWS:
        raise ApiError(
            400,
            "too_many_rows",
            f"A PDF holds at most {MAX_PDF_ROWS:,} rows and this report has {count:,}: "
            "narrow the period or the filters, or ask for CSV or Excel",
            fields="format",
        )


# --- reports of totals: summary (grouped as asked), per project, per user ----------------------

# The totals columns of a CSV row, in the document's order; optional ones appear when the
# answer carries them (estimates where tasks are grouped, money for those who may see it).
TOTALS_COLUMNS = (
    "totalMinutes", "billableMinutes", "nonBillableMinutes", "billedMinutes",
    "nonBilledMinutes", "totalHours", "billableHours", "nonBillableHours", "billedHours",
    "nonBilledHours", "estimatedMinutes", "activeEstimatedMinutes", "completedEstimatedMinutes",
    "estimatedHours", "activeEstimatedHours", "completedEstimatedHours", "leaveTotalMinutes",
    "leaveTotalHours", "cost", "revenue",
)  # fmt: skip
# groupBy dimension -> (id column, the includeReferenced map, the name column, its name field)
_NAMED = {
    "customer": ("customerId", "customers", "customerName", "name"),
    "project": ("projectId", "projects", "projectName", "name"),
    "task": ("taskId", "tasks", "taskName", "name"),
    "user": ("userId", "users", "userName", "fullName"),
    "department": ("departmentId", "departments", "departmentName", "name"),
    "typeOfWork": ("typeOfWorkId", "typesOfWork", "typeOfWorkName", "name"),
    "tag": ("tagId", "tags", "tagName", "name"),
}
_PERIOD_COLUMNS = {"day": "date", "week": "week", "month": "month"}


def _totals_columns(sample: Mapping[str, Any]) -> list[str]:
    return [c for c in TOTALS_COLUMNS if c in sample]


def summary_table(
    conn: Connection, caller: Caller, args: Mapping[str, Any], present
) -> tuple[list[str], list[list[Any]]]:
    """The summary report as CSV rows: a row per group (or one row without grouping) with the
    group's ids and names and its totals. ``present`` dumps the answer as the API shows it."""
    header, rows, _ = summary_answer(conn, caller, args, present)
    return header, rows


def summary_answer(
    conn: Connection, caller: Caller, args: Mapping[str, Any], present
) -> tuple[list[str], list[list[Any]], Mapping[str, Any]]:
    """:func:`summary_table`'s header and rows, and the dumped answer they come from (its
    overall ``totals``: the PDF's total row)."""
    group_by = list(args.get("groupBy") or ())
    wanted = [_NAMED[d][1] for d in group_by if d in _NAMED]
    answer = present(totals.totals(conn, caller, {**args, "includeReferenced": wanted}))
    groups = answer["groups"] or [{"totals": answer["totals"]}]
    columns = _totals_columns(groups[0]["totals"])
    header: list[str] = []
    for dimension in group_by:
        if dimension in _NAMED:
            header += [_NAMED[dimension][0], _NAMED[dimension][2]]
        else:
            header.append(_PERIOD_COLUMNS[dimension])
    rows = []
    for group in groups:
        row: list[Any] = []
        for dimension in group_by:
            if dimension in _NAMED:
                key, kind, _, field = _NAMED[dimension]
                found = answer.get(kind, {}).get(str(group.get(key)), {})
                row += [group.get(key), found.get(field)]
            else:
                row.append(group.get(_PERIOD_COLUMNS[dimension]))
        rows.append(row + [group["totals"].get(c) for c in columns])
    return header + columns, rows, answer


def per_object_table(
    page: Mapping[str, Any], leading: Sequence[str]
) -> tuple[list[str], list[list[Any]]]:
    """The projects or users report (a dumped page with totals) as CSV rows: the ``leading``
    fields of each item, then its totals."""
    items = page["items"]
    columns = _totals_columns(items[0]["totals"]) if items else list(TOTALS_COLUMNS[:10])
    rows = [
        [item.get(f) for f in leading] + [item["totals"].get(c) for c in columns] for item in items
    ]
    return list(leading) + columns, rows


# --- the charts of the PDF documents -------------------------------------------------------

_SPLIT_NAMES = {
    "project": ("projectId", "projects", "name"),
    "user": ("userId", "users", "fullName"),
}


def chart_period(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """The bars' period for a report's span: days up to two months, weeks up to two years,
    months beyond (and without both ends)."""
    if date_from is None or date_to is None:
        return "month"
    days = (date_to - date_from).days + 1
    return "day" if days <= 62 else "week" if days <= 731 else "month"


def chart_hours(
    conn: Connection, caller: Caller, args: Mapping[str, Any], split: str, present
) -> tuple[str, dict[str, dict[str, float]], dict[str, float]]:
    """The hours of a report's records for its charts, within the report's filters: per period
    (:func:`chart_period`, keyed ``YYYY-MM-DD``, its first day) and per project or user
    (``split``, by name), and per project overall. Answers the period and the two maps."""
    period = chart_period(args.get("dateFrom"), args.get("dateTo"))
    query = {k: v for k, v in args.items() if k not in ("groupBy", "includeReferenced", "format")}
    by_period: dict[str, dict[str, float]] = {}
    answer = present(
        totals.totals(
            conn, caller, {**query, "groupBy": [period, split],
                           "includeReferenced": [_SPLIT_NAMES[split][1]]}
        )
    )  # fmt: skip
    for group in answer["groups"]:
        name = _name_of(answer, split, group)
        day = group[{"day": "date"}.get(period, period)]
        hours = group["totals"]["totalMinutes"] / 60
        by_period.setdefault(day, {})
        by_period[day][name] = by_period[day].get(name, 0.0) + hours
    if split != "project":
        answer = present(
            totals.totals(conn, caller, {**query, "groupBy": ["project"],
                                         "includeReferenced": ["projects"]})
        )  # fmt: skip
    by_project: dict[str, float] = {}
    for group in answer["groups"]:
        name = _name_of(answer, "project", group)
        by_project[name] = by_project.get(name, 0.0) + group["totals"]["totalMinutes"] / 60
    return period, by_period, by_project


def _name_of(answer: Mapping[str, Any], split: str, group: Mapping[str, Any]) -> str:
    key, kind, field = _SPLIT_NAMES[split]
    found = answer.get(kind, {}).get(str(group.get(key)), {})
    return found.get(field) or f"#{group.get(key)}"
