"""Leave time: minutes of leave per user, day and leave type.

`{userId}` is an id or a username; `{date}` is `YYYY-MM-DD` or `today` (in the time zone of the
user's time zone group).
"""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint
from timetracker.schemas import leave as s
from timetracker.schemas.timetrack import TimeDeltaSchema
from timetracker.services import leave
from timetracker.store.db import get_db

blp = Blueprint(
    "leavetime",
    __name__,
    url_prefix="/api/v1/leavetime",
    description="Leave time. Read: yourself (Enter Time-Track); everyone (Manage PTO & Sick "
    "Days Settings, Manage Accounts & Permissions, 'see all users' data'); your team (Modify & "
    "Approve Users' Time-Track). Change: yourself (Enter Time-Track), everyone (Manage PTO & "
    "Sick Days Settings), your team (Modify & Approve Users' Time-Track). Work and leave share "
    "the day's 1440 minutes; locked days and approved weeks refuse changes.",
)

RECORD = "/<uid:userId>/<date>/<int32:leaveTypeId>"


@blp.route("")
class LeaveTime(MethodView):
    @blp.arguments(s.LeaveListArgs, location="query")
    @blp.response(200, s.LeaveListSchema)
    @blp.errors()
    def get(self, args):
        """List leave time per user, day and leave type

        Records from `dateFrom` (to `dateTo`, or to the last day with leave), ordered by day,
        user and leave type, only those the caller may read. `stopAfter` (default and maximum
        1000) cuts after the day on which that many records are reached; `nextDateFrom` then
        says where to continue. `includeReferenced`: `lockStatus` adds `locked` per record, the
        others add maps of the referenced objects keyed by id.
        """
        return leave.listing(get_db(), current_caller(), args)


@blp.route(RECORD)
class Record(MethodView):
    @blp.response(200, s.LeaveRecordSchema)
    @blp.errors(404)
    def get(self, userId, date, leaveTypeId):  # noqa: N803 - the spec's parameter names
        """Get a user's leave of one type on a day

        A day without such leave answers 0 minutes.
        """
        return leave.read(get_db(), current_caller(), userId, date, leaveTypeId)

    @blp.arguments(s.LeaveSetSchema)
    @blp.response(200, s.LeaveRecordSchema)
    @blp.errors(404, 413, 415)
    def patch(self, body, userId, date, leaveTypeId):  # noqa: N803
        """Set a user's leave of one type on a day

        `leaveTime` replaces the minutes (0 deletes the record). Refused whole when the day is
        locked (403 api.error.timetrack_locked) or in an approved week (403
        api.error.timetrack_approved), outside the user's employment, the leave type is
        archived (for an increase), or work and leave would exceed 1440 minutes that day.
        """
        return leave.change(
            get_db(), current_caller(), userId, date, leaveTypeId, minutes=body["leaveTime"]
        )


@blp.route(RECORD + "/time")
class RecordTime(MethodView):
    @blp.arguments(TimeDeltaSchema)
    @blp.response(200, s.LeaveRecordSchema)
    @blp.errors(404, 413, 415)
    def patch(self, body, userId, date, leaveTypeId):  # noqa: N803
        """Add minutes to (or take them from) a user's leave of one type on a day

        A delta that would leave the record below 0 is refused (400 api.error.negative_time),
        never clamped.
        """
        return leave.change(
            get_db(), current_caller(), userId, date, leaveTypeId, delta=body["delta"]
        )


blueprints = [blp]
