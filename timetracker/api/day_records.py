"""The endpoints time-track and leave time share: records of minutes per user, day and object
(a task, a leave type), listed whole days at a time, read, set and shifted.

``{userId}`` is an id or a username; ``{date}`` is ``YYYY-MM-DD`` or ``today`` (in the time zone
of the user's time zone group).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from flask.views import MethodView
from marshmallow import Schema

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.store.db import get_db


@dataclass(frozen=True)
class DayRecords:
    # A service module with listing, read, set_record and shift_record.
    service: ModuleType
    # Under /api/v1: the list's ("/timetrack"), one record's (its object's parameter last:
    # "/timetrack/<user:userId>/<day:date>/<int32:taskId>") and the record's time delta's.
    path: str
    record_path: str
    time_path: str
    list_args: type[Schema]
    list_schema: type[Schema]
    record_schema: type[Schema]
    set_schema: type[Schema]
    delta_schema: type[Schema]
    # "list", "get", "set", "shift" -> the operation's summary and description
    docs: Mapping[str, str]
    # Error statuses the writes may answer beyond the common ones (time-track: 409 when a
    # record would go below its timed entries).
    write_errors: tuple[int, ...] = ()


_LAST_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>$")


def add_day_record_routes(blp: Blueprint, spec: DayRecords) -> None:
    service = spec.service
    param = _LAST_PARAMETER.search(spec.record_path).group(1)  # taskId, leaveTypeId

    @blp.route(spec.path)
    class Records(MethodView):
        @blp.arguments(spec.list_args, location="query")
        @blp.response(200, spec.list_schema)
        @blp.errors()
        @doc(spec.docs["list"])
        def get(self, args):
            return service.listing(get_db(), current_caller(), args)

    @blp.route(spec.record_path)
    class Record(MethodView):
        @blp.response(200, spec.record_schema)
        @blp.errors(404)
        @doc(spec.docs["get"])
        def get(self, userId, date, **path):  # noqa: N803 - the spec's parameter names
            return service.read(get_db(), current_caller(), userId, date, path[param])

        @blp.arguments(spec.set_schema)
        @blp.response(200, spec.record_schema)
        @blp.errors(404, 413, 415, *spec.write_errors)
        @doc(spec.docs["set"])
        def patch(self, body, userId, date, **path):  # noqa: N803
            return service.set_record(get_db(), current_caller(), userId, date, path[param], body)

    @blp.route(spec.time_path)
    class RecordTime(MethodView):
        @blp.arguments(spec.delta_schema)
        @blp.response(200, spec.record_schema)
        @blp.errors(404, 413, 415, *spec.write_errors)
        @doc(spec.docs["shift"])
        def patch(self, body, userId, date, **path):  # noqa: N803
            return service.shift_record(
                get_db(), current_caller(), userId, date, path[param], body["delta"]
            )
