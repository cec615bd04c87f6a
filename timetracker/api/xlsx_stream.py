"""Excel answers: a workbook of one table, written row by row in constant memory.

The rows are the CSV's (:mod:`timetracker.api.csv_stream`), read from the same generator, and
each cell is typed by its column: numbers as numbers, booleans as booleans, dates as dates
(format ``yyyy-mm-dd``), text as text. A column of minutes may be followed by a column of the
same duration in hours (minutes / 60, format ``0.00``). The header row is bold and frozen
above the data, an autofilter spans the table, and column widths follow the header and the
first rows. Text gets the CSV's guard against formulas (a leading ``'`` before ``=``, ``+``,
``-``, ``@``, a tab or a carriage return), so that both files hold the same text.

An .xlsx file is a zip archive that is read from its end, so it is finished before its first
byte goes out: the sheet's XML is generated here row by row (xlsxwriter's constant-memory
mode wrote a tenth as many rows per second, ``bench/bench_xlsx.py``) and compressed into a
temporary file as it is generated, which is then sent in chunks and deleted. Memory holds one
chunk of rows, whatever the count. A sheet holds at most Excel's 1,048,576 rows; more rows
continue on further sheets, each with the header again.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import IO, Any, NamedTuple

from flask import Response

from timetracker.api.csv_stream import FORMULA_STARTS
from timetracker.api.xlsx_parts import (
    DATE_STYLE,
    DATETIME_STYLE,
    DECIMAL_STYLE,
    MAX_CELL_TEXT,
    ROOT_RELS,
    STYLES,
    column_letters,
    content_types,
    sheet_start,
    sheet_title,
    workbook,
    workbook_rels,
    write_part,
    xml_text,
)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_ROWS = 1000
SEND_BYTES = 1 << 16
MAX_SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header's included
# A sheet's XML stays below the size a zip entry may have without ZIP64 extensions, which
# some readers refuse; a sheet that would grow beyond it continues on the next one.
MAX_SHEET_BYTES = 2**31 - 1
WIDTH_ROWS = 100  # the rows that column widths are measured on
MIN_WIDTH, MAX_WIDTH = 8, 60

# Where a row's number goes in its cells' XML: a character that escaped text never holds
# (``xlsx_parts.xml_text`` writes control characters as ``_xHHHH_``). A cell's XML then depends
# on its column and value alone, so that cells repeated down a column (names, ids, days,
# booleans) are encoded once, and a row can still move to the next sheet, where it gets
# another number.
_ROW = "\x00"
# Per column, the encoded cells kept for reuse, and the longest kept.
CACHED_CELLS, CACHED_LENGTH = 4096, 200


# Cell kinds (see :func:`timetracker.api.documents.column_kind`).
TEXT, INTEGER, DECIMAL, BOOLEAN, DATE, DATETIME = (
    "text", "integer", "decimal", "boolean", "date", "datetime",
)  # fmt: skip
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()  # serial 0; 1 is 1900-01-01
# Serials before 1900-03-01 count Excel's leap day 1900-02-29 that never was: such dates go
# out as text.
_FIRST_SERIAL = 61


class Column(NamedTuple):
    """A column of the table: its header, its kind of cell, and for minutes the header of an
    hours column that follows it (or None)."""

    name: str
    kind: str = TEXT
    hours: str | None = None


# Text that goes into a cell as it is: no formula start, nothing to escape, no white space at
# its ends (that needs xml:space). Most names are; a match is cheaper than the checks.
_PLAIN_TEXT = re.compile(
    "[^\\s=+\\-@&<>_\x00-\x1f\ufffe\uffff]"
    "(?:[^&<>_\x00-\x08\x0b-\x1f\ufffe\uffff]*[^\\s&<>_\x00-\x1f\ufffe\uffff])?"
)
_plain_text = _PLAIN_TEXT.fullmatch


def _text_cell(ref: str, value: Any) -> str:
    """A cell of text, with the CSV's formula guard."""
    if value.__class__ is not str:
        value = str(value)
    if len(value) <= MAX_CELL_TEXT // 2 and _plain_text(value):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>'


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if value.__class__ is str else value


def _as_datetime(value: Any) -> dt.datetime:
    if value.__class__ is str:
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:  # Excel's times have no zone: UTC's
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _encoder(column: Column, ref: str, hours_ref: str) -> Callable[[Any], str]:
    """The XML of a cell of ``column`` (at ``ref``, and its hours at ``hours_ref``) holding a
    value that is not None. Values come as the CSV's rows hold them: booleans as bools or
    ``true``/``false``, dates as dates or ``YYYY-MM-DD``."""
    kind = column.kind
    if kind == INTEGER and column.hours:
        return lambda value: (
            f'<c r="{ref}"><v>{value}</v></c>'
            f'<c r="{hours_ref}" s="{DECIMAL_STYLE}"><v>{float(value) / 60!r}</v></c>'
        )
    if kind == INTEGER:
        return lambda value: f'<c r="{ref}"><v>{value}</v></c>'
    if kind == DECIMAL:
        return lambda value: f'<c r="{ref}" s="{DECIMAL_STYLE}"><v>{value}</v></c>'
    if kind == BOOLEAN:
        return lambda value: (
            f'<c r="{ref}" t="b"><v>{1 if value is True or value == "true" else 0}</v></c>'
        )
    if kind == DATE:

        def date(value: Any) -> str:
            day = _as_date(value)
            serial = day.toordinal() - _EXCEL_EPOCH
            if serial < _FIRST_SERIAL:
                return _text_cell(ref, day.isoformat())
            return f'<c r="{ref}" s="{DATE_STYLE}"><v>{serial}</v></c>'

        return date
    if kind == DATETIME:

        def datetime(value: Any) -> str:
            moment = _as_datetime(value)
            day = moment.date().toordinal() - _EXCEL_EPOCH
            if day < _FIRST_SERIAL:
                return _text_cell(ref, moment.isoformat())
            midnight = dt.datetime.combine(moment.date(), dt.time())
            serial = day + (moment - midnight).total_seconds() / 86400
            return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{serial!r}</v></c>'

        return datetime
    return lambda value: _text_cell(ref, value)


def header_names(columns: Sequence[Column]) -> list[str]:
    """The header row: each column's name, and after a column of minutes its hours'."""
    return [name for c in columns for name in ((c.name, c.hours) if c.hours else (c.name,))]


def _shown(column: Column, value: Any) -> list[str]:
    """The text a cell shows (for its width), and its hours' after minutes."""
    if value is None:
        return [""] * (2 if column.hours else 1)
    if column.kind == DATE:
        return ["2026-01-01"]
    if column.kind == DATETIME:
        return ["2026-01-01 00:00:00"]
    if column.kind == BOOLEAN:
        return ["FALSE"]
    if column.kind == DECIMAL:
        return [f"{float(value):.2f}"]
    if column.hours:
        return [str(value), f"{value / 60:.2f}"]
    return [str(value)[:MAX_WIDTH]]


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[float]:
    """Column widths (in characters) from the header (bold, with the filter's button) and
    the first rows."""
    widths = [len(name) * 1.1 + 3 for name in header_names(columns)]
    for row in rows:
        pairs = zip(columns, row, strict=True)
        shown = [text for column, value in pairs for text in _shown(column, value)]
        widths = [max(width, len(text) + 1) for width, text in zip(widths, shown, strict=True)]
    return [round(min(max(width, MIN_WIDTH), MAX_WIDTH), 1) for width in widths]


def write_xlsx(
    target: IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    sheet: str,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the workbook of ``columns`` and ``rows`` to ``target`` (a binary file that can
    seek), its sheet named ``sheet``; ``on_rows(n)`` hears of every ``n`` rows written (a
    progress bar). Answers how many rows were written."""
    header = header_names(columns)
    last = column_letters(len(header) - 1)
    rows = iter(rows)
    first = list(islice(rows, WIDTH_ROWS))
    start = sheet_start(_widths(columns, first), header).encode()
    encoders = []
    position = 0
    for column in columns:
        letter = column_letters(position)
        position += 2 if column.hours else 1
        encoders.append(_encoder(column, letter + _ROW, column_letters(position - 1) + _ROW))
    title = sheet_title(sheet)
    sheets: list[tuple[str, str]] = []
    written = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        write_part(archive, "_rels/.rels", ROOT_RELS)
        write_part(archive, "xl/styles.xml", STYLES)
        chunks = _chunks(chain(first, rows), encoders)
        pending: list[str] = []  # rows that did not fit on the last sheet
        while True:
            name = title if not sheets else sheet_title(f"{title[:25]} ({len(sheets) + 1})")
            part = f"xl/worksheets/sheet{len(sheets) + 1}.xml"
            count, pending = _write_sheet(archive, part, start, last, chunks, pending, on_rows)
            written += count
            sheets.append((name, f"$A$1:${last}${count + 1}"))
            if not pending:
                break
        write_part(archive, "xl/workbook.xml", workbook(sheets))
        write_part(archive, "xl/_rels/workbook.xml.rels", workbook_rels(len(sheets)))
        write_part(archive, "[Content_Types].xml", content_types(len(sheets)))
    return written


def _chunks(
    rows: Iterator[Sequence[Any]], encoders: Sequence[Callable[[Any], str]]
) -> Iterator[list[str]]:
    """The rows' cells as XML, :data:`_ROW` for their row number, in chunks."""
    caches: list[dict[Any, str]] = [{} for _ in encoders]
    while True:
        chunk = list(islice(rows, CHUNK_ROWS))
        if not chunk:
            return
        encoded = []
        for row in chunk:
            cells = []
            for cache, encode, value in zip(caches, encoders, row, strict=True):
                if value is not None:
                    cell = cache.get(value)
                    if cell is None:
                        cell = encode(value)
                        if len(cell) <= CACHED_LENGTH and len(cache) < CACHED_CELLS:
                            cache[value] = cell
                    cells.append(cell)
            encoded.append("".join(cells))
        yield encoded


def _numbered(rows: Sequence[str], first: int) -> list[bytes]:
    return [
        f'<row r="{n}">{row.replace(_ROW, str(n))}</row>'.encode()
        for n, row in enumerate(rows, first)
    ]


def _write_sheet(
    archive: zipfile.ZipFile,
    part: str,
    start: bytes,
    last: str,
    chunks: Iterator[list[str]],
    pending: list[str],
    on_rows: Callable[[int], None] | None,
) -> tuple[int, list[str]]:
    """Write one sheet (its columns ``A`` to ``last``) of the rows in ``pending``, then of
    ``chunks``, until they end or the sheet is full. Answers how many rows it holds and the
    rows left for the next sheet."""
    number = 1  # the header's
    size = len(start) + 200  # and the end's
    left: list[str] = []
    with archive.open(part, "w") as sheet:
        sheet.write(start)
        for chunk in chain([pending] if pending else [], chunks):
            encoded = _numbered(chunk, number + 1)
            fits, grows = len(chunk), sum(map(len, encoded))
            if number + fits > MAX_SHEET_ROWS or size + grows > MAX_SHEET_BYTES:
                fits, grows = 0, 0
                while (
                    number + fits < MAX_SHEET_ROWS
                    and fits < len(chunk)
                    and size + grows + len(encoded[fits]) <= MAX_SHEET_BYTES
                ):
                    grows += len(encoded[fits])
                    fits += 1
                left = chunk[fits:]
            sheet.write(b"".join(encoded[:fits]))
            size += grows
            number += fits
            if on_rows is not None and fits:
                on_rows(fits)
            if left:
                break
        end = f'</sheetData><autoFilter ref="A1:{last}{number}"/></worksheet>'
        sheet.write(end.encode())
    return number - 1, left


def xlsx_chunks(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    sheet: str,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The workbook's bytes, in chunks: written whole to a temporary file (deleted when
    closed, by the system too if the process dies) at the first ``next()``, then read back."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(spool, columns, rows, sheet, on_rows)
        spool.seek(0)
        while block := spool.read(SEND_BYTES):
            yield block


def xlsx_response(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], filename: str, sheet: str
) -> Response:
    """A streamed Excel answer. As for :func:`timetracker.api.csv_stream.csv_response`,
    ``rows`` is read only while the body is sent, and must own what it reads from."""
    response = Response(xlsx_chunks(columns, rows, sheet), mimetype=XLSX_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
