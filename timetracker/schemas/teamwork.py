"""The Teamwork time API's shapes: hyphenated keys, numbers written as strings, ``"1"``/``"0"``
flags, dates ``YYYYMMDD`` and times ``HH:MM`` in, moments in UTC out, and ``"STATUS": "OK"``
beside every answer. Parameters clients spell two ways (``fromdate``/``fromDate``,
``sortby``/``sortBy``) are both declared: either is taken, both when they agree.

The module is too long for the 400-line rule on purpose: the face's shapes (entries, totals, and
the catalogue clients read around them) read together, as the one document they follow."""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import ValidationError, fields, post_load, validate
from marshmallow.utils import missing

from timetracker.errors import KeyedMessage
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import INT32_MAX, INT32_TEXT, ErrorSchema
from timetracker.schemas.optional_text import OptionalText

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
SORTS = ("date", "user", "task", "tasklist", "project", "company", "dateupdated")


# --- what comes in ------------------------------------------------------------------------------


# Each field takes exactly what the document says it does (its pattern, its range), no more and
# no less, so that a client reading the document is never surprised.
_DAY_TEXT = r"(19[7-9][0-9]|2[0-9]{3}|3000)(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
_TIME_TEXT = r"([01]?[0-9]|2[0-3]):([0-5]?[0-9])"
# 0 to 24 and 0 to 1440, written without leading zeros.
_UP_TO = {
    24: r"[0-9]|1[0-9]|2[0-4]",
    1440: r"[0-9]|[1-9][0-9]|[1-9][0-9]{2}|1[0-3][0-9]{2}|14[0-3][0-9]|1440",
}


class CompactDate(fields.String):
    """A day as ``YYYYMMDD`` (1970 to 3000); one of that shape that is no day (``20260230``)
    is 400 ``api.error.invalid_date``."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {
            "description": "YYYYMMDD",
            "pattern": f"^{_DAY_TEXT}$",
            "example": "20260304",
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dt.date:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(_DAY_TEXT, text):
            raise ValidationError(f"Not a date YYYYMMDD from 19700101 to 30001231: {text!r}")
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise ValidationError(KeyedMessage(f"{text} is no day", "invalid_date")) from None


class ClockTime(fields.String):
    """A time of day ``HH:MM`` (also unpadded, ``8:5``), 00:00 to 23:59."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {
            "description": "HH:MM (also unpadded, 8:5), 00:00 to 23:59",
            "pattern": f"^{_TIME_TEXT}$",
            "example": "09:30",
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dt.time:
        text = super()._deserialize(value, attr, data, **kwargs)
        found = re.fullmatch(_TIME_TEXT, text)
        if found is None:
            raise ValidationError(f"Not a time HH:MM from 00:00 to 23:59: {text!r}")
        return dt.time(int(found[1]), int(found[2]))


class Count(fields.Field):
    """A whole number from 0 to ``high``, as a JSON number or as digits in a string (``"15"``),
    as Teamwork's clients send them."""

    def __init__(self, high: int, **kwargs):
        self.high = high
        self.text = f"^({_UP_TO[high]})$"
        kwargs["metadata"] = {
            "description": f"0 to {high}, a number or a string of digits",
            "oneOf": [
                {"type": "integer", "minimum": 0, "maximum": high},
                {"type": "string", "pattern": self.text},
            ],
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, str) and re.fullmatch(self.text, value):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= self.high:
            raise ValidationError(f"Not a whole number from 0 to {self.high}")
        return value


class BodyId(fields.Field):
    """An id in a body: a number or a string of digits (``"999"``); one naming nothing is 404."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {
            "description": "An id, as a number or a string",
            "oneOf": [
                {"type": "integer", "minimum": -(2**31), "maximum": INT32_MAX},
                {"type": "string", "pattern": f"^{INT32_TEXT}$"},
            ],
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, str) and re.fullmatch(INT32_TEXT, value):
            return int(value)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not -(2**31) <= value <= INT32_MAX
        ):
            raise ValidationError("Not an id (a whole number, or one written as a string)")
        return value


class TaskId(BodyId):
    """A todo item's id in a body, or none: ``""``, ``0``, ``"0"`` or null (Teamwork's
    project-level time, without a task) is read as None."""

    NONE = ("", "0", 0, None)

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)
        self.metadata["oneOf"] = [*self.metadata["oneOf"], {"type": "string", "enum": [""]}]

    def _deserialize(self, value, attr, data, **kwargs) -> int | None:
        if not isinstance(value, bool) and value in self.NONE:
            return None
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Field):
    """Yes or no, as clients write it: ``"1"``/``"0"``, ``1``/``0``, ``true``/``false``, and
    ``"true"``/``"false"``."""

    YES = (True, 1, "1", "true")
    NO = (False, 0, "0", "false")

    def __init__(self, **kwargs):
        kwargs["metadata"] = {
            "oneOf": [
                {"type": "boolean"},
                {"type": "integer", "enum": [0, 1]},
                {"type": "string", "enum": ["1", "0", "true", "false"]},
            ],
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        # 1 == True in Python: the types are compared too.
        for answer, words in ((True, self.YES), (False, self.NO)):
            if any(type(value) is type(word) and value == word for word in words):
                return answer
        raise ValidationError('Not "1", "0", 1, 0, true, false, "true" or "false"')


class TeamworkTimeEntryFields(ApiSchema):
    """The ``time-entry`` of a create or update."""

    description = OptionalText(validate=validate.Length(max=10_000))
    person_id = BodyId(data_key="person-id", metadata={"description": "Whose entry (default: "
                       "yours on a create, unchanged on an update)"})  # fmt: skip
    date = CompactDate(metadata={"description": "YYYYMMDD: the day, in the person's time zone"})
    time = ClockTime(
        metadata={
            "description": "HH:MM (also 8:5): the start, in the person's time zone; without it "
            "the entry has no start time"
        }
    )
    hours = Count(24)
    minutes = Count(1440)
    isbillable = Flag(
        metadata={
            "description": '"1", "0", 1, 0, true or false; unset: as the task\'s type of work',
            "example": "1",
        }
    )
    tags = fields.String(
        validate=validate.Length(max=10_000),
        metadata={
            "description": "Tag names, comma-separated (a,b): the entry's tags, replacing "
            "those it had; names that do not exist are created (as POST /api/v1/tags)"
        },
    )
    todo_item_id = TaskId(
        data_key="todo-item-id",
        metadata={"description": "The task (todo item) the time is on, posting to a project or "
                  'updating (which moves the entry); "", 0 or leaving it out when posting to a '
                  "project: time on the project itself, without a task (kept on the project's "
                  "general task, answered with an empty todo-item-id)"},
    )  # fmt: skip
    project_id = BodyId(
        data_key="project-id",
        metadata={
            "description": "On an update: the project to move the entry to. Time on a project "
            "moves to the other project's own time; an entry on a task needs todo-item-id "
            "naming a task of that project (unless its task is in it already)"
        },
    )


class TeamworkTimeEntryBody(ApiSchema):
    time_entry = fields.Nested(TeamworkTimeEntryFields, data_key="time-entry", required=True)


def _either(data: dict, one: str, other: str, name: str):
    """The value of a parameter clients spell two ways: either, or both when they agree."""
    first, second = data.pop(one, missing), data.pop(other, missing)
    if first is not missing and second is not missing and first != second:
        message = f"{one} and {other} are one parameter: give one, or both alike"
        raise ValidationError(KeyedMessage(message, "conflicting_parameters"), one)
    value = first if first is not missing else second
    if value is not missing:
        data[name] = value


class TeamworkPeriodArgs(ApiSchema):
    """``fromdate``/``fromtime``/``todate``/``totime``, in either spelling, in the caller's time
    zone."""

    fromdate = CompactDate(metadata={"description": "From this day (YYYYMMDD), yours"})
    fromDate = CompactDate()  # noqa: N815 - the parameter's name
    fromtime = ClockTime(metadata={"description": "With fromdate: from this time (HH:MM)"})
    fromTime = ClockTime()  # noqa: N815
    todate = CompactDate(metadata={"description": "To this day (YYYYMMDD), included"})
    toDate = CompactDate()  # noqa: N815
    totime = ClockTime(metadata={"description": "With todate: to this time (HH:MM)"})
    toTime = ClockTime()  # noqa: N815
    userId = fields.Integer(  # noqa: N815
        validate=validate.Range(0, INT32_MAX),
        metadata={"description": "Only this user's time (0: every user's)"},
    )
    projectType = fields.String(  # noqa: N815
        validate=validate.OneOf(("all", "active", "archived")),
        metadata={"description": "Time on active projects, archived ones, or all (default)"},
    )

    @post_load
    def _one_spelling(self, data: dict, **kwargs) -> dict:
        for name in ("fromdate", "fromtime", "todate", "totime"):
            _either(data, name, name[:-4] + name[-4:].capitalize(), name)
        for side in ("from", "to"):
            if f"{side}time" in data and f"{side}date" not in data:
                message = f"{side}time is a time of {side}date: give {side}date too"
                raise ValidationError(KeyedMessage(message, "time_without_date"), f"{side}time")
        return data


class TeamworkTimeEntryListArgs(TeamworkPeriodArgs):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(1, INT32_MAX),
        metadata={"description": "The page (1: the first)"},
    )
    pageSize = fields.Integer(  # noqa: N815
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Entries a page (default {DEFAULT_PAGE_SIZE}, at most "
                  f"{MAX_PAGE_SIZE})"},
    )  # fmt: skip
    sortby = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "date (default), user, task, tasklist (= project), project, "
                  "company, dateupdated"},
    )  # fmt: skip
    sortBy = fields.String(validate=validate.OneOf(SORTS))  # noqa: N815
    sortorder = fields.String(
        validate=validate.OneOf(("asc", "desc", "ASC", "DESC")),
        metadata={"description": "ASC (default) or DESC"},
    )
    sortOrder = fields.String(validate=validate.OneOf(("asc", "desc", "ASC", "DESC")))  # noqa: N815
    billableType = fields.String(  # noqa: N815
        validate=validate.OneOf(("all", "billable", "nonbillable")),
        metadata={"description": "billable, nonbillable, or all (default)"},
    )
    invoicedType = fields.String(  # noqa: N815
        validate=validate.OneOf(("all", "invoiced", "noninvoiced")),
        metadata={"description": "invoiced, noninvoiced, or all (default)"},
    )
    showDeleted = fields.Boolean(  # noqa: N815
        metadata={"description": "Deleted entries too (default false)"},
    )
    tagIds = fields.String(  # noqa: N815
        validate=validate.Regexp(r"^[0-9]{1,10}(,[0-9]{1,10})*$"),
        metadata={"description": "Only entries with one of these tags (ids, comma-separated)"},
    )

    @post_load
    def _sort_spelling(self, data: dict, **kwargs) -> dict:
        _either(data, "sortby", "sortBy", "sortby")
        _either(data, "sortorder", "sortOrder", "sortorder")
        if "tagIds" in data:
            data["tagIds"] = [int(t) for t in data["tagIds"].split(",")]
        return data


class TeamworkTotalsArgs(TeamworkPeriodArgs):
    pass


class TeamworkProjectTotalsArgs(TeamworkPeriodArgs):
    page = fields.Integer(load_default=1, validate=validate.Range(1, INT32_MAX))
    pageSize = fields.Integer(  # noqa: N815
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Projects a page (default {DEFAULT_PAGE_SIZE}, at most "
                  f"{MAX_PAGE_SIZE})"},
    )  # fmt: skip


class TeamworkPageArgs(ApiSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, INT32_MAX))
    pageSize = fields.Integer(  # noqa: N815
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Items a page (default {DEFAULT_PAGE_SIZE}, at most "
                  f"{MAX_PAGE_SIZE})"},
    )  # fmt: skip


# --- what goes out ------------------------------------------------------------------------------


def Hyphenated(name: str, **kwargs) -> fields.String:  # noqa: N802 - a field factory
    """A value written as a string, under a hyphenated key."""
    return fields.String(data_key=name, required=True, **kwargs)


class TeamworkTagSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    color = fields.String(required=True, metadata={"example": "#2f8de4"})


def _entry_fields(flag: fields.Field) -> dict[str, fields.Field]:
    """An entry as answered (``services/teamwork.py`` builds it in this shape, so the views
    answer it as it is: its keys are these fields' names)."""
    text = {
        name: fields.String(required=True, metadata={"description": about} if about else {})
        for name, about in (
            ("id", ""),
            ("project-id", ""),
            ("project-name", ""),
            ("project-status", "active or archived"),
            ("company-id", "The customer's id"),
            ("company-name", ""),
            ("todo-list-id", "The project's id: a project's one task list (empty for time "
             "on the project without a task)"),
            ("todo-list-name", "The project's name (empty without a task)"),
            ("todo-item-id", "The task's id; empty for time on the project without a task"),
            ("todo-item-name", ""),
            ("person-id", ""),
            ("person-first-name", ""),
            ("person-last-name", ""),
            ("description", ""),
            ("date", "The start in UTC; for an entry without a start, the beginning of its "
             "day in its person's time zone, in UTC (2014-03-30T10:10:00Z)"),
            ("hours", "Whole hours of the time"),
            ("minutes", "Minutes beyond the hours"),
            ("isbillable", '"1" or "0"'),
            ("invoiceNo", "The number of the invoice that billed it, or empty"),
        )
    }  # fmt: skip
    return {
        **text,
        "tags": fields.List(
            fields.Nested(TeamworkTagSchema),
            required=True,
            metadata={"description": "The entry's tags (this server's /api/v1/tags)"},
        ),
        "has-start-time": flag,
    }


TeamworkTimeEntryItemSchema = ApiSchema.from_dict(
    _entry_fields(
        fields.String(required=True, metadata={"enum": ["1", "0"], "description": '"1" or "0"'})
    ),
    name="TeamworkTimeEntryItem",
)
TeamworkTimeEntrySchema = ApiSchema.from_dict(
    _entry_fields(fields.Boolean(required=True)), name="TeamworkTimeEntry"
)
TeamworkTimeEntryListSchema = ApiSchema.from_dict(
    {
        "time-entries": fields.List(fields.Nested(TeamworkTimeEntryItemSchema), required=True),
        "STATUS": fields.String(required=True, metadata={"example": "OK"}),
    },
    name="TeamworkTimeEntryList",
)
TeamworkTimeEntryOneSchema = ApiSchema.from_dict(
    {
        "time-entry": fields.Nested(TeamworkTimeEntrySchema, required=True),
        "STATUS": fields.String(required=True, metadata={"example": "OK"}),
    },
    name="TeamworkTimeEntryOne",
)


class TeamworkCreatedSchema(ApiSchema):
    timeLogId = fields.String(required=True)  # noqa: N815
    STATUS = fields.String(required=True, metadata={"example": "OK"})


class TeamworkStatusSchema(ApiSchema):
    STATUS = fields.String(required=True, metadata={"example": "OK"})


def _sums() -> dict[str, fields.Field]:
    attrs: dict[str, fields.Field] = {}
    for part in ("total", "billable", "non-billable", "billed", "non-billed"):
        attrs[f"{part}-mins-sum"] = fields.String(required=True)
        attrs[f"{part}-hours-sum"] = fields.String(
            required=True, metadata={"description": "Hours, two decimals"}
        )
    return attrs


def _estimates() -> dict[str, fields.Field]:
    attrs: dict[str, fields.Field] = {}
    for part in ("total", "active", "completed"):
        attrs[f"{part}-mins-estimated"] = fields.String(required=True)
        attrs[f"{part}-hours-estimated"] = fields.String(required=True)
    return attrs


TimeTotalsSchema = ApiSchema.from_dict(_sums(), name="TeamworkTimeTotals")
TimeEstimatesSchema = ApiSchema.from_dict(_estimates(), name="TeamworkTimeEstimates")


class TeamworkCompanyRefSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class TeamworkTotalsSchema(ApiSchema):
    STATUS = fields.String(required=True, metadata={"example": "OK"})
    time_totals = fields.Nested(TimeTotalsSchema, data_key="time-totals", required=True)


class _Totalled(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    time_estimates = fields.Nested(TimeEstimatesSchema, data_key="time-estimates", required=True)
    time_totals = fields.Nested(TimeTotalsSchema, data_key="time-totals", required=True)


class TeamworkTaskTotalsSchema(_Totalled):
    pass


class TeamworkTaskListOfTaskSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    task = fields.Nested(TeamworkTaskTotalsSchema, required=True)


class TeamworkTaskListTotalsSchema(_Totalled):
    pass


class TeamworkProjectTotalsSchema(_Totalled):
    company = fields.Nested(TeamworkCompanyRefSchema, required=True)


class TeamworkProjectOfTaskListSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    company = fields.Nested(TeamworkCompanyRefSchema, required=True)
    tasklist = fields.Nested(TeamworkTaskListTotalsSchema, required=True)


class TeamworkProjectOfTaskSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    company = fields.Nested(TeamworkCompanyRefSchema, required=True)
    tasklist = fields.Nested(TeamworkTaskListOfTaskSchema, required=True)


def _projects_answer(item: type, name: str):
    return ApiSchema.from_dict(
        {
            "STATUS": fields.String(required=True, metadata={"example": "OK"}),
            "projects": fields.List(fields.Nested(item), required=True),
        },
        name=name,
    )


ProjectTotalsAnswer = _projects_answer(TeamworkProjectTotalsSchema, "TeamworkProjectTotalsAnswer")
TaskListTotalsAnswer = _projects_answer(
    TeamworkProjectOfTaskListSchema, "TeamworkTaskListTotalsAnswer"
)
TaskTotalsAnswer = _projects_answer(TeamworkProjectOfTaskSchema, "TeamworkTaskTotalsAnswer")


class TeamworkProjectSumsSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    company = fields.Nested(TeamworkCompanyRefSchema, required=True)
    totalMins = fields.String(required=True)  # noqa: N815
    totalBillableMins = fields.String(required=True)  # noqa: N815
    totalNonBillableMins = fields.String(required=True)  # noqa: N815


ProjectSumsAnswer = _projects_answer(TeamworkProjectSumsSchema, "TeamworkProjectSumsAnswer")


# --- what clients read around the time -----------------------------------------------------------


def _answer(name: str, key: str, item: type, many: bool) -> type:
    """``{key: item or [items], "STATUS": "OK"}``."""
    inner = fields.Nested(item, required=True, data_key=key)
    if many:
        inner = fields.List(fields.Nested(item), required=True, data_key=key)
    return ApiSchema.from_dict(
        {
            key.replace("-", "_"): inner,
            "STATUS": fields.String(required=True, metadata={"example": "OK"}),
        },
        name=name,
    )


class TeamworkPersonSchema(ApiSchema):
    id = fields.String(required=True)
    first_name = Hyphenated("first-name")
    last_name = Hyphenated("last-name")
    user_name = Hyphenated("user-name")
    email_address = Hyphenated("email-address")


class TeamworkAccountSchema(ApiSchema):
    id = fields.String(required=True)
    URL = fields.String(required=True, metadata={"description": "This face's base URL"})
    userId = fields.String(required=True, metadata={"description": "Your id"})  # noqa: N815
    firstname = fields.String(required=True)
    lastname = fields.String(required=True)


class TeamworkProjectSchema(ApiSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "active or archived"})
    company = fields.Nested(TeamworkCompanyRefSchema, required=True)


class TeamworkTaskListSchema(ApiSchema):
    id = fields.String(required=True, metadata={"description": "The project's id"})
    name = fields.String(required=True, metadata={"description": "The project's name"})
    project_id = fields.String(data_key="projectId", required=True)
    project_name = fields.String(data_key="projectName", required=True)


class TeamworkTodoListSchema(ApiSchema):
    id = fields.String(required=True, metadata={"description": "The project's id"})
    name = fields.String(required=True, metadata={"description": "The project's name"})
    project_id = Hyphenated("project-id")
    project_name = Hyphenated("project-name")


class TeamworkTodoItemSchema(ApiSchema):
    id = fields.String(required=True)
    content = fields.String(required=True, metadata={"description": "The task's name"})
    description = fields.String(required=True)
    project_id = Hyphenated("project-id")
    project_name = Hyphenated("project-name")
    todo_list_id = Hyphenated("todo-list-id")
    todo_list_name = Hyphenated("todo-list-name")
    company_id = Hyphenated("company-id")
    company_name = Hyphenated("company-name")
    completed = fields.Boolean(required=True)
    estimated_minutes = fields.Integer(data_key="estimated-minutes", required=True)


TeamworkMeAnswer = _answer("TeamworkMeAnswer", "person", TeamworkPersonSchema, False)
TeamworkAccountAnswer = _answer("TeamworkAccountAnswer", "account", TeamworkAccountSchema, False)
TeamworkPeopleAnswer = _answer("TeamworkPeopleAnswer", "people", TeamworkPersonSchema, True)
TeamworkCompaniesAnswer = _answer(
    "TeamworkCompaniesAnswer", "companies", TeamworkCompanyRefSchema, True
)
TeamworkProjectsAnswer = _answer("TeamworkProjectsAnswer", "projects", TeamworkProjectSchema, True)
TeamworkProjectAnswer = _answer("TeamworkProjectAnswer", "project", TeamworkProjectSchema, False)
TeamworkTaskListsAnswer = _answer(
    "TeamworkTaskListsAnswer", "tasklists", TeamworkTaskListSchema, True
)
TeamworkTodoListAnswer = _answer(
    "TeamworkTodoListAnswer", "todo-list", TeamworkTodoListSchema, False
)
TeamworkTodoItemsAnswer = _answer(
    "TeamworkTodoItemsAnswer", "todo-items", TeamworkTodoItemSchema, True
)
TeamworkTodoItemAnswer = _answer(
    "TeamworkTodoItemAnswer", "todo-item", TeamworkTodoItemSchema, False
)


class TeamworkErrorSchema(ErrorSchema):
    """An error of the Teamwork face: the usual members, and ``STATUS`` and ``MESSAGE`` that its
    clients read."""

    STATUS = fields.String(required=True, metadata={"enum": ["Error"]})
    MESSAGE = fields.String(required=True, metadata={"description": "The message again"})
