"""``timetracker export``: the API's CSV or Excel file of the detailed report (or its PDF
document) and of the customer, project and task lists, written to a file or standard output
by the same code (one producer of rows, the API's response and a file as two sinks)."""

from __future__ import annotations

import sys

import click

from timetracker.cli import _app, command_context, db_option, main

# The documents the API answers besides JSON (``timetracker.api.documents.FORMATS`` and
# ``REPORT_FORMATS``, which this module does not import for the sake of the command's start-up
# time).
FORMATS = ("csv", "xlsx")
REPORT_FORMATS = ("csv", "xlsx", "pdf")


@main.group("export")
def export_group() -> None:
    """Export data as CSV, Excel or PDF: the same files the API answers with format=csv, xlsx
    or pdf."""


output_option = click.option(
    "-o",
    "--output",
    type=click.File("wb", lazy=True),
    default="-",
    show_default=True,
    help="File to write; - is standard output.",
)


def _format_option(formats, help: str):
    return click.option(
        "--format", "chosen", type=click.Choice(formats), default="csv", show_default=True,
        help=help,
    )  # fmt: skip


format_option = _format_option(FORMATS, "csv, or xlsx for Excel.")
report_format_option = _format_option(REPORT_FORMATS, "csv, xlsx for Excel, or pdf.")


def _write(output, chosen: str, header, rows, total: int, label: str, schemas, name: str, pdf=None):
    """Write the ``chosen`` document of ``rows`` with a progress bar on standard error: the
    bytes the API answers (``schemas`` and ``name`` as for
    :func:`timetracker.api.documents.document_response`; ``pdf(on_rows)`` draws the PDF
    document, telling ``on_rows`` of the rows drawn)."""
    from timetracker.api.csv_stream import CHUNK_ROWS, csv_chunks
    from timetracker.api.documents import sheet_name, typed_columns
    from timetracker.api.xlsx_stream import xlsx_chunks

    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        if chosen == "pdf":
            from timetracker.api.pdf_document import pdf_chunks

            for block in pdf_chunks(lambda: pdf(bar.update)):
                output.write(block)
        elif chosen == "xlsx":
            columns = typed_columns(header, schemas)
            for block in xlsx_chunks(columns, rows, sheet_name(name), on_rows=bar.update):
                output.write(block)
        else:
            written = 0
            chunks = csv_chunks(header, rows)
            output.write(next(chunks).encode())  # the header line
            for chunk in chunks:
                output.write(chunk.encode())
                step = min(CHUNK_ROWS, total - written)  # only the last chunk is short
                written += step
                bar.update(step)
    output.flush()


@export_group.command("detailed")
@click.option("--date-from", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option("--date-to", metavar="YYYY-MM-DD", help="Last day [default: no end].")
@click.option("--user-id", "user_ids", multiple=True, type=int, help="Only this user; repeat.")
@click.option("--customer-id", "customer_ids", multiple=True, type=int, help="Only this customer.")
@click.option("--project-id", "project_ids", multiple=True, type=int, help="Only this project.")
@click.option("--task-id", "task_ids", multiple=True, type=int, help="Only this task.")
@click.option("--type-of-work-id", "type_of_work_ids", multiple=True, type=int)
@click.option("--department-id", "department_ids", multiple=True, type=int)
@click.option("--billable/--not-billable", default=None, help="Only (not) billable records.")
@click.option("--billed/--not-billed", default=None, help="Only (not) billed records.")
@click.option(
    "--grain",
    type=click.Choice(["record", "entry"]),
    default="record",
    show_default=True,
    help="One line per day record or per time entry.",
)
@output_option
@report_format_option
@db_option
def export_detailed(output, chosen: str, db: str | None, **options) -> None:
    """The detailed report: one line per time-track record or time entry (GET
    /reports/detailed)."""
    from marshmallow import ValidationError

    from timetracker.errors import ApiError
    from timetracker.permissions import COMMAND_LINE
    from timetracker.schemas.reports import DetailedReportArgs, DetailedRowSchema
    from timetracker.services import reports

    # The API's own argument schema checks the options, so both accept the same.
    query = {
        "dateFrom": options["date_from"],
        "dateTo": options["date_to"],
        "userIds": options["user_ids"],
        "customerIds": options["customer_ids"],
        "projectIds": options["project_ids"],
        "taskIds": options["task_ids"],
        "typeOfWorkIds": options["type_of_work_ids"],
        "departmentIds": options["department_ids"],
        "billable": options["billable"],
        "billed": options["billed"],
        "grain": options["grain"],
    }
    query = {
        key: ",".join(map(str, value)) if isinstance(value, tuple) else value
        for key, value in query.items()
        if value not in (None, ())
    }
    app = _app(db)
    engine = app.extensions["timetracker"]["engine"]
    caller = COMMAND_LINE  # the administrator, as the imports
    with command_context(app, "export detailed", caller):
        try:
            args = DetailedReportArgs().load(query)
            with engine.connect() as conn:
                total = reports.detailed_count(conn, caller, args)
            if chosen == "pdf":
                reports.check_pdf_rows(total)
            rows = reports.detailed_rows(engine, caller, args)
        except ValidationError as exc:
            raise click.UsageError(_problems(exc.messages)) from exc
        except ApiError as exc:
            raise click.UsageError(exc.message) from exc
    header, schemas = reports.detailed_header(args), [DetailedRowSchema]

    def pdf(on_rows):
        from timetracker.api.pdf_reports import detailed_pdf

        return detailed_pdf(header, rows, args, on_rows)

    label = "Time-track records"
    _write(output, chosen, header, rows, total, label, schemas, "detailed-report", pdf)


def _problems(messages) -> str:
    """marshmallow's messages ({field: [problem, ...]}) on one line."""
    return "; ".join(f"{field}: {' '.join(map(str, why))}" for field, why in messages.items())


def _add_catalogue_export(collection: str) -> None:
    @export_group.command(
        collection,
        help=f"Every {collection[:-1]}, in id order (GET /{collection}?format=csv or xlsx).",
    )
    @output_option
    @format_option
    @db_option
    def export_level(output, chosen: str, db: str | None) -> None:
        from timetracker.api.catalogue import CSV_COLUMNS, SCHEMAS
        from timetracker.permissions import COMMAND_LINE
        from timetracker.services import catalogue

        service = catalogue.LEVELS[collection[:-1]]
        columns = CSV_COLUMNS[collection]
        app = _app(db)
        engine = app.extensions["timetracker"]["engine"]
        caller = COMMAND_LINE  # the administrator, as the imports
        with command_context(app, f"export {collection}", caller), engine.connect() as conn:
            total = service.count(conn, caller, {})
        rows = service.export(engine, caller, {}, [key for _, key in columns])
        header = [name for name, _ in columns]
        label, schemas = collection.capitalize(), [SCHEMAS[collection]]
        _write(output, chosen, header, rows, total, label, schemas, collection)


for _collection in ("customers", "projects", "tasks"):
    _add_catalogue_export(_collection)
