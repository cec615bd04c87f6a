"""Time entries: what is tracked. A day record of ``/timetrack`` is the sum of its entries."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView
from marshmallow import ValidationError

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, csv_body, doc, import_body
from timetracker.api.crud import Crud, crud_blueprint
from timetracker.api.csv_stream import csv_columns, csv_example
from timetracker.errors import invalid, validation_error
from timetracker.schemas import time_entries as s
from timetracker.services import time_entry_import, timers
from timetracker.services.entry_settings import change_entry_settings, entry_settings
from timetracker.services.time_entries import (
    TAG_NAMES,
    time_entries,
)
from timetracker.services.time_entries_many import MAX_BULK, create_many
from timetracker.store.db import get_db

RELATION = (
    "A day record (GET /timetrack/{userId}/{date}/{taskId}) is the sum of the minutes of that "
    "user's, day's and task's live, stopped entries, kept in the same transaction as every "
    "change; its comment is the record's own. A change of an entry is judged as the change of "
    "the day records it touches (its old and its new day): who may change that user's time on "
    "the task, work assignments, employment dates, locks, approved weeks, billed records and "
    "the 1440 minutes of a day; a change whose old or new day is refused changes nothing. A "
    "write to the record itself (PATCH /timetrack/...) acts on the day's untimed entries only."
)


def entry_routes(blp: Blueprint) -> None:
    """Creating entries, one or many; timers."""

    @blp.route("/timeEntries")
    class Create(MethodView):
        @blp.response(200, s.TimeEntrySchema)
        @blp.errors(404, 409, 413, 415)
        @blp.doc(requestBody=ONE_OR_MANY)
        @doc(
            "Create time entries\n\nOne entry (an object), or up to 1000 (an array), all or "
            "nothing: each is judged as one, and a refusal (400 api.error.invalid_entries) "
            "names every refused item by its index. Untimed (a date and minutes) or timed (a "
            "start and an end, or a start and minutes). Each day record grows by its entries' "
            "minutes. An array is answered by the array of the created entries."
        )
        def post(self):
            body = request.get_json()
            caller = current_caller()
            if not isinstance(body, list):
                return time_entries.create(get_db(), caller, _load(s.TimeEntryCreateSchema(), body))
            if not 1 <= len(body) <= MAX_BULK:
                raise invalid(f"Send 1 to {MAX_BULK} entries at once", "body")
            items = _CREATE.load_each(body)
            if items is None:  # something to refuse (or unusual): the schema says what
                items = _load(s.TimeEntryCreateSchema(many=True), body)
            created = create_many(get_db(), caller, items)
            return jsonify(_MANY.dump(created))

    @blp.route("/timeEntries/import")
    class Import(MethodView):
        accepts = ("text/csv",)

        @blp.doc(requestBody=csv_body(time_entry_import.TEMPLATE))
        @blp.response(200, s.TimeEntryImportResultSchema)
        @blp.errors(413, 415)
        @doc(
            "Import time entries from CSV\n\nColumns (the header row names them, in any "
            "order): username, customer, project, task (names, matched case-insensitively), "
            "then date and minutes (an untimed entry), or start and end (ISO 8601 with an "
            "offset), or start and minutes; description and billable (true/false; empty: the "
            "task's type of work) are optional. Each line becomes one entry, judged as one "
            "created through POST /timeEntries: if any line is refused, the answer is 400 "
            "api.error.invalid_csv listing every problem with its line number, and nothing is "
            "imported. Needs Enter Time-Track or Modify & Approve Users' Time-Track. At most "
            "TIMETRACKER_TIMETRACK_IMPORT_MAX_ROWS lines."
        )
        def post(self):
            config = current_app.config
            return time_entry_import.import_csv(
                lambda write: get_db(write=write),
                current_caller(),
                import_body(config["IMPORT_MAX_CONTENT_LENGTH"]),
                max_rows=config["TIMETRACK_IMPORT_MAX_ROWS"],
            )

    @blp.route("/timeEntrySettings")
    class Settings(MethodView):
        @blp.response(200, s.TimeEntrySettingsSchema)
        @blp.errors()
        @doc("Get the company's time entry settings")
        def get(self):
            return entry_settings(get_db())

        @blp.arguments(s.TimeEntrySettingsUpdateSchema)
        @blp.response(200, s.TimeEntrySettingsSchema)
        @blp.errors(413, 415)
        @doc("Change the company's time entry settings\n\nNeeds Manage System Settings.")
        def patch(self, body):
            return change_entry_settings(get_db(), current_caller(), body)

    timer_routes(blp)


# Built once: its row writer is compiled on its first answer.
_MANY = s.TimeEntrySchema(many=True)
_CREATE = s.TimeEntryCreateSchema()


def _load(schema, body):
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise validation_error(exc.messages) from exc


def timer_routes(blp: Blueprint) -> None:
    """A timer is a running entry: a start and no end, one per user, counting nothing until it
    stops. ``/timers`` shows the same running entries in its own shape."""

    @blp.route("/timeEntries/start")
    class Start(MethodView):
        @blp.arguments(s.TimeEntryStartSchema)
        @blp.response(200, s.TimeEntrySchema)
        @blp.errors(404, 409, 413, 415)
        @doc(
            "Start a timer\n\nA running entry of the task from now, for you (or, with Modify & "
            "Approve, a team member). A running timer of that user is stopped first; a stop "
            "those rules refuse refuses the start too, and nothing changes."
        )
        def post(self, body):
            return timers.start_entry(get_db(), current_caller(), body)

    @blp.route("/timeEntries/stop")
    class Stop(MethodView):
        takes_no_body = True  # an action named by its path and query alone

        @blp.arguments(s.RunningArgs, location="query")
        @blp.response(200, s.StoppedEntriesSchema)
        @blp.errors(404)
        @doc(
            "Stop a timer\n\nThe running entry ends now: the elapsed time rounded to the "
            "nearest minute (at least 1), split at each midnight of the user's time zone into "
            "one entry per day, each judged as any entry change (locks, approved weeks, billed "
            "records, 1440 minutes a day...). A refused stop changes nothing and the timer "
            "keeps running. 404 when none runs."
        )
        def post(self, args):
            return timers.stop_entry(get_db(), current_caller(), args["userId"])

    @blp.route("/timeEntries/current")
    class Current(MethodView):
        @blp.arguments(s.RunningArgs, location="query")
        @blp.response(200, s.TimeEntrySchema)
        @blp.errors(404)
        @doc("Get the running entry\n\n404 when no timer runs.")
        def get(self, args):
            return timers.current(get_db(), current_caller(), args["userId"])


# The CSV and Excel of the list: the entries' fields, without what belongs to the caller, and
# the names of their tags (last: see TimeEntries.export).
CSV_COLUMNS = csv_columns(s.TimeEntrySchema, ("allowedActions", "tagIds"))
CSV_COLUMNS.append((TAG_NAMES, TAG_NAMES))

ONE_OR_MANY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    s.TimeEntryCreateSchema,
                    {"type": "array", "items": s.TimeEntryCreateSchema, "minItems": 1,
                     "maxItems": MAX_BULK},
                ]
            }
        }
    },
}  # fmt: skip

blp = crud_blueprint(
    Crud(
        service=time_entries,
        path="/timeEntries",
        item_path="/timeEntries/<int32:id>",
        description="Time entries: an id, the day it counts on, an optional start and end, "
        "minutes, a description, a billable flag. " + RELATION,
        schema=s.TimeEntrySchema,
        list_schema=s.TimeEntryListSchema,
        list_args=s.TimeEntryListArgs,
        create_schema=None,  # entry_routes: one or many
        update_schema=s.TimeEntryUpdateSchema,
        docs={
            "list": "List time entries\n\nThe entries whose time you may read, by date "
            "(then start, untimed first, then id) unless sorted. Deleted entries only with "
            "includeDeleted=true.",
            "create": "Create a time entry\n\nUntimed (a date and minutes) or timed (a start "
            "and an end, or a start and minutes). Its day record grows by its minutes.",
            "get": "Get a time entry\n\nDeleted entries answer too, with deleted: true.",
            "update": "Modify a time entry\n\nMoving it (another day, task or user) is judged "
            "on both days. A billed entry takes no change.",
            "delete": "Delete a time entry\n\nIt is kept, marked deleted; its day record "
            "shrinks by its minutes.",
        },
        errors={"create": (404, 409), "update": (409,), "delete": (409,)},
        counted=True,
        extra_routes=entry_routes,
        csv=CSV_COLUMNS,
        csv_example=csv_example(s.TimeEntrySchema, CSV_COLUMNS, {TAG_NAMES: "Client call; Design"}),
    )
)

blueprints = [blp]
