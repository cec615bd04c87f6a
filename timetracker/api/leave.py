"""Leave time: minutes of leave per user, day and leave type (the record endpoints are in
``day_records``, shared with time-track)."""

from __future__ import annotations

from timetracker.api.common import Blueprint
from timetracker.api.day_records import DayRecords, add_day_record_routes
from timetracker.schemas import leave as s
from timetracker.schemas.timetrack import TimeDeltaSchema
from timetracker.services import leave

blp = Blueprint(
    "leavetime",
    __name__,
    url_prefix="/api/v1",
    description="Leave time. Read: yourself (Enter Time-Track); everyone (Manage PTO & Sick "
    "Days Settings, Manage Accounts & Permissions, 'see all users' data'); your team (Modify & "
    "Approve Users' Time-Track). Change: yourself (Enter Time-Track), everyone (Manage PTO & "
    "Sick Days Settings), your team (Modify & Approve Users' Time-Track). Work and leave share "
    "the day's 1440 minutes; locked days and approved weeks refuse changes.",
)

# Declared like time-track's records: api/day_records.py builds both from these descriptions.
add_day_record_routes(
    blp,
    DayRecords(
        service=leave,
        path="/leavetime",
        record_path="/leavetime/<user:userId>/<day:date>/<int32:leaveTypeId>",
        time_path="/leavetime/<user:userId>/<day:date>/<int32:leaveTypeId>/time",
        list_args=s.LeaveListArgs,
        list_schema=s.LeaveListSchema,
        record_schema=s.LeaveRecordSchema,
        set_schema=s.LeaveSetSchema,
        delta_schema=TimeDeltaSchema,
        docs={
            "list": "List leave time per user, day and leave type\n\n"
            "Records from `dateFrom` (to `dateTo`, or to the last day with leave), ordered by "
            "day,\nuser and leave type, only those the caller may read. `stopAfter` (default and "
            "maximum\n"
            "1000) cuts after the day on which that many records are reached; `nextDateFrom` then\n"
            "says where to continue. `includeReferenced`: `lockStatus` adds `locked` per record, "
            "the\nothers add maps of the referenced objects keyed by id.",
            "get": """Get a user's leave of one type on a day

            A day without such leave answers 0 minutes.
            """,
            "set": """Set a user's leave of one type on a day

            `leaveTime` replaces the minutes (0 deletes the record). Refused whole when the day is
            locked (403 api.error.timetrack_locked) or in an approved week (403
            api.error.timetrack_approved), outside the user's employment, the leave type is
            archived (for an increase), or work and leave would exceed 1440 minutes that day.
            """,
            "shift": """Add minutes to (or take them from) a user's leave of one type on a day

            A delta that would leave the record below 0 is refused (400 api.error.negative_time),
            never clamped.
            """,
        },
    ),
)

blueprints = [blp]
