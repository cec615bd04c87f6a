"""Totals of tracked time: for the whole company or any part of it, grouped as asked, and per
customer, project, task and user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.api.documents import PDF_MEDIA_TYPE, export_format, pdf_documented
from timetracker.schemas import totals as s
from timetracker.services import reports, totals
from timetracker.store.db import get_db

blp = Blueprint(
    "totals",
    __name__,
    url_prefix="/api/v1",
    description="Totals of tracked time: all, billable and non-billable (each time entry's own "
    "billable flag, or its task's type of work without one), billed and non-billed "
    "(invoices), in minutes and hours, rounded as the company's time entry settings say; "
    "estimates where tasks are grouped or addressed; cost and revenue for Manage Cost & "
    "Billing Data over the counted users (or Manage Accounts & Permissions). Totals count "
    "exactly the records GET /timetrack lists to the caller. Every filter narrows (they "
    "combine with AND).",
)

_EXAMPLE_TOTALS = {
    "totalMinutes": 600,
    "billableMinutes": 480,
    "nonBillableMinutes": 120,
    "billedMinutes": 240,
    "nonBilledMinutes": 360,
    "totalHours": 10.0,
    "billableHours": 8.0,
    "nonBillableHours": 2.0,
    "billedHours": 4.0,
    "nonBilledHours": 6.0,
    "estimatedMinutes": 1200,
    "activeEstimatedMinutes": 900,
    "completedEstimatedMinutes": 300,
    "estimatedHours": 20.0,
    "activeEstimatedHours": 15.0,
    "completedEstimatedHours": 5.0,
}
EXAMPLE = {
    "dateFrom": "2026-11-01",
    "dateTo": "2026-11-30",
    "groupBy": ["project"],
    "totals": _EXAMPLE_TOTALS,
    "groups": [{"projectId": 3, "totals": _EXAMPLE_TOTALS}],
}

PROJECTS_EXAMPLE = {
    "offset": 0,
    "limit": 1000,
    "items": [
        {
            "id": 3,
            "customerId": 1,
            "customerName": "Big Bang Company",
            "name": "Spaceship building",
            "archived": False,
            "created": 1764547200000,
            "modified": 1764633600000,
            "description": None,
            "allowedActions": {"canModify": True, "canDelete": True},
            "totals": _EXAMPLE_TOTALS,
        }
    ],
}

_RULES = """
`groupBy` names up to three of customer, project, task, user, department, typeOfWork, tag,
and one of day, week (its first day, by the company's first day of the week) or month (its
first day); each group's entry carries the group's ids. Groups without time are left out, except
that grouping by customer, project, task or type of work alone also lists the tasks'
estimates where no time was tracked (unless userIds, departmentIds or billed narrow the
records). Estimates appear where tasks are grouped or addressed: the estimates of the tasks
matching the task filters that you see. Grouping only by user, department, day, week or
month, without task or billing filters, reports leave beside work (`leaveMinutes` per leave
type id). With `tagIds` or grouped by tag, totals are summed from the time entries (those
carrying any of the tags): an entry with two tags counts in both tags' groups, so the groups
may add up to more than the overall totals, which count it once; entries without tags group
under `tagId` null; with `tagIds`, only those tags' groups; no leave is reported with `tagIds`.
`cost` and `revenue` appear only with Manage Accounts & Permissions, or Manage Cost &
Billing Data when every counted user is in your assigned team (pass `userIds` to narrow).
"""


_REFERENCES = ("customers", "projects", "tasks", "users", "departments", "typesOfWork", "tags")
_DATES = ("date", "week", "month")


def answer_response(answer: dict[str, Any]) -> Response:
    """A totals answer as JSON, the same as its schema's dump (``TotalsAnswerSchema``).

    The service builds the totals in the API's shape, with plain numbers; only the dates become
    text here, and the referenced objects go through their schemas. Thousands of groups are
    answered without a serializer pass over each, which cost more than their SQL.
    """
    for key in ("dateFrom", "dateTo"):
        if isinstance(answer.get(key), dt.date):
            answer[key] = answer[key].isoformat()
    dated = [key for key in _DATES if key in (answer["groups"][0] if answer["groups"] else ())]
    for group in answer["groups"] if dated else ():
        for key in dated:
            if group[key] is not None:
                group[key] = group[key].isoformat()
    referenced = {key: answer.pop(key) for key in _REFERENCES if key in answer}
    if referenced:
        answer.update(s.TotalsAnswerSchema(only=tuple(referenced)).dump(referenced))
    return current_app.json.response(answer)


PDF_TOTALS = (
    "a table of the groups (a subtotal per value of the first dimension when grouped by more "
    "than one) closed by the overall totals, then a chart of the hours per day, week or month "
    "split by project (by user when grouped by user) and one of each project's share"
)
_PDF_ONLY = {"pdf": PDF_MEDIA_TYPE}


def pdf(build, filename: str) -> Response:
    """A PDF answer drawn by ``build`` (the PDF modules are imported when first asked for)."""
    from timetracker.api.pdf_document import pdf_response

    return pdf_response(build, filename)


def totals_pdf(args, title: str, filename: str) -> Response:
    """The PDF document of a totals answer (the totals', the summary report's): one totals
    question for the table, one for the charts."""
    from timetracker.api.pdf_reports import summary_pdf

    caller, conn = current_caller(), get_db()
    present = s.TotalsAnswerSchema().dump
    header, rows, answer = reports.summary_answer(conn, caller, args, present)
    split = "user" if "user" in (args.get("groupBy") or ()) else "project"
    chart = reports.chart_hours(conn, caller, args, split, present)
    return pdf(lambda: summary_pdf(title, header, rows, answer, args, chart, split), filename)


@blp.route("/timetrack/totals")
class Totals(MethodView):
    @blp.arguments(s.TotalsQueryArgs, location="query")
    @blp.response(200, s.TotalsAnswerSchema, example=EXAMPLE)
    @pdf_documented(blp, PDF_TOTALS)
    @blp.errors()
    @doc("Totals of tracked time\n\nThe records you may read, over the period (all time when "
         "dateFrom and dateTo are omitted), overall and per group. With format=pdf (or Accept: "
         "application/pdf), a PDF document of the same answer.\n" + _RULES)  # fmt: skip
    def get(self, args):
        if export_format(args, _PDF_ONLY):
            return totals_pdf(args, "Totals", "totals.pdf")
        return answer_response(totals.totals(get_db(), current_caller(), args))


def _object_totals(kind: str, path: str, schema, label: str) -> None:
    @blp.route(path, endpoint=f"{kind}_totals")
    class ObjectTotals(MethodView):
        @blp.arguments(schema, location="query")
        @blp.response(200, s.TotalsAnswerSchema, example=EXAMPLE)
        @pdf_documented(blp, PDF_TOTALS)
        @blp.errors(404)
        @doc(f"Totals of a {label}\n\nAs GET /timetrack/totals, narrowed to the {label} "
             f"(404 when unknown, 403 when out of your reach).\n" + _RULES)  # fmt: skip
        def get(self, args, object_id):
            if export_format(args, _PDF_ONLY):
                narrowed = totals.narrowed_to(get_db(), current_caller(), kind, object_id, args)
                return totals_pdf(narrowed, f"Totals of {label} {object_id}", f"{kind}-totals.pdf")
            return answer_response(
                totals.of_object(get_db(), current_caller(), kind, object_id, args)
            )


_object_totals("customer", "/customers/<int32:object_id>/totals", s.CustomerTotalsArgs, "customer")
_object_totals("project", "/projects/<int32:object_id>/totals", s.ProjectTotalsArgs, "project")
_object_totals("task", "/tasks/<int32:object_id>/totals", s.TaskTotalsArgs, "task")
_object_totals("user", "/users/<user:object_id>/totals", s.UserTotalsArgs, "user")


@blp.route("/projects/totals")
class ProjectTotals(MethodView):
    @blp.arguments(s.ProjectListTotalsArgs, location="query")
    @blp.response(200, s.ProjectTotalsListSchema, example=PROJECTS_EXAMPLE)
    @blp.errors()
    @doc("Projects with their totals\n\nThe projects list (its filters, sort and paging), each "
         "project with its totals and estimates over the period, counting the records you may "
         "read.")  # fmt: skip
    def get(self, args):
        return totals.project_list(get_db(), current_caller(), args)


blueprints = [blp]
