"""The PDF documents of the reports, the totals and the invoices: what each one shows of the
service's answer (the same rows as its CSV and Excel files), laid out by
:mod:`timetracker.api.pdf_document` with the charts of :mod:`timetracker.api.pdf_charts`.

- The detailed report: a table of its rows, a subtotal under each day's, the total at the end.
- The summary report and the totals: a row per group (the groups' names, minutes and hours),
  a subtotal per value of the first dimension when grouped by more than one, the overall
  totals at the end; then the charts.
- The projects and users reports: a row per project or user, the total at the end; then the
  charts.
- An invoice: its number, period and customers, a line per task it billed (minutes, hours,
  the type of work's rate, the amount), a subtotal per project and the total.

The charts show the hours of the report's records per day (up to two months), week (up to two
years) or month as bars split by project (by user where the report is about users), and each
project's share of the hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from timetracker.api.pdf_charts import share_bars, stacked_bars
from timetracker.api.pdf_document import PdfColumn, ReportPdf, hours_text, yes_no

_QUIET_ARGS = {"format", "offset", "limit", "includeReferenced", "sort", "grain"}
# Query arguments (as loaded: some by attribute) and the words that name them in a title.
_LABELS = {
    "groupBy": "Grouped by",
    "user_ids": "Users",
    "department_ids": "Departments",
    "customer_ids": "Customers",
    "project_ids": "Projects",
    "task_ids": "Tasks",
    "type_of_work_ids": "Types of work",
    "tag_ids": "Tags",
    "time_zone_group_ids": "Time zone groups",
    "billable": "Billable",
    "billed": "Billed",
    "archived": "Archived",
    "active": "Active",
}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe(args: Mapping[str, Any]) -> list[str]:
    """The lines under a document's title: its period, then its filters (ids as given)."""
    date_from, date_to = args.get("dateFrom"), args.get("dateTo")
    if date_from or date_to:
        period = f"Period: {date_from or 'the first day'} to {date_to or 'the last day'}"
    else:
        period = "Period: all time"
    filters = [
        f"{_LABELS.get(key, key)}: {_shown(value)}"
        for key, value in args.items()
        if key not in _QUIET_ARGS | {"dateFrom", "dateTo"}
        and value not in (None, [], ())
        and not (key == "archived" and value == "all")  # the default: no filter
    ]
    lines = [period]
    if filters:
        lines.append("Filters: " + "; ".join(filters))
    else:
        lines.append("Filters: none")
    return lines


def _minutes(value: Any) -> str:
    return str(value)


def _money(value: Any) -> str:
    return f"{float(value):,.2f}"


# --- the detailed report -------------------------------------------------------------------

_DETAILED_COLUMNS = {
    "date": PdfColumn("Date", 1.05),
    "userName": PdfColumn("User", 1.4),
    "customerName": PdfColumn("Customer", 1.4),
    "projectName": PdfColumn("Project", 1.4),
    "taskName": PdfColumn("Task", 1.4),
    "typeOfWorkName": PdfColumn("Type of work", 1.1),
    "start": PdfColumn("Start (UTC)", 1.5, show=lambda v: str(v).replace("T", " ")[:16]),
    "end": PdfColumn("End (UTC)", 1.5, show=lambda v: str(v).replace("T", " ")[:16]),
    "comment": PdfColumn("Comment", 2.2),
    "description": PdfColumn("Description", 2.0),
    "billable": PdfColumn("Billable", 0.8, show=yes_no),
    "billed": PdfColumn("Billed", 0.65, show=yes_no),
    "minutes": PdfColumn("Minutes", 0.85, "R", _minutes),
}
HOURS = PdfColumn("Hours", 0.7, "R", hours_text)


def detailed_pdf(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    args: Mapping[str, Any],
    on_rows: Callable[[int], None] | None = None,
) -> ReportPdf:
    """The detailed report's document of ``rows`` (tuples in ``header``'s order, as its CSV's):
    ``on_rows(n)`` hears of every ``n`` rows drawn (a progress bar)."""
    grain = args.get("grain", "record")
    title = "Detailed report" + (" (time entries)" if grain == "entry" else "")
    pdf = ReportPdf(title, describe(args))
    shown = [name for name in header if name in _DETAILED_COLUMNS]
    at = [header.index(name) for name in shown]
    minutes_at = header.index("minutes")
    date_at = header.index("date")
    hours_column = shown.index("minutes") + 1  # hours follow minutes
    columns = [_DETAILED_COLUMNS[name] for name in shown]
    pdf.start_table(columns[:hours_column] + [HOURS] + columns[hours_column:])

    def sums(label: str, minutes: int) -> list[Any]:
        values: list[Any] = [label] + [None] * len(shown)
        values[hours_column - 1] = values[hours_column] = minutes
        return values

    day, day_minutes, total, count, pending = None, 0, 0, 0, 0
    for row in rows:
        if row[date_at] != day:
            if day is not None:
                pdf.total_row(sums(f"Total {day}", day_minutes))
            day, day_minutes = row[date_at], 0
        minutes = row[minutes_at] or 0
        values = [row[i] for i in at]
        pdf.row(values[:hours_column] + [minutes] + values[hours_column:])
        day_minutes += minutes
        total += minutes
        count += 1
        pending += 1
        if on_rows is not None and pending == 1000:
            on_rows(pending)
            pending = 0
    if day is not None:
        pdf.total_row(sums(f"Total {day}", day_minutes))
    label = f"Total ({count} {'entries' if grain == 'entry' else 'records'})"
    pdf.total_row(sums(label, total), final=True)
    if on_rows is not None and pending:
        on_rows(pending)
    return pdf


# --- the summary report and the totals -----------------------------------------------------

_NAME_COLUMNS = {
    "customerName": "Customer",
    "projectName": "Project",
    "taskName": "Task",
    "userName": "User",
    "departmentName": "Department",
    "typeOfWorkName": "Type of work",
    "tagName": "Tag",
    "date": "Day",
    "week": "Week",
    "month": "Month",
}
# Totals columns of the documents: (the answer's key, heading, weight, how it shows).
_TOTALS_COLUMNS = (
    ("totalMinutes", "Minutes", 0.8, _minutes),
    ("totalMinutes", "Hours", 0.7, hours_text),
    ("billableMinutes", "Billable h", 0.75, hours_text),
    ("nonBillableMinutes", "Non-billable h", 0.9, hours_text),
    ("billedMinutes", "Billed h", 0.7, hours_text),
    ("nonBilledMinutes", "Not billed h", 0.8, hours_text),
    ("estimatedMinutes", "Estimated h", 0.8, hours_text),
    ("leaveTotalMinutes", "Leave h", 0.7, hours_text),
    ("cost", "Cost", 0.85, _money),
    ("revenue", "Revenue", 0.85, _money),
)


def _totals_columns(present: Sequence[str]) -> list[tuple[str, PdfColumn]]:
    return [
        (key, PdfColumn(heading, weight, "R", show))
        for key, heading, weight, show in _TOTALS_COLUMNS
        if key in present
    ]


def summary_pdf(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    answer: Mapping[str, Any],
    args: Mapping[str, Any],
    chart: tuple[str, Mapping[str, Mapping[str, float]], Mapping[str, float]] | None,
    split: str = "project",
) -> ReportPdf:
    """The summary report's (or the totals') document: ``header`` and ``rows`` are its CSV's
    (:func:`timetracker.services.reports.summary_answer`), ``answer`` the dumped totals whose
    overall ``totals`` close the table, ``chart`` the hours of
    :func:`timetracker.services.reports.chart_hours`."""
    pdf = ReportPdf(title, describe(args))
    names = [
        (n, name)
        for n, name in enumerate(header)
        if name in _NAME_COLUMNS or (name.endswith("Id") and f"{name[:-2]}Name" not in header)
    ]
    ids = {name: header.index(name[:-4] + "Id") for _, name in names if name.endswith("Name")}
    columns = [
        PdfColumn(_NAME_COLUMNS.get(name, name), 1.6 if name.endswith("Name") else 1.0)
        for _, name in names
    ]
    if not columns:
        columns = [PdfColumn("", 1.6)]
    figures = _totals_columns(header)
    pdf.section("Totals")
    pdf.start_table(columns + [column for _, column in figures])
    at = {name: n for n, name in enumerate(header)}

    def label(row: Sequence[Any], n: int, name: str) -> Any:
        value = row[n]
        if value is None and name in ids and row[ids[name]] is not None:
            return f"#{row[ids[name]]}"  # a name the caller may not read
        if value is None and name.endswith("Name"):
            return "(none)"
        return value

    def figures_of(values: Mapping[str, Any]) -> list[Any]:
        return [values.get(key) for key, _ in figures]

    grouped = bool(answer.get("groupBy"))
    first, sums = None, {}
    nested = len(names) > 1
    for row in rows:
        labels = [label(row, n, name) for n, name in names] if names else ["All"]
        if nested and first is not None and labels[0] != first:
            pdf.total_row([f"Total {first}", *[None] * (len(columns) - 1), *figures_of(sums)])
            sums = {}
        first = labels[0]
        values = {key: row[at[key]] for key, _ in figures}
        for key, value in values.items():
            sums[key] = (sums.get(key) or 0) + (value or 0)
        pdf.row(labels + figures_of(values))
    if nested and first is not None:
        pdf.total_row([f"Total {first}", *[None] * (len(columns) - 1), *figures_of(sums)])
    if grouped:
        overall = answer["totals"]
        pdf.total_row(["Total", *[None] * (len(columns) - 1), *figures_of(overall)], final=True)
    if chart is not None:
        _charts(pdf, chart, split)
    return pdf


def _charts(
    pdf: ReportPdf,
    chart: tuple[str, Mapping[str, Mapping[str, float]], Mapping[str, float]],
    split: str,
) -> None:
    period, by_period, by_project = chart
    if not by_period:
        return
    pdf.section(f"Hours per {period}, by {split}")
    stacked_bars(pdf, sorted(by_period), by_period)
    pdf.section("Share of the hours by project")
    share_bars(pdf, by_project)


# --- the projects and users reports --------------------------------------------------------

_PER_OBJECT = {
    "projects": (("name", "Project", 2.0), ("customerName", "Customer", 1.8)),
    "users": (("fullName", "User", 2.5),),
}


def per_object_pdf(
    kind: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    args: Mapping[str, Any],
    chart: tuple[str, Mapping[str, Mapping[str, float]], Mapping[str, float]] | None,
) -> ReportPdf:
    """The projects or users report's document (``kind``): a row per item of its CSV's
    ``header`` and ``rows``, the total at the end (the items' time does not overlap), then the
    charts."""
    pdf = ReportPdf(f"{kind.capitalize()} report", describe(args))
    leading = _PER_OBJECT[kind]
    figures = _totals_columns(header)
    at = {name: n for n, name in enumerate(header)}
    pdf.section("Totals")
    pdf.start_table(
        [PdfColumn(heading, weight) for _, heading, weight in leading]
        + [column for _, column in figures]
    )
    sums: dict[str, Any] = {}
    for row in rows:
        for key in {key for key, _ in figures}:
            sums[key] = (sums.get(key) or 0) + (row[at[key]] or 0)
        pdf.row([row[at[name]] for name, _, _ in leading] + [row[at[key]] for key, _ in figures])
    label = f"Total ({len(rows)} {kind})"
    filler = [None] * (len(leading) - 1)
    pdf.total_row([label, *filler, *[sums.get(key, 0) for key, _ in figures]], final=True)
    if chart is not None:
        _charts(pdf, chart, "project" if kind == "projects" else "user")
    return pdf


# --- invoices ------------------------------------------------------------------------------

_INVOICE_COLUMNS = [
    PdfColumn("Project", 2.0),
    PdfColumn("Task", 2.0),
    PdfColumn("Type of work", 1.4),
    PdfColumn("Minutes", 0.8, "R", _minutes),
    PdfColumn("Hours", 0.7, "R", hours_text),
    PdfColumn("Rate", 0.8, "R", _money),
    PdfColumn("Amount", 1.0, "R", _money),
]


def invoice_amount(minutes: int, rate: Any) -> float:
    """A line's amount: its hours at the rate, to the cent (no rate: nothing)."""
    if rate is None:
        return 0.0
    return round(minutes * float(rate) / 60, 2)


def invoice_pdf(
    invoice: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], currency: str
) -> ReportPdf:
    """An invoice's document: ``invoice`` as the API answers it, ``lines`` the minutes per task
    (:func:`timetracker.services.invoices.document_of`)."""
    created = dt.datetime.fromtimestamp(invoice["created"] / 1000, dt.UTC).date()
    customers = sorted({line["customer_name"] for line in lines})
    pdf = ReportPdf(
        f"Invoice {invoice['number']}",
        [
            f"Period: {invoice['dateFrom']} to {invoice['dateTo']}",
            f"Customer: {', '.join(customers) if customers else '(no billed time)'}",
            f"Issued: {created.isoformat()}; amounts in {currency}",
        ],
        landscape=False,
    )
    pdf.section("Lines")
    pdf.start_table(_INVOICE_COLUMNS)
    project, project_minutes, project_amount = None, 0, 0.0
    total_minutes, total_amount = 0, 0.0

    def subtotal() -> None:
        pdf.total_row(
            [f"Total {project[1]}", None, None, project_minutes, project_minutes, None,
             project_amount]
        )  # fmt: skip

    for line in lines:
        key = (line["project_id"], line["project_name"])
        if project is not None and key != project:
            subtotal()
            project_minutes, project_amount = 0, 0.0
        project = key
        minutes = int(line["minutes"])
        amount = invoice_amount(minutes, line["rate"])
        pdf.row([line["project_name"], line["task_name"], line["type_of_work_name"], minutes,
                 minutes, line["rate"], amount])  # fmt: skip
        project_minutes += minutes
        project_amount += amount
        total_minutes += minutes
        total_amount += amount
    if project is not None:
        subtotal()
    pdf.total_row(
        ["Total", None, None, total_minutes, total_minutes, None, round(total_amount, 2)],
        final=True,
    )
    reported = invoice.get("reportedMinutes")
    if reported is not None and reported != total_minutes:  # the company rounds reported time
        pdf.total_row(["Reported (rounded)", None, None, reported, reported, None, None])
    return pdf
