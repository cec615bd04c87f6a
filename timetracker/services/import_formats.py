"""The CSV exports of other time trackers, each read into the same plain lines: who, on what
(customer, project, task), when, what was done, billable or not, and tags.

Each product's columns are matched by their English headers (case-insensitively, in any order);
columns an export has that an entry does not keep (rates, amounts, approval flags) are ignored.
Where each layout comes from is written down in ``tests/fixtures/imports/README.md``.

``when`` of a line is one of:

- ``("local", start, end)``: naive date-times of the user's wall clock (Toggl Track, Clockify,
  Kimai); the user's time zone group makes them instants;
- ``("instant", started, ended)``: milliseconds since the epoch (TimeTagger, this server's own
  CSV with offsets);
- ``("day", date, minutes)``: an untimed entry (Harvest, this server's own CSV).

A line's identity (``key``) is the product's own id where the export has one (TimeTagger's
``key``), else a digest of the cells this import reads, so that the same line exported again
is known however the columns it ignores (rates, amounts) changed.

The module is too long for the house's 400 lines on purpose: every product's layout and reading,
side by side, so that a change of one export is made beside the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError

from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.schemas.common import Name
from timetracker.services import time_entry_import
from timetracker.services.csv_import import CsvLines, read_lines, refuse_lines
from timetracker.store.util import name_key

# What a line names when its export leaves a level out (Toggl and Clockify entries without a
# client, project or task; TimeTagger, which has only tags).
NO_CUSTOMER = "No client"
NO_PROJECT = "No project"
NO_TASK = "General"
DESCRIPTION_LENGTH = time_entry_import.DESCRIPTION_LENGTH
TRUE_WORDS = {"yes": True, "no": False, "true": True, "false": False, "1": True, "0": False}


@dataclass
class Line:
    """One line of an export, read."""

    line: int
    key: str
    email: str | None = None  # as written
    name: str | None = None  # a person's full name
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    customer: str = NO_CUSTOMER
    project: str = NO_PROJECT
    task: str = NO_TASK
    when: tuple = ()
    description: str | None = None
    billable: bool | None = None
    tags: tuple[str, ...] = ()

    @property
    def names_user(self) -> bool:
        return bool(self.email or self.name or self.username)


@dataclass
class Format:
    """One product's export: its columns (field -> headers it is known by), the fields a file
    must have, and how a line's cells (by field) become a :class:`Line`."""

    source: str
    title: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[tuple[str, ...], ...]  # each: one of these fields
    read: Callable[[dict[str, str], Line, list[str]], None]
    delimiter: str = ","
    example: str = ""
    tab_or_comma: bool = False
    fields: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        self.fields = tuple(self.columns)


# --- cells ------------------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")
_DURATION = re.compile(r"^(\d+):(\d{2})(?::(\d{2}))?$")


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> dt.date | None:
    """YYYY-MM-DD, MM/DD/YYYY (Clockify's default) or DD.MM.YYYY."""
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day if EARLIEST <= day <= LATEST else None
    return None


@functools.lru_cache(maxsize=4096)
def _time(text: str) -> dt.time | None:
    """HH:MM or HH:MM:SS, 24-hour or with AM/PM."""
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[4].lower() == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


def _seconds(text: str) -> int | None:
    """A duration written H:MM:SS or H:MM."""
    match = _DURATION.match(text)
    if match is None or int(match[2]) > 59 or int(match[3] or 0) > 59:
        return None
    return int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3] or 0)


def _hours(text: str) -> Decimal | None:
    """Decimal hours ("1.5"; a comma as the decimal mark too), or H:MM."""
    if ":" in text:
        seconds = _seconds(text)
        return Decimal(seconds) / 3600 if seconds is not None and seconds <= 86400 else None
    try:
        hours = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return hours if hours.is_finite() and 0 <= hours <= 24 else None


def _moment(day_text: str, time_text: str, column: str, wrong: list[str]) -> dt.datetime | None:
    day, time = _date(day_text), _time(time_text)
    if day is None:
        wrong.append(f"{column}: '{day_text}' is not a date (YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY)")
    if time is None:
        wrong.append(f"{column}: '{time_text}' is not a time of day (HH:MM or HH:MM:SS)")
    return dt.datetime.combine(day, time) if day and time else None


def _billable(text: str, column: str, wrong: list[str]) -> bool | None:
    if not text:
        return None
    answer = TRUE_WORDS.get(text.lower())
    if answer is None:
        wrong.append(f"{column}: '{text}' is not Yes or No")
    return answer


@functools.lru_cache(maxsize=4096)
def _name(text: str) -> str | None:
    """A name as the API takes one (1 to 255 characters, something visible), or None."""
    try:
        return Name().deserialize(text)
    except ValidationError:
        return None


def _catalogue(line: Line, cells: dict[str, str], wrong: list[str], task_field: str) -> None:
    """The customer, project and task of a line; an empty cell names the level's stand-in."""
    for attribute, column in (
        ("customer", "customer"),
        ("project", "project"),
        ("task", task_field),
    ):
        text = cells.get(column, "")
        if text:
            name = _name(text)
            if name is None:
                wrong.append(f"{column}: not a name (1 to 255 characters, something visible)")
            else:
                setattr(line, attribute, name)


def _text(line: Line, cells: dict[str, str], wrong: list[str], column: str = "description"):
    text = cells.get(column, "")
    if len(text) > DESCRIPTION_LENGTH:
        wrong.append(f"{column}: at most {DESCRIPTION_LENGTH} characters")
    line.description = text or None


def _tags(text: str, separator: str | None, wrong: list[str]) -> tuple[str, ...]:
    names = []
    for part in text.split(separator):
        part = part.strip().lstrip("#") if separator is None else part.strip()
        if part:
            name = _name(part)
            if name is None:
                wrong.append(f"tags: '{part[:50]}' is not a name")
            else:
                names.append(name)
    return tuple(dict.fromkeys(names))


def _person(line: Line, cells: dict[str, str], wrong: list[str]) -> None:
    email, name = cells.get("email", ""), cells.get("user", "")
    if email:
        line.email = email
    if name:
        line.name = name
    if not line.names_user:
        wrong.append("user: the line names no user (neither an email nor a name)")


def _local_span(cells: dict[str, str], line: Line, wrong: list[str], prefix: str = "") -> None:
    """Start and end of Toggl Track's and Clockify's lines: start date and time, then the end
    date and time, or the duration."""
    start = _moment(cells.get("start_date", ""), cells.get("start_time", ""), "start", wrong)
    end = None
    if cells.get("end_time"):
        end = _moment(
            cells.get("end_date") or cells.get("start_date", ""), cells["end_time"], "end", wrong
        )
    elif cells.get("duration"):
        seconds = _seconds(cells["duration"])
        if seconds is None:
            wrong.append(f"duration: '{cells['duration']}' is not a duration (H:MM:SS)")
        elif start is not None:
            end = start + dt.timedelta(seconds=seconds)
    else:
        wrong.append("end: the line has neither an end time nor a duration")
    if start is not None and end is not None:
        if end < start:
            wrong.append("end: before the start")
        line.when = ("local", start, end)


# --- the products -----------------------------------------------------------------------------


def _read_toggl(cells: dict[str, str], line: Line, wrong: list[str]) -> None:
    _person(line, cells, wrong)
    _catalogue(line, cells, wrong, "task")
    _text(line, cells, wrong)
    line.billable = _billable(cells.get("billable", ""), "billable", wrong)
    line.tags = _tags(cells.get("tags", ""), ",", wrong)
    _local_span(cells, line, wrong)


def _read_harvest(cells: dict[str, str], line: Line, wrong: list[str]) -> None:
    first, last = cells.get("first_name", ""), cells.get("last_name", "")
    line.first_name, line.last_name = first or None, last or None
    line.name = " ".join(p for p in (first, last) if p) or None
    if cells.get("email"):
        line.email = cells["email"]
    if not line.names_user:
        wrong.append("user: the line names no user (First Name, Last Name)")
    _catalogue(line, cells, wrong, "task")
    _text(line, cells, wrong)
    line.billable = _billable(cells.get("billable", ""), "billable", wrong)
    day = _date(cells.get("date", ""))
    if day is None:
        wrong.append(f"date: '{cells.get('date', '')}' is not a date (YYYY-MM-DD)")
    hours = _hours(cells.get("hours", ""))
    if hours is None:
        wrong.append(f"hours: '{cells.get('hours', '')}' is not a number of hours from 0 to 24")
    if day is not None and hours is not None:
        line.when = ("day", day, int((hours * 60).to_integral_value(rounding="ROUND_HALF_UP")))


def _read_kimai(cells: dict[str, str], line: Line, wrong: list[str]) -> None:
    line.email = cells.get("email") or None
    line.name = cells.get("user") or None
    if cells.get("username"):
        line.username = cells["username"]
    if not line.names_user:
        wrong.append("user: the line names no user (Username, Email, Name)")
    _catalogue(line, cells, wrong, "activity")
    _text(line, cells, wrong)
    line.billable = _billable(cells.get("billable", ""), "billable", wrong)
    line.tags = _tags(cells.get("tags", ""), ",", wrong)
    day = cells.get("date", "")
    start = _moment(day, cells.get("begin", ""), "begin", wrong)
    if cells.get("end"):
        end = _moment(day, cells["end"], "end", wrong)
        if start is not None and end is not None and end < start:
            end += dt.timedelta(days=1)  # past midnight
    else:
        end = None
        seconds = _seconds(cells.get("duration", ""))
        hours = _hours(cells.get("duration", "")) if seconds is None else None
        if seconds is None and hours is not None:
            seconds = int(hours * 3600)
        if seconds is None:
            wrong.append("end: the line has neither an end nor a duration")
        elif start is not None:
            end = start + dt.timedelta(seconds=seconds)
    if start is not None and end is not None:
        line.when = ("local", start, end)


def _epoch_or_iso(text: str, column: str, wrong: list[str]) -> int | None:
    """Milliseconds from seconds since the epoch, or from ISO 8601 with an offset or Z."""
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            wrong.append(f"{column}: '{text}' is neither seconds since 1970 nor ISO 8601")
            return None
        seconds = moment.timestamp()
    low = dt.datetime.combine(EARLIEST, dt.time(), dt.UTC).timestamp()
    high = dt.datetime.combine(LATEST, dt.time(), dt.UTC).timestamp()
    if not low <= seconds <= high:
        wrong.append(f"{column}: {text} is not from {EARLIEST} to {LATEST}")
        return None
    return round(seconds * 1000)


def _read_timetagger(cells: dict[str, str], line: Line, wrong: list[str]) -> None:
    started = _epoch_or_iso(cells.get("start", ""), "start", wrong)
    stop = cells.get("stop", "")
    ended = _epoch_or_iso(stop, "stop", wrong) if stop else None
    description = cells.get("description", "")
    tags = _tags(cells.get("tags", ""), None, wrong)
    if not cells.get("tags"):  # the tags live in the description: "meeting #acme"
        words = [w for w in description.split() if w.startswith("#")]
        tags = _tags(" ".join(words), None, [])
    line.tags = tags
    _text(line, cells, wrong)
    if started is not None and ended is not None:
        if ended < started:
            wrong.append("stop: before the start")
        line.when = ("instant", started, ended)
    elif started is not None:
        line.when = ("running", started, None)


def _read_own(cells: dict[str, str], line: Line, wrong: list[str]) -> None:
    """This server's entries CSV: each line read as ``POST /timeEntries/import`` reads it."""
    item = time_entry_import.parse_line(
        [cells.get(c, "") for c in time_entry_import.COLUMNS], wrong
    )
    if not item:
        return
    line.username = cells.get("username") or None
    for column in ("username", "customer", "project", "task"):
        if not cells.get(column):
            wrong.append(f"{column}: empty")
    _catalogue(line, cells, wrong, "task")
    line.description = item.get("description")
    line.billable = item.get("billable")
    line.tags = item.get("tag_names", ())
    if item.get("started") is not None:
        ended = item.get("ended")
        if ended is None and item.get("minutes") is not None:
            ended = item["started"] + item["minutes"] * 60_000
        if ended is None:
            wrong.append("end: a start needs an end or minutes")
        else:
            line.when = ("instant", item["started"], ended)
    elif "date" in item and "minutes" in item:
        line.when = ("day", item["date"], item["minutes"])
    elif not wrong:
        wrong.append("date: a line needs date and minutes, or start and end")


FORMATS: dict[str, Format] = {
    "toggl": Format(
        "toggl",
        "Toggl Track (Reports > Detailed > Export > CSV)",
        {
            "user": ("user", "member"),
            "email": ("email",),
            "customer": ("client",),
            "project": ("project",),
            "task": ("task",),
            "description": ("description",),
            "billable": ("billable",),
            "start_date": ("start date",),
            "start_time": ("start time",),
            "end_date": ("end date",),
            "end_time": ("end time",),
            "duration": ("duration",),
            "tags": ("tags",),
        },
        (("user", "email"), ("start_date",), ("start_time",), ("end_time", "duration")),
        _read_toggl,
        example=(
            "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
            "End date,End time,Duration,Tags,Amount (USD)\n"
            "Ann Lee,ann@example.com,Acme,Website,Design,Wireframes,Yes,2026-03-02,09:00:00,"
            "2026-03-02,10:30:00,01:30:00,design,135.00\n"
        ),
    ),
    "clockify": Format(
        "clockify",
        "Clockify (Reports > Detailed > Export > Save as CSV)",
        {
            "customer": ("client",),
            "project": ("project",),
            "task": ("task",),
            "description": ("description",),
            "user": ("user",),
            "email": ("email",),
            "tags": ("tags",),
            "billable": ("billable",),
            "start_date": ("start date",),
            "start_time": ("start time",),
            "end_date": ("end date",),
            "end_time": ("end time",),
            "duration": ("duration (h)",),
        },
        (("user", "email"), ("start_date",), ("start_time",), ("end_time", "duration")),
        _read_toggl,
        example=(
            "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,"
            "Start Time,End Date,End Time,Duration (h),Duration (decimal),"
            "Billable Rate (USD),Billable Amount (USD)\n"
            "Website,Acme,Wireframes,Design,Ann Lee,,ann@example.com,design,Yes,03/02/2026,"
            "09:00:00 AM,03/02/2026,10:30:00 AM,01:30:00,1.50,90.00,135.00\n"
        ),
    ),
    "harvest": Format(
        "harvest",
        "Harvest (Reports > Detailed time > Export > CSV)",
        {
            "date": ("date",),
            "customer": ("client",),
            "project": ("project",),
            "task": ("task",),
            "description": ("notes",),
            "hours": ("hours",),
            "billable": ("billable?",),
            "first_name": ("first name",),
            "last_name": ("last name",),
            "email": ("email",),
        },
        (("date",), ("hours",), ("first_name", "last_name", "email")),
        _read_harvest,
        example=(
            "Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,"
            "Invoiced?,Approved?,First Name,Last Name,Roles,Employee?,Billable Rate,"
            "Billable Amount,Cost Rate,Cost Amount,Currency,External Reference URL\n"
            "2026-03-02,Acme,Website,WEB,Design,Wireframes,1.5,1.5,Yes,No,No,Ann,Lee,,Yes,"
            "90,135,40,60,US Dollar - USD,\n"
        ),
    ),
    "kimai": Format(
        "kimai",
        "Kimai (Export > CSV, the default template)",
        {
            "date": ("date",),
            "begin": ("begin", "from"),
            "end": ("end", "to"),
            "duration": ("duration",),
            "user": ("name", "alias", "user"),
            "username": ("username", "user name"),
            "email": ("email", "e-mail"),
            "customer": ("customer",),
            "project": ("project",),
            "activity": ("activity",),
            "description": ("description",),
            "billable": ("billable",),
            "tags": ("tags",),
        },
        (("date",), ("begin",), ("end", "duration"), ("user", "username", "email")),
        _read_kimai,
        example=(
            "Date,Begin,End,Duration,Currency,Price,Internal price,Hourly price,Fixed price,"
            "Name,Username,Email,Staff number,Customer,Project,Activity,Description,Billable,"
            "Tags,Type,Category\n"
            "2026-03-02,09:00,10:30,1.50,EUR,135,60,90,,Ann Lee,ann,ann@example.com,,Acme,"
            "Website,Design,Wireframes,1,design,timesheet,work\n"
        ),
    ),
    "timetagger": Format(
        "timetagger",
        "TimeTagger (Account > Export, Unix or ISO 8601 times)",
        {
            "key": ("key",),
            "start": ("start",),
            "stop": ("stop",),
            "tags": ("tags",),
            "description": ("description",),
        },
        (("key",), ("start",), ("stop",)),
        _read_timetagger,
        delimiter="\t",
        tab_or_comma=True,
        example=(
            "key\tstart\tstop\ttags\tdescription\n"
            "a1b2c3d4\t1772442000\t1772447400\t#design\tWireframes #design\n"
        ),
    ),
    "entries": Format(
        "entries",
        "This server's entries CSV (the template of POST /timeEntries/import)",
        {column: (column.lower(),) for column in time_entry_import.COLUMNS},
        (("username",), ("customer",), ("project",), ("task",)),
        _read_own,
        example=time_entry_import.TEMPLATE,
    ),
}


def read(
    fmt: Format, text: str, max_rows: int, progress: Callable[[int], None] | None = None
) -> tuple[list[Line], dict[int, list[str]], int]:
    """Every line of an export: the lines read well, the problems by line number, and how many
    lines the file has."""
    delimiter = fmt.delimiter
    first = text.split("\n", 1)[0]
    if fmt.tab_or_comma and "\t" not in first and "," in first:
        delimiter = ","
    try:
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    except csv.Error:
        header = []
    known = {alias: f for f, aliases in fmt.columns.items() for alias in aliases}
    names = tuple(dict.fromkeys(h.strip() for h in header))
    # The file's columns as read_lines checks them: every header it has, those this format
    # reads found by their (case-insensitive) names.
    fields_at = {known[n.lower()]: n for n in names if n.lower() in known}
    missing = [
        " or ".join(repr(fmt.columns[f][0].title()) for f in one_of)
        for one_of in fmt.required
        if not any(f in fields_at for f in one_of)
    ]
    if missing and header:
        raise refuse_lines({1: [f"not a {fmt.title} export: missing columns {', '.join(missing)}"]})
    table: CsvLines = read_lines(text, names or ("",), (), max_rows, "lines", delimiter=delimiter)
    # The fields in the order of their columns: a line's digest reads their cells in that order.
    position = dict(sorted(((f, names.index(n)) for f, n in fields_at.items()), key=lambda x: x[1]))
    problems = table.problems
    lines: list[Line] = []
    seen: dict[str, int] = {}
    may_hold_nul = "\x00" in text
    for number, cells in table.lines:
        by_field = {f: cells[i].strip() for f, i in position.items()}
        wrong: list[str] = []
        if may_hold_nul and any("\x00" in v for v in by_field.values()):
            wrong.append("a value holds a NUL character")
        else:
            identity = by_field.get("key") or _digest(list(by_field.values()))
            count = seen.get(identity, 0)
            seen[identity] = count + 1
            line = Line(number, identity if count == 0 else f"{identity}#{count}")
            fmt.read(by_field, line, wrong)
        if wrong:
            problems.setdefault(number, []).extend(wrong)
        else:
            lines.append(line)
        if progress:
            progress(1)
    return lines, problems, len(table.lines)


def _digest(cells: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).hexdigest()


def person_key(text: str) -> str:
    """How names and emails are compared: case-folded, spaces collapsed."""
    return name_key(" ".join(text.split()))


def describe(fmt: Format) -> dict[str, Any]:
    return {"format": fmt.source, "title": fmt.title}
