"""Documents of a list or report: which one a request asks for, and the answer in it.

A list or report that offers documents answers JSON by default, CSV
(:mod:`timetracker.api.csv_stream`) or Excel (:mod:`timetracker.api.xlsx_stream`) when the
query says ``format=csv`` or ``format=xlsx``, or, without ``format``, when the ``Accept``
header prefers their media type to JSON. Both files hold the same rows from the same
generator; Excel types each cell by the field of the JSON answer its column shows. The
reports, the totals and the invoices answer PDF too (``format=pdf`` or ``Accept:
application/pdf``; :mod:`timetracker.api.pdf_reports` draws them from the same answers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import Response, request
from marshmallow import Schema, fields

from timetracker.api import xlsx_stream
from timetracker.api.csv_stream import CSV_MEDIA_TYPE, csv_response
from timetracker.api.xlsx_stream import XLSX_MEDIA_TYPE, Column, xlsx_response

JSON_MEDIA_TYPE = "application/json"
# The documents besides JSON, by ``format``; the command line's ``--format`` offers the same.
MEDIA_TYPES = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}
FORMATS = tuple(MEDIA_TYPES)
PDF_MEDIA_TYPE = "application/pdf"  # pdf_document's, which this module imports only for a PDF
# The reports' documents: the lists' and PDF.
REPORT_MEDIA_TYPES = {**MEDIA_TYPES, "pdf": PDF_MEDIA_TYPE}
REPORT_FORMATS = tuple(REPORT_MEDIA_TYPES)


def export_format(args: dict[str, Any], offered: Mapping[str, str] = MEDIA_TYPES) -> str | None:
    """The document the request asks for (a name of ``offered``: by default ``csv`` or
    ``xlsx``), or None for JSON: ``format`` decides when given, otherwise the ``Accept`` header
    (JSON when it prefers none of them, or JSON as much as another)."""
    chosen = args.get("format")
    if chosen is None:
        best = request.accept_mimetypes.best_match((JSON_MEDIA_TYPE, *offered.values()))
        chosen = next((name for name, media in offered.items() if media == best), None)
    return None if chosen == "json" else chosen


# Field classes and the kind of Excel cell they answer, the most specific first (marshmallow's
# Date is a DateTime).
_KINDS: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.Boolean, xlsx_stream.BOOLEAN),
    (fields.Integer, xlsx_stream.INTEGER),
    (fields.Number, xlsx_stream.DECIMAL),
    (fields.Date, xlsx_stream.DATE),
    (fields.DateTime, xlsx_stream.DATETIME),
)


def column_kind(field: fields.Field | None) -> str:
    """The kind of Excel cell of a response field (text for any other field, or none)."""
    for cls, kind in _KINDS:
        if isinstance(field, cls):
            return kind
    return xlsx_stream.TEXT


def typed_columns(header: Sequence[str], schemas: Sequence[type[Schema]]) -> list[Column]:
    """The Excel columns of ``header``: each typed by the field of that name in the first of
    ``schemas`` declaring one (text where none does, as the reports' names). A field of
    minutes with ``metadata={"hours": name}`` is followed by an hours column of that name."""
    declared: dict[str, fields.Field] = {}
    for schema in reversed(schemas):
        declared.update(schema().fields)
    columns = []
    for name in header:
        field = declared.get(name)
        hours = field.metadata.get("hours") if field is not None else None
        columns.append(Column(name, column_kind(field), hours))
    return columns


def document_response(
    chosen: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    name: str,
    schemas: Sequence[type[Schema]],
) -> Response:
    """The ``chosen`` document (:func:`export_format`) of ``header`` and ``rows``, streamed, as
    the file ``name.csv`` or ``name.xlsx``; ``schemas`` declare the fields the columns show
    (Excel's cell types). ``rows`` is read only while the body is sent
    (:func:`timetracker.api.csv_stream.csv_response` says what follows)."""
    if chosen == "xlsx":
        columns = typed_columns(header, schemas)
        return xlsx_response(columns, rows, f"{name}.xlsx", sheet_name(name))
    return csv_response(header, rows, f"{name}.csv")


def sheet_name(name: str) -> str:
    """A file's name as its sheet's: ``detailed-report`` -> ``Detailed report``."""
    return name.replace("-", " ").capitalize()


EXCEL_DESCRIPTION = (
    "Excel with format=xlsx or Accept: " + XLSX_MEDIA_TYPE + " (one sheet of the same rows: "
    "a bold header row frozen above them with an autofilter; numbers, booleans and dates "
    "(yyyy-mm-dd) as typed cells, hours with two decimals; a column of minutes without hours "
    "beside it in JSON is followed by one of hours, minutes / 60; text as in CSV; beyond "
    "1,048,575 rows further sheets follow, each with the header)"
)


def documented(blp, csv_example: str, pdf: str | None = None) -> Callable:
    """Document the CSV and Excel answers of a 200 beside its JSON one, and with ``pdf`` (what
    the PDF document holds) the PDF answer."""
    content = {
        CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": csv_example},
        XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    }
    description = (
        "JSON by default; CSV with format=csv or Accept: text/csv (a header line, then one "
        "line per row, streamed); " + EXCEL_DESCRIPTION
    )
    if pdf is not None:
        content[PDF_MEDIA_TYPE] = {"schema": {"type": "string", "format": "binary"}}
        description += "; " + pdf_description(pdf)
    return blp.doc(responses={200: {"description": description, "content": content}})


def pdf_description(holds: str, titled: bool = True) -> str:
    title = "a title with the period and the filters, " if titled else ""
    return (
        "PDF with format=pdf or Accept: " + PDF_MEDIA_TYPE + " (A4, " + title + holds + ", "
        "the table's header row repeated on every page, pages numbered; names in any script, "
        "in fonts embedded in the file)"
    )


def pdf_documented(blp, holds: str, titled: bool = True) -> Callable:
    """Document the PDF answer of a 200 beside its JSON one (``holds``: what the document
    holds besides its title)."""
    return blp.doc(
        responses={
            200: {
                "description": "JSON by default; " + pdf_description(holds, titled),
                "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
