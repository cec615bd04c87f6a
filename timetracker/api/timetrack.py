"""Time-track: one record per user, day and task, in minutes (the record endpoints are in
``day_records``, shared with leave time); lock and unlock."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, csv_body, import_body, period_action
from timetracker.api.day_records import DayRecords, add_day_record_routes
from timetracker.schemas import timetrack as s
from timetracker.services import timetrack, timetrack_import
from timetracker.store.db import get_db

blp = Blueprint(
    "timetrack",
    __name__,
    url_prefix="/api/v1",
    description="Time-track records. Read: yourself on your work assignments (Enter "
    "Time-Track), your team on your scope of work (the manager permissions), everyone (Manage "
    "Accounts & Permissions, 'see all users' data'). Change: yourself on your work assignments; "
    "your team on your scope of work with Modify & Approve Users' Time-Track (without Manage "
    "Scope of Work: only tasks also assigned to that user). A refused change changes nothing.",
)

# Declared like leave time's records: api/day_records.py builds both from these descriptions.
add_day_record_routes(
    blp,
    DayRecords(
        service=timetrack,
        path="/timetrack",
        record_path="/timetrack/<user:userId>/<day:date>/<int32:taskId>",
        time_path="/timetrack/<user:userId>/<day:date>/<int32:taskId>/time",
        list_args=s.TimeTrackListArgs,
        list_schema=s.TimeTrackListSchema,
        record_schema=s.TimeRecordSchema,
        set_schema=s.TimeSetSchema,
        delta_schema=s.TimeDeltaSchema,
        docs={
            "list": """List time-track per user and day

            Records from `dateFrom` (to `dateTo`, or to the last tracked day), ordered by day and
            user, only those the caller may read. `stopAfter` (default and maximum 1000) cuts
            after the day on which that many records are reached; `nextDateFrom` then says where
            to continue. `billable` and `billed` filter records by their billing status (before
            `stopAfter` counts). `includeReferenced`: `comments` adds each record's comment,
            `billingStatus` adds `billable`, `billed` and `invoiceId` per record, `lockStatus`
            adds `locked` per day, the others add maps of the referenced objects keyed by id.
            """,
            "get": """Get a user's time on a task on a day

            A day without time answers 0 minutes.
            """,
            "set": "Set a user's time and/or comment on a task on a day\n\n"
            "`time` replaces the minutes (0 deletes the record). Refused whole when the day is\n"
            "locked (403 api.error.timetrack_locked), the record is billed by an invoice (403\n"
            "api.error.timetrack_billed), outside the user's employment, the task is "
            "not\nassigned to the user, or the user's day would exceed 1440 minutes.\n\n"
            "The record is the sum of its time entries (/timeEntries): a new time acts on the\n"
            "day's untimed entries (growth goes to the oldest, made when there is none; a\n"
            "decrease takes from the newest first), never on timed ones: a time below their\n"
            "sum is refused (409 api.error.timed_entries, naming them).",
            "shift": """Add minutes to (or take them from) a user's time on a task on a day

            A delta that would leave the record below 0 is refused (400 api.error.negative_time),
            never clamped.
            A billed record is refused (403 api.error.timetrack_billed). As a new time, the
            delta acts on the day's untimed time entries only (409 api.error.timed_entries
            when it would need to shrink timed ones).
            """,
        },
        write_errors=(409,),
    ),
)

period_action(
    blp,
    "/timetrack/lock",
    s.LockSchema,
    s.LockResultSchema,
    """Lock users' time-track for a period

    Work and leave time of the users (all users when `userIds` is omitted) from `dateFrom`
    to `dateTo` inclusive can no longer be changed. Needs Lock Time-Track For Any User.
    """,
    timetrack.lock,
)
period_action(
    blp,
    "/timetrack/unlock",
    s.LockSchema,
    s.LockResultSchema,
    """Unlock users' time-track for a period

    Needs Lock Time-Track For Any User.
    """,
    timetrack.unlock,
)


@blp.route("/timetrack/import")
class Import(MethodView):
    accepts = ("text/csv",)

    @blp.arguments(s.TimeTrackImportArgs, location="query")
    @blp.doc(requestBody=csv_body(timetrack_import.TEMPLATE))
    @blp.response(200, s.TimeTrackImportResultSchema)
    @blp.errors(413, 415)
    def post(self, args):
        """Import time-track from CSV

        Columns: username, date (YYYY-MM-DD), customer, project, task (names, matched
        case-insensitively), minutes (1 to 1440) and comment (optional); the header row names
        them. Each line **adds** its minutes to the user's record on that task and day, to the
        stored record and to the file's other lines for the same record alike (as
        `PATCH .../time` with that delta would, line after line); a non-empty comment replaces
        the record's (the last one wins). Every line is judged as that change through the API
        would be: you may change that user's time on that task, the task is among the user's
        work assignments (`assign=true` assigns it first where you may), the day is within the
        user's employment and neither locked nor in an approved week, the record is not
        billed, and the user's day keeps to 1440 minutes of work and leave, counting what is
        stored and every line of the file. If any line is bad, the answer is 400
        api.error.invalid_csv listing every problem with its line number (the first 1000),
        and nothing is imported. Needs Enter Time-Track (your own time) or Modify & Approve
        Users' Time-Track (your team's): 403 without either. At most 100,000 lines
        (TIMETRACKER_TIMETRACK_IMPORT_MAX_ROWS) and 32 MB (TIMETRACKER_IMPORT_MAX_CONTENT_LENGTH).
        """
        config = current_app.config
        return timetrack_import.import_csv(
            # A file with bad cells is judged on a read; only a good one takes the write lock.
            lambda write: get_db(write=write),
            current_caller(),
            import_body(config["IMPORT_MAX_CONTENT_LENGTH"]),
            assign=args["assign"],
            max_rows=config["TIMETRACK_IMPORT_MAX_ROWS"],
        )


blueprints = [blp]
