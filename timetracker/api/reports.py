"""Reports over time-track: the detailed report (one row per record, JSON pages or a streamed
CSV, Excel or PDF file of every matching record), and the summary, projects and users reports
(totals, as JSON, CSV, Excel or PDF)."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api import totals as totals_api
from timetracker.api.common import Blueprint, doc
from timetracker.api.documents import (
    REPORT_MEDIA_TYPES,
    document_response,
    documented,
    export_format,
)
from timetracker.schemas import reports as s
from timetracker.schemas import totals as ts
from timetracker.schemas.common import MAX_QUERY_LIMIT
from timetracker.services import reports, totals
from timetracker.store.db import get_db, get_engine

PDF_DETAILED = "a table of the rows, a subtotal under each day's and the total at the end"
PDF_TOTALS = totals_api.PDF_TOTALS
PDF_PER_OBJECT = (
    "a table of every matching {kind} with its totals and the total at the end, then a chart "
    "of their hours per day, week or month split by {kind} and one of each project's share"
)
_pdf = totals_api.pdf
blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="Reports over time-track. Anyone authenticated may ask; each report covers "
    "only the records the caller may read (those GET /timetrack shows them).",
)

DETAILED_CSV_EXAMPLE = (
    ",".join(reports.DETAILED_HEADER)
    + "\r\n2026-01-05,7,John Smith,1,Big Bang Company,1,Flight operations,1,Launch planning,"
    + '1,Development,120,"Checked the fuel, twice",true,false,\r\n'
)


TOTALS_EXAMPLE = totals_api.EXAMPLE
PROJECT_FIELDS = ("id", "name", "customerId", "customerName", "archived")
USER_FIELDS = ("id", "fullName", "departmentId", "timeZoneGroupId", "active")
_TOTALS_HEADER = "totalMinutes,billableMinutes,nonBillableMinutes,billedMinutes,nonBilledMinutes"
_TOTALS_HEADER += ",totalHours,billableHours,nonBillableHours,billedHours,nonBilledHours"
_TOTALS_ROW = "600,480,120,240,360,10.0,8.0,2.0,4.0,6.0"
SUMMARY_CSV_EXAMPLE = f"projectId,projectName,{_TOTALS_HEADER}\r\n3,Website,{_TOTALS_ROW}\r\n"
PROJECTS_CSV_EXAMPLE = (
    f"{','.join(PROJECT_FIELDS)},{_TOTALS_HEADER}\r\n3,Website,1,Acme,false,{_TOTALS_ROW}\r\n"
)
USERS_CSV_EXAMPLE = (
    f"{','.join(USER_FIELDS)},{_TOTALS_HEADER}\r\n7,John Smith,2,1,true,{_TOTALS_ROW}\r\n"
)


@blp.route("/reports/detailed")
class Detailed(MethodView):
    @blp.arguments(s.DetailedReportArgs, location="query")
    @blp.response(200, s.DetailedReportSchema)
    @documented(blp, DETAILED_CSV_EXAMPLE, PDF_DETAILED)
    @blp.errors()
    @doc(
        """Detailed report: one row per time-track record

        The records from `dateFrom` (to `dateTo`) the caller may read, exactly those
        `GET /timetrack` lists for them, with the names of their user, customer, project, task
        and type of work; `billable` is the task's type of work's, `billed` says an invoice
        billed it (`invoiceId`). Ordered by date, user id and task id. Filters combine with AND
        (unlike `GET /timetrack`, where `taskIds` wins over `projectIds` and `customerIds`).
        JSON pages with `offset` and `limit`; with format=csv (or Accept: text/csv) the answer is
        CSV, streamed: a header line, then every matching record (no paging). Text starting
        with =, +, -, @, a tab or a carriage return is prefixed with ' so that spreadsheets do
        not run it as a formula. With format=xlsx (or the Accept header of Excel) the same rows
        are an Excel file, with the minutes in hours too, and with format=pdf (or Accept:
        application/pdf) a PDF document of them: at most 150,000 rows (400
        api.error.too_many_rows beyond; CSV and Excel hold any number).

        With grain=entry the rows are the time entries the records add up (live and stopped),
        ordered by date, user, start (untimed first) and id, with `entryId`, `start`, `end`
        and `description` in place of the record's `comment`; `billable` is then the entry's
        own (its task's type of work's unless set on the entry).
        """
    )
    def get(self, args):
        caller = current_caller()
        if chosen := export_format(args, REPORT_MEDIA_TYPES):
            rows = reports.detailed_rows(get_engine(), caller, args)
            header, schemas = reports.detailed_header(args), [s.DetailedRowSchema]
            if chosen == "pdf":
                from timetracker.api.pdf_reports import detailed_pdf

                reports.check_pdf_rows(reports.detailed_count(get_db(), caller, args))
                return _pdf(lambda: detailed_pdf(header, rows, args), "detailed-report.pdf")
            return document_response(chosen, header, rows, "detailed-report", schemas)
        return reports.detailed(get_db(), caller, args)


def _pages(list_page, args) -> list:
    """Every item of a paged list (a CSV or Excel file holds them all): pages of the largest
    size."""
    items, offset = [], 0
    while True:
        page = list_page({**args, "offset": offset, "limit": MAX_QUERY_LIMIT})
        items += page["items"]
        if len(page["items"]) < MAX_QUERY_LIMIT:
            return {**page, "items": items}
        offset += MAX_QUERY_LIMIT


def _per_object(args, list_page, schema, item_schema, fields, name: str):
    """A page of projects or users with their totals, or as CSV, Excel or PDF every matching
    one."""
    caller, conn = current_caller(), get_db()
    chosen = export_format(args, REPORT_MEDIA_TYPES)
    if not chosen:
        return list_page(conn, caller, args)
    dumped = schema().dump(_pages(lambda a: list_page(conn, caller, a), args))
    header, rows = reports.per_object_table(dumped, fields)
    if chosen == "pdf":
        from timetracker.api.pdf_reports import per_object_pdf

        kind = name[:-1]
        ids = [item["id"] for item in dumped["items"]]
        chart = None
        if ids:
            narrowed = {**totals.list_filters(args, kind), f"{kind}_ids": ids}
            chart = reports.chart_hours(conn, caller, narrowed, kind, ts.TotalsAnswerSchema().dump)
        return _pdf(lambda: per_object_pdf(name, header, rows, args, chart), f"{name}-report.pdf")
    schemas = [item_schema, ts.TotalsSchema]
    return document_response(chosen, header, rows, f"{name}-report", schemas)


@blp.route("/reports/summary")
class Summary(MethodView):
    @blp.arguments(s.SummaryReportArgs, location="query")
    @blp.response(200, ts.TotalsAnswerSchema, example=TOTALS_EXAMPLE)
    @documented(blp, SUMMARY_CSV_EXAMPLE, PDF_TOTALS)
    @blp.errors()
    @doc("""Summary report: totals grouped as asked

    The answer of GET /timetrack/totals (its filters, groupBy and rules). As CSV or Excel, one
    line per group (one line without groupBy): the group's ids and names, then its totals. A
    name is given where your own GET of the object answers it (as in includeReferenced) and
    left empty for objects you may read the time of but not GET (in PDF: `#` and its id). As
    PDF, the same groups, then charts of the same records' hours.
    """)
    def get(self, args):
        caller = current_caller()
        if chosen := export_format(args, REPORT_MEDIA_TYPES):
            if chosen == "pdf":
                return totals_api.totals_pdf(args, "Summary report", "summary-report.pdf")
            header, rows = reports.summary_table(
                get_db(), caller, args, ts.TotalsAnswerSchema().dump
            )
            schemas = [ts.TotalsGroupSchema, ts.TotalsSchema]
            return document_response(chosen, header, rows, "summary-report", schemas)
        return totals_api.answer_response(totals.totals(get_db(), caller, args))


@blp.route("/reports/projects")
class Projects(MethodView):
    @blp.arguments(s.ProjectsReportArgs, location="query")
    @blp.response(200, ts.ProjectTotalsListSchema)
    @documented(blp, PROJECTS_CSV_EXAMPLE, PDF_PER_OBJECT.format(kind="project"))
    @blp.errors()
    @doc("""Projects report: each project's totals and estimates over a period

    As GET /projects/totals (the projects list's filters, sort and paging). As CSV, Excel or
    PDF, every matching project, one line each.
    """)
    def get(self, args):
        return _per_object(
            args,
            totals.project_list,
            ts.ProjectTotalsListSchema,
            ts.ProjectWithTotalsSchema,
            PROJECT_FIELDS,
            "projects",
        )


@blp.route("/reports/users")
class Users(MethodView):
    @blp.arguments(s.UsersReportArgs, location="query")
    @blp.response(200, ts.UserTotalsListSchema)
    @documented(blp, USERS_CSV_EXAMPLE, PDF_PER_OBJECT.format(kind="user"))
    @blp.errors()
    @doc("""Users report: each user's totals (and leave) over a period

    The users list (its filters, sort and paging: the users you may see), each user with the
    totals of their time you may read, and their leave when no task filter is given. As CSV
    or Excel, every matching user, one line each.
    """)
    def get(self, args):
        return _per_object(
            args,
            totals.user_list,
            ts.UserTotalsListSchema,
            ts.UserWithTotalsSchema,
            USER_FIELDS,
            "users",
        )


blueprints = [blp]
