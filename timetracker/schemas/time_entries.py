"""Time entries."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence

from marshmallow import ValidationError, fields, validate

from timetracker.calendar_range import EARLIEST, LATEST
from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    AllowedActions,
    AllowedActionsSchema,
    CalendarDate,
    ExportArgs,
    Id,
    IdList,
    JsonBoolean,
    Modified,
    ModifiedAfterArgs,
    PageArgs,
    QueryUserId,
    Sort,
    UserIdList,
    list_envelope,
)
from timetracker.schemas.optional_text import OptionalText

MINUTES_PER_DAY = 1440
_FIRST = dt.datetime.combine(EARLIEST, dt.time(), dt.UTC) - dt.timedelta(days=1)
_LAST = dt.datetime.combine(LATEST, dt.time(), dt.UTC) + dt.timedelta(days=2)


class Instant(fields.AwareDateTime):
    """A moment: ISO 8601 with an offset in, epoch milliseconds inside, UTC with ``Z`` out
    (``2026-03-04T09:30:00Z``; milliseconds only when there are some)."""

    def __init__(self, bounded: bool = True, **kwargs):
        # What a client sends is bounded by year like a date (``bounded``); what is answered
        # is UTC and may fall a few hours beyond (an instant of 3000-12-31 west of Greenwich).
        years = {"pattern": r"^(19[7-9][0-9]|2[0-9]{3}|3000)-"} if bounded else {}
        kwargs["metadata"] = {
            "description": "ISO 8601 with an offset (2026-03-04T10:30:00+01:00), 1970 to 3000; "
            "answered in UTC with Z",
            **years,
            **kwargs.get("metadata", {}),
        }
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not _FIRST <= moment <= _LAST:
            raise ValidationError(f"Not a moment from {EARLIEST} to {LATEST}")
        return int(moment.timestamp() * 1000)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else instant_text(value)

    def plain_converter(self):
        """How the compiled dump plan (``schemas/base.py``) writes a value that is not None."""
        return instant_text


# The columns of an export that hold instants (the API's names, and the stored rows' keys).
INSTANT_COLUMNS = frozenset(("start", "end", "started", "ended"))


def instants_as_text(rows: Iterator[tuple], columns: Sequence[str]) -> Iterator[tuple]:
    """Rows of an export (text cells) with the instants of the ``start``/``end`` (or
    ``started``/``ended``) columns written as the JSON answers them."""
    instants = [i for i, name in enumerate(columns) if name in INSTANT_COLUMNS]
    if not instants:
        return rows

    def shown(row: tuple) -> tuple:
        cells = None
        for i in instants:
            if row[i] is not None:
                if cells is None:
                    cells = list(row)
                cells[i] = instant_text(int(row[i]))
        return row if cells is None else tuple(cells)

    return map(shown, rows)


def instant_text(ms: int) -> str:
    """Epoch milliseconds as the API answers a moment: ``2026-03-04T09:30:00Z`` (with
    ``.250`` before the ``Z`` when it has milliseconds). Written from the day and the time of
    day, each part's text made once: a list or an export writes two per entry."""
    seconds, milli = divmod(ms, 1000)
    day, second = divmod(seconds, 86400)
    minute, second = divmod(second, 60)
    if milli:
        return f"{_day_text(day)}T{_HOUR_MINUTE[minute]}{_SECOND[second]}.{milli:03d}Z"
    return f"{_day_text(day)}T{_HOUR_MINUTE[minute]}{_SECOND[second]}Z"


# The time of day's text, by minute of the day and by second of the minute.
_HOUR_MINUTE = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60))
_SECOND = tuple(f":{second:02d}" for second in range(60))


@functools.lru_cache(maxsize=4096)
def _day_text(day: int) -> str:
    """The date ``day`` days after 1970-01-01, as ISO 8601."""
    return (_EPOCH_DAY + dt.timedelta(days=day)).isoformat()


_EPOCH_DAY = dt.date(1970, 1, 1)


class TimeEntryActionsSchema(AllowedActionsSchema):
    pass


@payload_schema("timeEntry")
class TimeEntrySchema(ApiSchema):
    id = fields.Integer(required=True)
    userId = fields.Integer(attribute="user_id", required=True)
    taskId = fields.Integer(attribute="task_id", required=True)
    date = fields.Date(
        required=True,
        metadata={"description": "The day the entry counts on (the local day of its start)"},
    )
    start = Instant(bounded=False, attribute="started", allow_none=True, required=True)
    end = Instant(bounded=False, attribute="ended", allow_none=True, required=True)
    minutes = fields.Integer(
        required=True,
        metadata={
            "description": "What the entry counts: given, or its end minus its start rounded "
            "half up to the minute. A day record's time is the sum of these"
        },
    )
    running = fields.Boolean(
        required=True,
        metadata={"description": "Started and not stopped: it counts nothing yet"},
    )
    description = fields.String(allow_none=True, required=True)
    billable = fields.Boolean(
        required=True,
        metadata={
            "description": "Set on the entry, or else its task's type of work's. Entry lists "
            "filter on it; totals, reports and invoices still count a day record's time as "
            "its task's type of work says"
        },
    )
    invoiceId = fields.Integer(
        attribute="invoice_id",
        allow_none=True,
        required=True,
        metadata={"description": "The invoice that billed it; null: not billed"},
    )
    tagIds = fields.List(
        fields.Integer(),
        attribute="tag_ids",
        required=True,
        metadata={"description": "The tags it carries, by id, ascending"},
    )
    created = fields.Integer(required=True, metadata={"description": "Epoch milliseconds"})
    modified = Modified()
    deleted = fields.Boolean(
        attribute="is_deleted",
        required=True,
        metadata={"description": "Deleted entries are kept; lists show them on request"},
    )
    allowedActions = AllowedActions(
        TimeEntryActionsSchema, "Whether you may modify or delete the entry"
    )


class _TimeEntryFields(ApiSchema):
    date = CalendarDate(
        metadata={
            "description": "The day it counts on; for an entry with a start, the local day of "
            "the start in the user's time zone group (given or not)"
        }
    )
    start = Instant(attribute="started", allow_none=True)
    end = Instant(
        attribute="ended",
        allow_none=True,
        metadata={"description": "After the start, on the same or a later day"},
    )
    minutes = fields.Integer(
        strict=True,
        validate=validate.Range(0, MINUTES_PER_DAY),
        metadata={
            "description": "Without a start: required (1 to 1440). With a start and an end: "
            "optional, and equal to their difference when given. With a start alone: the end "
            "is the start plus these minutes"
        },
    )
    description = OptionalText(validate=validate.Length(max=10_000))
    billable = JsonBoolean(
        allow_none=True,
        metadata={"description": "null (default): as the task's type of work says"},
    )
    tagIds = fields.List(
        Id(),
        attribute="tag_ids",
        validate=validate.Length(max=100),
        metadata={
            "description": "The tags it carries (ids of /tags; an unknown one: 404 naming "
            "tagIds); on a change, the whole set ([]: none). Changing them is a change of the "
            "entry, refused where its day takes no change"
        },
    )


class TimeEntryCreateSchema(_TimeEntryFields):
    userId = Id(
        attribute="user_id",
        metadata={"description": "Whose entry (default: yours)"},
    )
    taskId = Id(attribute="task_id", required=True)


class TimeEntryUpdateSchema(_TimeEntryFields):
    userId = Id(attribute="user_id", metadata={"description": "Move the entry to another user"})
    taskId = Id(attribute="task_id", metadata={"description": "Move the entry to another task"})


class TimeEntryListArgs(PageArgs, ModifiedAfterArgs, ExportArgs):
    dateFrom = CalendarDate(attribute="date_from")
    dateTo = CalendarDate(attribute="date_to")
    userIds = UserIdList(attribute="user_ids", description="Only the entries of these users")
    customerIds = IdList("Only entries on tasks of these customers", attribute="customer_ids")
    projectIds = IdList("Only entries on tasks of these projects", attribute="project_ids")
    taskIds = IdList("Only entries on these tasks", attribute="task_ids")
    tagIds = IdList("Only entries carrying any of these tags", attribute="tag_ids")
    billable = fields.Boolean(metadata={"description": "Only billable (or not billable) entries"})
    billed = fields.Boolean(metadata={"description": "Only billed (or unbilled) entries"})
    projectStatus = fields.String(
        attribute="project_status",
        load_default="all",
        validate=validate.OneOf(("active", "archived", "all")),
        metadata={"description": "Entries on active projects, archived ones, or all (default)"},
    )
    includeDeleted = fields.Boolean(
        attribute="include_deleted",
        load_default=False,
        metadata={"description": "Deleted entries too (default: only live ones)"},
    )
    withTotal = fields.Boolean(
        attribute="with_total",
        load_default=False,
        metadata={"description": "Count every matching entry into the X-Total-Count header"},
    )
    # Without one: +date (then start, then id).
    sort = Sort(("date", "user", "task", "project", "customer", "modified"))


TimeEntryListSchema = list_envelope(TimeEntrySchema)


class TimeEntryStartSchema(ApiSchema):
    taskId = Id(required=True)
    userId = Id(metadata={"description": "Whose timer (default: yours); needs Modify & Approve"})
    description = OptionalText(validate=validate.Length(max=10_000))
    billable = JsonBoolean(
        allow_none=True,
        metadata={"description": "null (default): as the task's type of work says"},
    )


class RunningArgs(ApiSchema):
    userId = QueryUserId(
        load_default="me",
        metadata={"description": "Whose running entry: a user id, or me (the default)"},
    )


class StoppedEntriesSchema(ApiSchema):
    items = fields.List(
        fields.Nested(TimeEntrySchema),
        required=True,
        metadata={"description": "The entries the stop made: one per local day the timer ran"},
    )


class TimeEntryImportResultSchema(ApiSchema):
    imported = fields.Integer(required=True, metadata={"description": "Lines read"})
    entriesCreated = fields.Integer(required=True)


def _rounding_fields(required: bool) -> dict[str, fields.Field]:
    return {
        "mode": fields.String(
            required=required,
            validate=validate.OneOf(("none", "up", "down", "nearest")),
            metadata={"description": "none (default), or up, down or to the nearest multiple"},
        ),
        "minutes": fields.Integer(
            required=required,
            strict=True,
            validate=validate.Range(1, 60),
            metadata={"description": "The multiple, 1 to 60 minutes (default 15)"},
        ),
        "scope": fields.String(
            required=required,
            validate=validate.OneOf(("entry", "dayTask")),
            metadata={
                "description": "entry (default): each time entry rounded on its own; dayTask: "
                "each user's day on a task (a time-track record) as a whole"
            },
        ),
    }


RoundingSchema = ApiSchema.from_dict(_rounding_fields(True), name="Rounding")
# A change names the parts it changes.
RoundingUpdateSchema = ApiSchema.from_dict(_rounding_fields(False), name="RoundingUpdate")


_ROUNDING = (
    "How totals, the summary, projects and users reports and invoices report time: rounded "
    "up, down or to the nearest multiple of `minutes` (halves up), per entry or per day and "
    "task. A value already on a multiple stays as it is. The stored minutes never change: "
    "entries, day records and the detailed report show them as tracked"
)


class TimeEntrySettingsSchema(ApiSchema):
    allowOverlaps = fields.Boolean(
        required=True,
        metadata={
            "description": "false: a user's timed entries may not overlap (one may start when "
            "another ends); creating or moving one into another answers 409 "
            "api.error.entries_overlap with the ids in the way. Default true"
        },
    )
    rounding = fields.Nested(RoundingSchema, required=True, metadata={"description": _ROUNDING})


class TimeEntrySettingsUpdateSchema(ApiSchema):
    allowOverlaps = JsonBoolean()
    rounding = fields.Nested(RoundingUpdateSchema, metadata={"description": _ROUNDING})
