"""Timers: start and stop, the minutes going to the time-track records of the days they ran."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.schemas import timers as s
from timetracker.services import timers
from timetracker.store.db import get_db

blp = Blueprint(
    "timers",
    __name__,
    url_prefix="/api/v1",
    description="Running timers, at most one per user. Stopping one adds the elapsed minutes "
    "(rounded, at least 1) to the user's records through the rules of a delta, split at "
    "midnight in the user's time zone; a stop those rules refuse (locked, approved, billed, "
    "over 1440 minutes, ...) changes nothing and the timer keeps running. Starting, stopping "
    "and discarding need the right to change that user's time on the task (yourself with "
    "Enter Time-Track, your team with Modify & Approve Users' Time-Track).",
)


TIMER_EXAMPLE = {
    "userId": 7,
    "taskId": 3,
    "comment": "Code review",
    "started": 1764583200000,
    "elapsedMinutes": 42,
}
STOP_EXAMPLE = {
    "userId": 7,
    "taskId": 3,
    "started": 1764583200000,
    "minutes": 90,
    "records": [{"date": "2026-12-01", "taskId": 3, "time": 210, "added": 90}],
}


@blp.route("/timers")
class Timers(MethodView):
    @blp.arguments(s.TimerListArgs, location="query")
    @blp.response(200, s.TimerListSchema, example={"items": [TIMER_EXAMPLE]})
    @blp.errors()
    @doc("List running timers\n\nThose whose time you may read, by user.")
    def get(self, args):
        return timers.listing(get_db(), current_caller(), args)

    @blp.arguments(s.TimerStartSchema)
    @blp.response(200, s.TimerSchema, example=TIMER_EXAMPLE)
    @blp.errors(404, 413, 415)
    @doc("Start a timer\n\nYours, or with `userId` a team member's (Modify & Approve). A timer "
         "already running for that user is stopped first, by the same rules as a stop: if "
         "they refuse it, nothing starts.")  # fmt: skip
    def post(self, body):
        return timers.start(get_db(), current_caller(), body)


@blp.route("/timers/<user:userId>/stop")
class TimerStop(MethodView):
    takes_no_body = True

    @blp.response(200, s.TimerStopSchema, example=STOP_EXAMPLE)
    @blp.errors(404)
    @doc("Stop a user's timer\n\n`me`: yours. 404 when none runs.")
    def post(self, userId):  # noqa: N803 - the document's parameter name
        return timers.stop(get_db(), current_caller(), userId)


@blp.route("/timers/<user:userId>")
class Timer(MethodView):
    @blp.response(204)
    @blp.errors(404)
    @doc("Discard a user's timer\n\nNo time is added.")
    def delete(self, userId):  # noqa: N803
        timers.discard(get_db(), current_caller(), userId)


blueprints = [blp]
