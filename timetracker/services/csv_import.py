"""What the CSV imports share: reading a file into lines of cells under a checked header, and
the one refusal that lists every problem with its line number.

An import checks every line before it writes anything; any problem refuses the whole file
(400 ``api.error.invalid_csv``) and nothing is imported. A file that is not well-formed CSV is
refused so too, naming the line: bytes that are not UTF-8, a carriage return outside quotes
(lines end in LF or CR LF; a file without any LF may end them in CR alone, as old Mac programs
wrote), a quote left open or followed by more text, a value longer than csv's field size limit.
(A NUL character is a problem of the value holding it: no database stores one.)
"""

from __future__ import annotations

import csv
import gc
import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from timetracker.errors import ApiError

# Problems named in one answer; a file wrong on every one of 100,000 lines would otherwise
# answer megabytes of messages. The command line prints them all.
LISTED_PROBLEMS = 1_000
# csv's own default (131,072 characters) would stop a file at its first long value; a value
# this long is refused by the import's own checks, with its line number.
FIELD_LIMIT = 10 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


_paused = 0
_paused_lock = threading.Lock()
_collector_was_on = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read and judged.

    A file of 100,000 lines makes a million short-lived objects (cells, keys, rows) that hold
    no reference cycles, and every full collection meanwhile walks all of them: a second or two
    of such an import went to the collector. The collector is process-wide, so pauses are
    counted across threads and the last import to finish turns it back on (if it was on).
    Reference counting still frees everything as usual.
    """
    global _paused, _collector_was_on
    with _paused_lock:
        if _paused == 0:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _collector_was_on:
                gc.enable()


class CsvRefused(ApiError):
    """A file refused whole; ``errors`` holds every problem, each naming its line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        listed = errors[:LISTED_PROBLEMS]
        more = len(errors) - len(listed)
        message = f"Nothing was imported; fix these {len(errors)} problem(s): " + " | ".join(listed)
        if more:
            message += f" | ... and {more} more"
        super().__init__(400, "invalid_csv", message)


def refuse(errors: Iterable[str]) -> CsvRefused:
    return CsvRefused(list(errors))


def decode(data: bytes) -> str:
    """The body as text: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n" if b"\n" in data else b"\r", 0, exc.start) + 1
        raise refuse(
            [f"Line {line}: the file is not UTF-8 text (byte {exc.start + 1}: {exc.reason})"]
        ) from exc


def line_errors(problems: dict[int, list[str]]) -> list[str]:
    """Every problem of every line, a line's joined, in line order."""
    return [f"Line {line}: " + "; ".join(problems[line]) for line in sorted(problems)]


def refuse_lines(problems: dict[int, list[str]]) -> CsvRefused:
    """The refusal naming every problem of every line, in line order."""
    return refuse(line_errors(problems))


def _malformed(error: csv.Error, started: int, seen: int) -> tuple[int, str]:
    """The line and the problem, in the words of this file's author, of csv's complaint about a
    record that began on line ``started`` and was read up to line ``seen``."""
    text = str(error)
    if text == "unexpected end of data":  # the end of the file inside quotes
        return started, "a quoted value that begins on this line is never closed"
    if text.startswith("new-line character seen in unquoted field"):
        return seen, (
            "a carriage return (CR) outside quotes: lines end in LF or CR LF, and a value that "
            "holds a line break is quoted"
        )
    if text.startswith("field larger than field limit"):
        return seen, f"a value longer than {csv.field_size_limit():,} characters"
    if "expected after '\"'" in text:
        return seen, 'text after a closing quote (a quote inside a quoted value is written "")'
    return seen, text


@dataclass
class CsvLines:
    """The lines of a file: (line number, cells in the order of ``columns``; missing cells
    read as ""), and the problems found reading them, by line number."""

    columns: tuple[str, ...]
    lines: list[tuple[int, list[str]]] = field(default_factory=list)
    problems: dict[int, list[str]] = field(default_factory=dict)


def read_lines(
    text: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    max_rows: int,
    what: str,
    delimiter: str = ",",
) -> CsvLines:
    """Read ``text``: the header names the columns (any order, any subset holding
    ``required``), every later non-blank line is one of ``what``, its values apart by
    ``delimiter``. Problems with the header stop the reading; a line with more values than
    columns is a problem of that line. A file without lines raises the refusal at once."""
    result = CsvLines(columns)
    problems = result.problems
    # Lines end in LF (or CR LF); a CR anywhere else outside quotes is malformed, unless the
    # file has no LF at all: then its lines end in CR.
    lines_end = "\n" if "\n" in text else ""
    reader = csv.reader(io.StringIO(text, newline=lines_end), strict=True, delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        line, problem = _malformed(exc, 1, reader.line_num)
        raise refuse_lines({line: [problem]}) from exc
    if not header or header == [""]:
        raise refuse(
            [f"The file is empty: its first line names the columns ({', '.join(columns)})"]
        )
    unknown = [c for c in header if c not in columns]
    missing = [c for c in required if c not in header]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if unknown:
        problems.setdefault(1, []).append(
            f"unknown columns {', '.join(unknown)}; the template's columns are {', '.join(columns)}"
        )
    if missing:
        problems.setdefault(1, []).append(f"missing required columns {', '.join(missing)}")
    if repeated:
        problems.setdefault(1, []).append(f"columns named more than once: {', '.join(repeated)}")
    if problems:
        raise refuse_lines(problems)
    # Where each of ``columns`` is in a line; a column the file leaves out reads from an empty
    # cell added at the end.
    width = len(header)
    positions = [header.index(c) if c in header else width for c in columns]
    in_order = positions == list(range(width)) and width == len(columns)
    lines = result.lines
    seen = reader.line_num  # where the record before the one being read ended
    try:
        for cells in reader:
            seen = reader.line_num
            if len(cells) != width or not in_order:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # a blank line
                if len(cells) > width:
                    problems.setdefault(reader.line_num, []).append("more values than columns")
                    continue
                cells += [""] * (width + 1 - len(cells))
                cells = [cells[p] for p in positions]
            if len(lines) >= max_rows:
                problems.setdefault(reader.line_num, []).append(
                    f"more than {max_rows} {what}: split the file"
                )
                break
            lines.append((reader.line_num, cells))
    except csv.Error as exc:
        line, problem = _malformed(exc, seen + 1, reader.line_num)
        problems.setdefault(line, []).append(problem)
    if not result.lines:
        raise refuse_lines(problems) if problems else refuse([f"The file has no {what}"])
    return result
