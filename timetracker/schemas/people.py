"""Users, departments, time zone groups, leave types, user rates and /info."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from marshmallow import ValidationError, fields, validate

from timetracker.access import (
    PERMISSIONS,
    can_see_private_user_fields,
    current_caller,
    submit_checker,
)
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    Id,
    IdList,
    IncludeReferenced,
    JsonBoolean,
    JsonNumber,
    Name,
    NamedListArgs,
    PageArgs,
    QueryId,
    Sort,
    Text,
    Words,
    list_envelope,
)
from timetracker.schemas.users import UserRefSchema
from timetracker.store.db import get_db

EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(3000, 12, 31)
PRIVATE_USER_FIELDS = ("username", "email", "hired", "releaseDate")
BALANCES = ("None", "Sick", "PTO")


def CalendarDate(**kwargs) -> fields.Date:  # noqa: N802
    """A date within the product's range, 1970-01-01 to 3000-12-31."""
    kwargs["metadata"] = {
        "description": "YYYY-MM-DD, 1970-01-01 to 3000-12-31",
        # The document's way to say the year range (OpenAPI has no date minimum).
        "pattern": r"^(19[7-9][0-9]|2[0-9]{3}|3000)-",
        **kwargs.get("metadata", {}),
    }
    return fields.Date(validate=validate.Range(EARLIEST, LATEST), **kwargs)


# --- users ----------------------------------------------------------------------------------


class UserAllowedActionsSchema(ApiSchema):
    canSubmitTimetrack = fields.Boolean(
        required=True, metadata={"description": "Whether the caller may enter time for this user"}
    )


class UserSchema(UserRefSchema):
    """A user. ``username``, ``email``, ``hired`` and ``releaseDate`` are shown only to holders
    of Manage Accounts & Permissions (and to the user themselves); the password never is."""

    departmentId = fields.Integer(attribute="department_id", required=True)
    timeZoneGroupId = fields.Integer(attribute="time_zone_group_id", required=True)
    username = fields.String()
    email = fields.String(allow_none=True)
    hired = fields.Date(allow_none=True)
    releaseDate = fields.Date(attribute="release_date", allow_none=True)
    allowedActions = fields.Nested(
        UserAllowedActionsSchema,
        dump_only=True,
        metadata={"description": "What the caller may do for this user"},
    )

    computed_fields = ("allowedActions",)

    def prepare(self):
        caller = current_caller()
        return caller, can_see_private_user_fields(caller), submit_checker(get_db(), caller)

    def finish(self, data, obj, state):
        caller, sees_private, can_submit_for = state
        if not (sees_private or (caller is not None and caller.id == obj["id"])):
            for key in PRIVATE_USER_FIELDS:
                data.pop(key, None)
        data["allowedActions"] = {"canSubmitTimetrack": can_submit_for(obj)}
        return data


class _UserWriteFields(ApiSchema):
    username = Name(metadata={"description": "Login name, unique (case-insensitive)"})
    password = Text(
        load_only=True, validate=validate.Length(1, 255), metadata={"description": "Write-only"}
    )
    firstName = Name(attribute="first_name")
    middleName = Text(attribute="middle_name", allow_none=True, validate=validate.Length(max=255))
    lastName = Name(attribute="last_name")
    email = fields.Email(allow_none=True, validate=validate.Length(max=255))
    departmentId = Id(attribute="department_id", metadata={"description": "Default: -1"})
    timeZoneGroupId = Id(attribute="time_zone_group_id", metadata={"description": "Default: -1"})
    hired = CalendarDate(allow_none=True)
    releaseDate = CalendarDate(attribute="release_date", allow_none=True)
    active = JsonBoolean()


class UserCreateSchema(_UserWriteFields):
    username = Name(required=True, metadata={"description": "Login name, unique"})
    password = Text(
        required=True,
        load_only=True,
        validate=validate.Length(1, 255),
        metadata={"description": "Write-only"},
    )
    firstName = Name(attribute="first_name", required=True)
    lastName = Name(attribute="last_name", required=True)


class UserUpdateSchema(_UserWriteFields):
    pass


class UserListArgs(PageArgs):
    ids = IdList("Only the users with these ids")
    name = Words(
        attribute="words", metadata={"description": "Words the full name must all contain"}
    )
    email = Text(metadata={"description": "Exact e-mail (Manage Accounts & Permissions)"})
    username = Text(metadata={"description": "Exact username (Manage Accounts & Permissions)"})
    departmentIds = IdList(attribute="department_ids", description="Only these departments")
    department = QueryId(metadata={"description": "Only this department"})
    timeZoneGroupIds = IdList(
        attribute="time_zone_group_ids", description="Only these time zone groups"
    )
    timeZoneGroup = QueryId(metadata={"description": "Only this time zone group"})
    active = fields.Boolean(metadata={"description": "Only enabled or only disabled users"})
    sort = Sort(("lastName", "firstName", "username", "hired", "releaseDate"))
    includeReferenced = IncludeReferenced(("departments", "timeZoneGroups"))


class ScheduleArgs(ApiSchema):
    dateFrom = CalendarDate(required=True)
    dateTo = CalendarDate(required=True)


class ScheduleSchema(ApiSchema):
    dateFrom = fields.Date(required=True)
    dateTo = fields.Date(required=True)
    schedule = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "Workday minutes, one entry per day"},
    )


class WeeklyScheduleSchema(ApiSchema):
    days = fields.List(
        fields.Integer(strict=True, validate=validate.Range(0, 1440)),
        required=True,
        allow_none=True,
        validate=validate.Length(7, 7),
        metadata={"description": "Workday minutes Sunday to Saturday; null: company schedule"},
    )
    companyDefault = fields.Boolean(dump_only=True)


class PermissionsSchema(ApiSchema):
    permissions = fields.List(
        fields.String(validate=validate.OneOf(sorted(PERMISSIONS))),
        required=True,
        metadata={"description": "; ".join(f"{k}: {v}" for k, v in PERMISSIONS.items())},
    )
    seeAllUsersData = JsonBoolean(
        load_default=False,
        metadata={"description": "Listed in 'allow selected users to see all users' data'"},
    )


class TeamSchema(ApiSchema):
    allUsers = JsonBoolean(
        load_default=False, metadata={"description": "The whole company is the team"}
    )
    userIds = fields.List(Id(), load_default=list)


class ScopeSchema(ApiSchema):
    allScope = JsonBoolean(
        load_default=False, metadata={"description": "The whole catalogue is the scope"}
    )
    customerIds = fields.List(Id(), load_default=list)
    projectIds = fields.List(Id(), load_default=list)


class WorkAssignmentsSchema(ScopeSchema):
    allScope = JsonBoolean(load_default=False, metadata={"description": "Assigned to every task"})
    taskIds = fields.List(Id(), load_default=list)


# --- departments, time zone groups, leave types ------------------------------------------------


class DepartmentSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    default = fields.Boolean(attribute="is_default", required=True)


class DepartmentWriteSchema(ApiSchema):
    name = Name(required=True)


class DepartmentListArgs(NamedListArgs):
    sort = Sort(("name",))


TIME_ZONES = sorted(zoneinfo.available_timezones())


def TimeZoneId(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(
        attribute="time_zone_id",
        validate=validate.OneOf(TIME_ZONES, error="Not an IANA time zone, e.g. Europe/London"),
        metadata={"description": "IANA time zone"},
        **kwargs,
    )


class TimeZoneGroupSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    timeZoneId = fields.String(
        attribute="time_zone_id", required=True, metadata={"example": "Europe/London"}
    )
    default = fields.Boolean(attribute="is_default", required=True)


class TimeZoneGroupCreateSchema(ApiSchema):
    name = Name(required=True)
    timeZoneId = TimeZoneId(required=True)


class TimeZoneGroupUpdateSchema(ApiSchema):
    name = Name()
    timeZoneId = TimeZoneId()


class LeaveTypeSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    balance = fields.String(required=True, validate=validate.OneOf(BALANCES))
    rateFactor = fields.Float(attribute="rate_factor", required=True)
    archived = fields.Boolean(required=True)


class _LeaveTypeWriteFields(ApiSchema):
    balance = fields.String(
        validate=validate.OneOf(BALANCES), metadata={"description": "None, Sick or PTO"}
    )
    rateFactor = JsonNumber(0, 100, attribute="rate_factor", places=3)
    archived = JsonBoolean()


class LeaveTypeCreateSchema(_LeaveTypeWriteFields):
    name = Name(required=True)
    balance = fields.String(required=True, validate=validate.OneOf(BALANCES))
    rateFactor = JsonNumber(
        0,
        100,
        attribute="rate_factor",
        places=3,
        load_default=1,
        metadata={"description": "Share of the rate paid for leave; default 1"},
    )
    archived = JsonBoolean(load_default=False)


class LeaveTypeUpdateSchema(_LeaveTypeWriteFields):
    name = Name()


class Balance(Text):
    """None/Sick/PTO in any letter case."""

    PATTERN = r"^([Nn][Oo][Nn][Ee]|[Ss][Ii][Cc][Kk]|[Pp][Tt][Oo])$"

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        for balance in BALANCES:
            if balance.lower() == text.lower():
                return balance
        raise ValidationError("Must be one of None, Sick, PTO (any case)")


class LeaveTypeListArgs(NamedListArgs):
    balance = Balance(metadata={"description": "None, Sick or PTO (case-insensitive)"})
    archived = fields.Boolean()
    sort = Sort(("name",))


# --- user rates ---------------------------------------------------------------------------


class LeaveRateSchema(ApiSchema):
    leaveTypeId = Id(attribute="leave_type_id", required=True)
    rate = JsonNumber(0, 10**9, places=2, required=True)


class RateSchema(ApiSchema):
    dateFrom = CalendarDate(
        attribute="date_from",
        required=True,
        metadata={"description": "The rate applies from this date on"},
    )
    regularRate = JsonNumber(0, 10**9, attribute="regular_rate", places=2, required=True)
    overtimeRate = JsonNumber(0, 10**9, attribute="overtime_rate", places=2, required=True)
    leaveRates = fields.List(
        fields.Nested(LeaveRateSchema), attribute="leave_rates", load_default=list
    )


class UserRatesSchema(ApiSchema):
    userId = fields.Integer(required=True)
    rates = fields.List(fields.Nested(RateSchema), required=True)


class UserRatesArgs(PageArgs):
    userIds = IdList(attribute="user_ids", description="Only these users")


UserRatesListSchema = list_envelope(UserRatesSchema, name="UserRatesList")
UserListSchema = list_envelope(
    UserSchema, {"departments": DepartmentSchema, "timeZoneGroups": TimeZoneGroupSchema}
)
DepartmentListSchema = list_envelope(DepartmentSchema)
TimeZoneGroupListSchema = list_envelope(TimeZoneGroupSchema)
LeaveTypeListSchema = list_envelope(LeaveTypeSchema)
