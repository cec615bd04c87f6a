"""CSV answers, streamed: a header line, then the rows, written in chunks as they are read.

A list or report answers CSV when the query says ``format=csv`` or the ``Accept`` header
prefers ``text/csv`` to JSON (:mod:`timetracker.api.documents` decides). The body is a
generator over the rows, so an export of a million records holds one chunk in memory, never
the whole answer. :func:`csv_chunks` is the encoder
(the command line writes the same text to a file); :func:`csv_response` wraps it in a streamed
response.

Cells are written by Python's ``csv`` module (RFC 4180 quoting: commas, quotes and line breaks
inside a cell are quoted). Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'``: a spreadsheet would otherwise run it as a formula (CSV injection).
Booleans are written ``true``/``false`` as in JSON, null as an empty cell, dates as
``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from flask import Response
from marshmallow import Schema, fields, validate

CSV_MEDIA_TYPE = "text/csv"
CHUNK_ROWS = 1000
# What spreadsheets read as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cells(row: Sequence[Any]) -> list[Any]:
    """A row's cells as written: guarded text, booleans as in JSON."""
    return [
        (("'" + v) if v.startswith(FORMULA_STARTS) else v)
        if v.__class__ is str
        else (("true" if v else "false") if v.__class__ is bool else v)
        for v in row
    ]


# In written CSV, a cell begins at a line start, after a comma, or after its opening quote; a
# cell holding a carriage return is always quoted (an unquoted one ends the line).
_CELL_STARTS = ("\n", ",", '"')
_STARTS_AFTER = tuple((c, tuple(s + c for s in _CELL_STARTS)) for c in FORMULA_STARTS if c != "\r")


def _may_need_cells(text: str) -> bool:
    """Whether written CSV text may hold a cell that starts a formula, or a Python boolean
    (True/False). Never misses one; a false alarm (a negative number, text reading True) only
    costs the exact pass. Plain substring searches: a regular expression or a look at every
    cell in Python would cost as much as writing the CSV."""
    if "True" in text or "False" in text or '"\r' in text:
        return True
    return any(
        start in text and any(marker in text for marker in markers)
        for start, markers in _STARTS_AFTER
    )


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int = CHUNK_ROWS
) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``: the header line first, then one string per
    ``chunk_rows`` rows (``\\r\\n`` line ends, as RFC 4180 says)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    rows = iter(rows)
    while True:
        chunk = list(islice(rows, chunk_rows))
        if not chunk:
            return
        buffer.seek(0)
        buffer.truncate()
        buffer.write("\n")  # so that the chunk's first cell, too, follows a line start
        writer.writerows(chunk)
        text = buffer.getvalue()
        if _may_need_cells(text):
            # The exact pass. Exports that select their booleans as text
            # (``store.listing.as_text``) need it only for chunks holding suspicious text.
            buffer.seek(0)
            buffer.truncate()
            buffer.write("\n")
            writer.writerows(map(_cells, chunk))
            text = buffer.getvalue()
        yield text[1:]


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str = "export.csv"
) -> Response:
    """A streamed ``text/csv`` answer of ``header`` and ``rows``.

    ``rows`` is read only while the body is sent, after the request's transaction has ended:
    it must own whatever it reads from (``timetracker.store.db.stream_rows`` opens its own
    connection), and everything that can refuse the request must have run before.
    """
    encoded = (text.encode() for text in csv_chunks(header, rows, CHUNK_ROWS))
    response = Response(encoded, mimetype=CSV_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_columns(schema: type[Schema], exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(header, row key) of a response schema's fields, in the document's order: the CSV of a
    list carries the same fields as its JSON items."""
    excluded = set(exclude)
    return [
        (name, field.attribute or name)
        for name, field in schema().fields.items()
        if name not in excluded
    ]


# A sample cell per field class, for the document's CSV examples (a subclass takes its nearest
# base's). A field's own ``metadata={"sample": ...}`` comes first, then the first choice of a
# OneOf validator. ``sample`` rather than ``example``: apispec would show ``example`` in the
# document's schemas, whose examples are the answers'.
SAMPLES: dict[type[fields.Field], Any] = {
    fields.Boolean: False,
    fields.Integer: 1,
    fields.Float: 1.5,
    fields.Decimal: "1.50",
    fields.Date: dt.date(2026, 3, 31),
    fields.DateTime: "2026-03-31T09:00:00Z",
    fields.String: "Text",
}


def field_sample(field: fields.Field) -> Any:
    """A value of ``field`` for an example (None, an empty cell, for a class without one)."""
    if "sample" in field.metadata:
        return field.metadata["sample"]
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return next(iter(validator.choices))
    for cls in type(field).__mro__:
        if cls in SAMPLES:
            return SAMPLES[cls]
    return None


def csv_example(
    schema: type[Schema], columns: Sequence[tuple[str, str]], extra: Mapping[str, Any] | None = None
) -> str:
    """The CSV text of a header and one sample row of ``columns`` (:func:`csv_columns` of
    ``schema``, and columns of the export's own with their samples in ``extra``), written as an
    answer is."""
    declared, extra = schema().fields, extra or {}
    row = [extra[name] if name in extra else field_sample(declared[name]) for name, _ in columns]
    return "".join(csv_chunks([name for name, _ in columns], [row]))
