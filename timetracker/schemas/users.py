"""Users: accounts, schedules, permissions, teams, scopes of work, work assignments."""

from __future__ import annotations

from marshmallow import fields, validate

from timetracker.access import PERMISSIONS, can_see_private_user_fields, current_caller
from timetracker.event_payloads import payload_schema
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import (
    AllowedActions,
    CalendarDate,
    Id,
    IdList,
    IncludeReferenced,
    JsonBoolean,
    Modified,
    ModifiedAfterArgs,
    Name,
    PageArgs,
    QueryId,
    Sort,
    Text,
    Words,
    list_envelope,
)
from timetracker.schemas.departments import DepartmentSchema
from timetracker.schemas.optional_text import BlankText, OptionalEmail, OptionalText
from timetracker.schemas.time_zone_groups import TimeZoneGroupSchema

PRIVATE_USER_FIELDS = ("username", "email", "hired", "releaseDate")


def full_name(user) -> str:
    """First name, middle initial and last name, as the product displays a user."""
    parts = [user["first_name"]]
    if user.get("middle_name"):
        parts.append(user["middle_name"][0].upper() + ".")
    parts.append(user["last_name"])
    return " ".join(p for p in parts if p)


class UserAllowedActionsSchema(ApiSchema):
    canSubmitTimetrack = fields.Boolean(
        required=True, metadata={"description": "Whether the caller may enter time for this user"}
    )


@payload_schema("user")
class UserSchema(ApiSchema):
    """A user. ``username``, ``email``, ``hired`` and ``releaseDate`` are shown only to holders
    of Manage Accounts & Permissions (and to the user themselves); the password never is."""

    id = fields.Integer(required=True)
    firstName = fields.String(attribute="first_name")
    middleName = BlankText(
        attribute="middle_name",
        metadata={
            "description": '"" when the user has none, never null (typed actiTIME clients '
            "read a string)"
        },
    )
    lastName = fields.String(attribute="last_name")
    fullName = fields.Function(full_name, dump_only=True)
    active = fields.Boolean()
    departmentId = fields.Integer(attribute="department_id", required=True)
    timeZoneGroupId = fields.Integer(attribute="time_zone_group_id", required=True)
    username = fields.String()
    email = fields.String(
        allow_none=True,
        metadata={"description": "null when the user has none (an e-mail address or nothing)"},
    )
    hired = fields.Date(allow_none=True)
    releaseDate = fields.Date(attribute="release_date", allow_none=True)
    modified = Modified()
    allowedActions = AllowedActions(
        UserAllowedActionsSchema, "What the caller may do for this user"
    )

    def prepare(self):
        caller = current_caller()
        return caller, can_see_private_user_fields(caller)

    def finish(self, data, obj, state):
        caller, sees_private = state
        if not (sees_private or (caller is not None and caller.id == obj["id"])):
            for key in PRIVATE_USER_FIELDS:
                data.pop(key, None)
        return data


class _UserWriteFields(ApiSchema):
    username = Name(metadata={"description": "Login name, unique (case-insensitive)"})
    password = Text(
        load_only=True, validate=validate.Length(1, 255), metadata={"description": "Write-only"}
    )
    firstName = Name(attribute="first_name")
    middleName = OptionalText(
        attribute="middle_name",
        validate=validate.Length(max=255),
        metadata={"description": 'null or "" clears it (answered as "")'},
    )
    lastName = Name(attribute="last_name")
    email = OptionalEmail(
        validate=validate.Length(max=255),
        metadata={"description": 'null or "" clears it (answered as null)'},
    )
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


class UserListArgs(PageArgs, ModifiedAfterArgs):
    ids = IdList("Only the users with these ids")
    name = Words(
        attribute="words", metadata={"description": "Words the full name must all contain"}
    )
    email = Text(
        metadata={
            "description": "Exact e-mail, case-insensitive, among the users you may see (the "
            "answer shows e-mails only to Manage Accounts & Permissions and to their owner)"
        }
    )
    username = Text(
        metadata={
            "description": "Exact username, case-insensitive, among the users you may see: "
            "those whose username you may use in a path (the answer shows usernames only to "
            "Manage Accounts & Permissions and to their owner)"
        }
    )
    departmentIds = IdList(attribute="department_ids", description="Only these departments")
    department = QueryId(metadata={"description": "Only this department"})
    timeZoneGroupIds = IdList(
        attribute="time_zone_group_ids", description="Only these time zone groups"
    )
    timeZoneGroup = QueryId(metadata={"description": "Only this time zone group"})
    active = fields.Boolean(metadata={"description": "Only enabled or only disabled users"})
    sort = Sort(("lastName", "firstName", "username", "hired", "releaseDate", "modified"))
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
    userIds = fields.List(
        Id(),
        load_default=list,
        metadata={
            "description": "The members; answered: those you may see (without a manager "
            "permission the team reaches nobody, and lists only yourself if you are in it)"
        },
    )


class ScopeSchema(ApiSchema):
    allScope = JsonBoolean(
        load_default=False, metadata={"description": "The whole catalogue is the scope"}
    )
    customerIds = fields.List(Id(), load_default=list)
    projectIds = fields.List(Id(), load_default=list)


class WorkAssignmentsSchema(ScopeSchema):
    allScope = JsonBoolean(load_default=False, metadata={"description": "Assigned to every task"})
    taskIds = fields.List(Id(), load_default=list)


class ImportResultSchema(ApiSchema):
    imported = fields.Integer(required=True)
    userIds = fields.List(fields.Integer(), required=True)


UserListSchema = list_envelope(
    UserSchema, {"departments": DepartmentSchema, "timeZoneGroups": TimeZoneGroupSchema}
)
