"""Imports of other time trackers' exports: ``POST /imports/{format}``."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc, import_body
from timetracker.schemas import imports as s
from timetracker.services import imports
from timetracker.services.import_formats import FORMATS
from timetracker.store.db import get_db

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1",
    description="Imports of the history of other time trackers: the CSV exports of Toggl "
    "Track, Clockify, Harvest, Kimai and TimeTagger, and this server's own entries CSV.",
)

FORMAT_LIST = "; ".join(f"**{name}**: {fmt.title}" for name, fmt in FORMATS.items())
BODY = {
    "required": True,
    "content": {
        media: {"schema": {"type": "string"}, "example": FORMATS["toggl"].example}
        for media in ("text/csv", "text/tab-separated-values")
    },
}
FORMAT_PARAMETER = {
    "in": "path",
    "name": "format",
    "required": True,
    "schema": {"type": "string", "enum": list(FORMATS)},
}


@blp.route("/imports/<string:format>")
class Import(MethodView):
    accepts = ("text/csv", "text/tab-separated-values")

    @blp.arguments(s.HistoryImportArgs, location="query")
    @blp.doc(requestBody=BODY, parameters=[FORMAT_PARAMETER])
    @blp.response(200, s.HistoryImportResultSchema)
    @blp.errors(404, 409, 413, 415)
    @doc(
        "Import another time tracker's export\n\nThe formats: "
        + FORMAT_LIST
        + ". Columns are found by the export's English headers, in any order; columns an "
        "entry does not keep (rates, amounts) are ignored. Users are matched by email, "
        "username or full name (createUsers=true creates those not found); customers, "
        "projects and tasks by name, and created when missing (a line without one names 'No "
        "client', 'No project' or 'General'); tags by name, created when missing. Wall-clock "
        "times are read in the user's time zone group, which also decides the entry's day; "
        "Harvest's hours become untimed entries. Every line is judged first, each entry as "
        "POST /timeEntries judges it: if any is refused, the answer is 400 "
        "api.error.invalid_csv listing every problem with its line number, and nothing is "
        "imported. Lines an earlier import of the same export created are left alone "
        "(alreadyImported), so importing a file again creates nothing twice. dryRun=true "
        "answers what would be created and keeps nothing. Needs Enter Time-Track or Modify & "
        "Approve Users' Time-Track, and the rights to create what the file needs. At most "
        "TIMETRACKER_TIMETRACK_IMPORT_MAX_ROWS lines."
    )
    def post(self, args, format):  # noqa: A002 - the path's name
        config = current_app.config
        if format not in FORMATS:
            raise imports.unknown_format(format)
        options = imports.Options(max_rows=config["TIMETRACK_IMPORT_MAX_ROWS"], **args)
        return imports.import_file(
            lambda write: get_db(write=write),
            current_caller(),
            format,
            import_body(config["IMPORT_MAX_CONTENT_LENGTH"]),
            options,
        )


blueprints = [blp]
