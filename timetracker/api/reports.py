"""Reports over time-track. The detailed report: one row per record, JSON pages or a streamed
CSV of every matching record."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.api.csv_stream import csv_documented, csv_response, wants_csv
from timetracker.schemas import reports as s
from timetracker.services import reports
from timetracker.store.db import get_db, get_engine

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Reports over time-track. Anyone authenticated may ask; each report covers "
    "only the records the caller may read (those GET /timetrack shows them).",
)

DETAILED_CSV_EXAMPLE = (
    ",".join(reports.DETAILED_HEADER)
    + "\r\n2026-01-05,7,John Smith,1,Big Bang Company,1,Flight operations,1,Launch planning,"
    + '1,Development,120,"Checked the fuel, twice",true,false,\r\n'
)


@blp.route("/detailed")
class Detailed(MethodView):
    @blp.arguments(s.DetailedReportArgs, location="query")
    @blp.response(200, s.DetailedReportSchema)
    @csv_documented(blp, DETAILED_CSV_EXAMPLE)
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
        not run it as a formula.
        """
    )
    def get(self, args):
        caller = current_caller()
        if wants_csv(args):
            rows = reports.detailed_rows(get_engine(), caller, args)
            return csv_response(reports.DETAILED_HEADER, rows, "detailed-report.csv")
        return reports.detailed(get_db(), caller, args)


blueprints = [blp]
