"""Time-track: one record per user, day and task, in minutes; lock and unlock.

`{userId}` is an id or a username; `{date}` is `YYYY-MM-DD` or `today` (in the time zone of the
user's time zone group).
"""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, period_action
from timetracker.schemas import timetrack as s
from timetracker.services import timetrack
from timetracker.store.db import get_db

blp = Blueprint(
    "timetrack",
    __name__,
    url_prefix="/api/v1/timetrack",
    description="Time-track records. Read: yourself on your work assignments (Enter "
    "Time-Track), your team on your scope of work (the manager permissions), everyone (Manage "
    "Accounts & Permissions, 'see all users' data'). Change: yourself on your work assignments; "
    "your team on your scope of work with Modify & Approve Users' Time-Track (without Manage "
    "Scope of Work: only tasks also assigned to that user). A refused change changes nothing.",
)

RECORD = "/<uid:userId>/<date>/<int32:taskId>"


@blp.route("")
class TimeTrack(MethodView):
    @blp.arguments(s.TimeTrackListArgs, location="query")
    @blp.response(200, s.TimeTrackListSchema)
    @blp.errors()
    def get(self, args):
        """List time-track per user and day

        Records from `dateFrom` (to `dateTo`, or to the last tracked day), ordered by day and
        user, only those the caller may read. `stopAfter` (default and maximum 1000) cuts
        after the day on which that many records are reached; `nextDateFrom` then says where
        to continue. `includeReferenced`: `comments` adds each record's comment, `lockStatus`
        adds `locked` per day, the others add maps of the referenced objects keyed by id.
        """
        return timetrack.listing(get_db(), current_caller(), args)


@blp.route(RECORD)
class Record(MethodView):
    @blp.response(200, s.TimeRecordSchema)
    @blp.errors(404)
    def get(self, userId, date, taskId):  # noqa: N803 - the spec's parameter names
        """Get a user's time on a task on a day

        A day without time answers 0 minutes.
        """
        return timetrack.read(get_db(), current_caller(), userId, date, taskId)

    @blp.arguments(s.TimeSetSchema)
    @blp.response(200, s.TimeRecordSchema)
    @blp.errors(404, 413, 415)
    def patch(self, body, userId, date, taskId):  # noqa: N803
        """Set a user's time and/or comment on a task on a day

        `time` replaces the minutes (0 deletes the record). Refused whole when the day is
        locked (403 api.error.timetrack_locked), outside the user's employment, the task is not
        assigned to the user, or the user's day would exceed 1440 minutes.
        """
        return timetrack.change(
            get_db(),
            current_caller(),
            userId,
            date,
            taskId,
            minutes=body.get("time"),
            comment=body.get("comment"),
            set_comment="comment" in body,
        )


@blp.route(RECORD + "/time")
class RecordTime(MethodView):
    @blp.arguments(s.TimeDeltaSchema)
    @blp.response(200, s.TimeRecordSchema)
    @blp.errors(404, 413, 415)
    def patch(self, body, userId, date, taskId):  # noqa: N803
        """Add minutes to (or take them from) a user's time on a task on a day

        A delta that would leave the record below 0 is refused (400 api.error.negative_time),
        never clamped.
        """
        return timetrack.change(
            get_db(), current_caller(), userId, date, taskId, delta=body["delta"]
        )


period_action(
    blp,
    "/lock",
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
    "/unlock",
    s.LockSchema,
    s.LockResultSchema,
    """Unlock users' time-track for a period

    Needs Lock Time-Track For Any User.
    """,
    timetrack.unlock,
)
blueprints = [blp]
