"""Users: accounts, schedules, permissions, assigned teams, scopes of work, work assignments.

``{uid}`` is a user id or a username.
"""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from marshmallow import fields

from timetracker import access
from timetracker.access import MANAGE_SCOPE_OF_WORK, current_caller
from timetracker.api.common import Blueprint, list_response
from timetracker.errors import ApiError, access_denied
from timetracker.schemas import people as s
from timetracker.schemas.base import ApiSchema
from timetracker.services import people, user_import
from timetracker.store import entities
from timetracker.store.db import get_db, restart_as_write
from timetracker.store.entities import DEPARTMENTS, TIME_ZONE_GROUPS, USERS
from timetracker.store.util import name_key

blp = Blueprint(
    "users",
    __name__,
    url_prefix="/api/v1/users",
    description="Users. Everyone sees themselves; managers (Modify & Approve Users' Time-Track, "
    "Manage Scope of Work, Manage Cost & Billing Data) also see their assigned team; Manage "
    "Accounts & Permissions and 'see all users' data' see everyone. username, email, hired and "
    "releaseDate are shown only to Manage Accounts & Permissions and to the user themselves.",
)

PRIVATE_SORTS = {"username", "hired", "releaseDate"}


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _self_or_account_manager(row) -> None:
    caller = current_caller()
    if row["id"] != caller.id and not access.can_manage_accounts(caller):
        raise access_denied(
            "Only the user and holders of Manage Accounts & Permissions may read this"
        )


@blp.route("")
class Users(MethodView):
    @blp.arguments(s.UserListArgs, location="query")
    @blp.response(200, s.UserListSchema)
    @blp.errors()
    def get(self, args):
        """List users

        `email`, `username` and sorting by username, hired or releaseDate need Manage Accounts
        & Permissions (403 otherwise): they reveal private fields.
        """
        caller = current_caller()
        private = {"email", "username"} & set(args) or PRIVATE_SORTS & {
            f for f, _ in args.get("sort") or ()
        }
        if private and not access.can_see_private_user_fields(caller):
            raise access_denied(
                f"Filtering or sorting by {', '.join(sorted(private))} needs "
                f"Manage Accounts & Permissions"
            )
        args = dict(args)
        if "username" in args:
            args["username_key"] = name_key(args.pop("username"))
        if "email" in args:
            args["email_key"] = args.pop("email").lower()
        for single, many in (
            ("department", "department_ids"),
            ("timeZoneGroup", "time_zone_group_ids"),
        ):
            if single in args:
                args[many] = [*args.get(many, []), args.pop(single)]
        conn = get_db()
        rows = entities.list_rows(conn, USERS, args, access.user_filter(caller))
        return list_response(
            args,
            rows,
            {
                "departments": lambda items: entities.rows_by_ids(
                    conn, DEPARTMENTS, (u["department_id"] for u in items)
                ),
                "timeZoneGroups": lambda items: entities.rows_by_ids(
                    conn, TIME_ZONE_GROUPS, (u["time_zone_group_id"] for u in items)
                ),
            },
        )

    @blp.arguments(s.UserCreateSchema)
    @blp.response(200, s.UserSchema)
    @blp.errors(404, 413, 415)
    def post(self, body):
        """Create a user

        Needs Manage Accounts & Permissions. A duplicate username answers 400
        api.error.user_exists.
        """
        access.ensure_can_manage_accounts(current_caller())
        return people.create_user(get_db(), body, _hash_method())


class ImportResultSchema(ApiSchema):
    imported = fields.Integer(required=True)
    userIds = fields.List(fields.Integer(), required=True)


@blp.route("/import")
class Import(MethodView):
    accepts = ("text/csv",)
    late_write = True  # hashing every password must not hold the write lock

    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": user_import.TEMPLATE}
            },
        }
    )
    @blp.response(200, ImportResultSchema)
    @blp.errors(413, 415)
    def post(self):
        """Import users from CSV

        Columns: username, password, firstName, middleName, lastName, email, department (name),
        timeZoneGroup (name), hired, releaseDate, permissions (separated by `;`); the header row
        names them. Every row is checked first: if any is bad, the answer is 400
        api.error.invalid_csv listing every problem with its line number, and nothing is
        imported. Needs Manage Accounts & Permissions.
        """
        access.ensure_can_manage_accounts(current_caller())
        try:
            text = request.get_data().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise user_import.refuse([f"The file is not UTF-8 text ({exc.reason})"]) from exc
        plan = user_import.plan(get_db(), text)
        if plan.errors:
            raise user_import.refuse(plan.errors)
        user_import.hash_passwords(plan.rows, _hash_method())
        user_ids = user_import.insert(restart_as_write(), plan.rows)
        return {"imported": len(user_ids), "userIds": user_ids}


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, s.UserSchema)
    @blp.errors()
    def get(self):
        """Get the authenticated user"""
        return entities.get_row(get_db(), USERS, current_caller().id)


@blp.route("/<uid:uid>")
class User(MethodView):
    @blp.response(200, s.UserSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a user"""
        return people.visible_user(get_db(), current_caller(), uid)

    @blp.arguments(s.UserUpdateSchema)
    @blp.response(200, s.UserSchema)
    @blp.errors(404, 413, 415)
    def patch(self, body, uid):
        """Modify a user

        Needs Manage Accounts & Permissions. Disable an account with `active: false`; you
        cannot disable yourself.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller)
        if row["id"] == caller.id and body.get("active") is False:
            raise ApiError(
                400, "cannot_disable_self", "You cannot disable your own account", fields="active"
            )
        return people.update_user(get_db(), row, body, _hash_method())

    @blp.response(204)
    @blp.errors(404)
    def delete(self, uid):
        """Delete a user

        Needs Manage Accounts & Permissions. A user who has tracked time or written comments
        cannot be deleted (400 api.error.user_has_data): disable the account instead.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller)
        people.delete_user(get_db(), caller, row)


@blp.route("/<uid:uid>/schedule")
class Schedule(MethodView):
    @blp.arguments(s.ScheduleArgs, location="query")
    @blp.response(200, s.ScheduleSchema)
    @blp.errors(404)
    def get(self, args, uid):
        """Get a user's workday minutes per day

        From the user's weekly schedule, or the company's (480 minutes Monday to Friday by
        default); 0 before the hire date and after the release date.
        """
        row = people.visible_user(get_db(), current_caller(), uid)
        return {
            "dateFrom": args["dateFrom"],
            "dateTo": args["dateTo"],
            "schedule": people.schedule(get_db(), row, args["dateFrom"], args["dateTo"]),
        }


@blp.route("/<uid:uid>/weeklySchedule")
class WeeklySchedule(MethodView):
    @blp.response(200, s.WeeklyScheduleSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a user's weekly schedule"""
        row = people.visible_user(get_db(), current_caller(), uid)
        days, company = people.weekly_schedule(get_db(), row)
        return {"days": days, "companyDefault": company}

    @blp.arguments(s.WeeklyScheduleSchema)
    @blp.response(200, s.WeeklyScheduleSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a user's weekly schedule

        Seven values, Sunday first; `null` returns the user to the company's schedule. Needs
        Manage Accounts & Permissions.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller, "schedules")
        people.set_weekly_schedule(get_db(), row, body["days"])
        days, company = people.weekly_schedule(
            get_db(), entities.get_row(get_db(), USERS, row["id"])
        )
        return {"days": days, "companyDefault": company}


@blp.route("/<uid:uid>/permissions")
class Permissions(MethodView):
    @blp.response(200, s.PermissionsSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a user's permissions"""
        row = people.visible_user(get_db(), current_caller(), uid)
        _self_or_account_manager(row)
        return people.permissions(get_db(), row)

    @blp.arguments(s.PermissionsSchema)
    @blp.response(200, s.PermissionsSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a user's permissions

        Replaces the whole set. Needs Manage Accounts & Permissions, which you cannot take
        from yourself.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller, "permissions")
        return people.set_permissions(get_db(), caller, row, body)


@blp.route("/<uid:uid>/team")
class Team(MethodView):
    @blp.response(200, s.TeamSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a manager's assigned team"""
        row = people.visible_user(get_db(), current_caller(), uid)
        _self_or_account_manager(row)
        return people.team(get_db(), row)

    @blp.arguments(s.TeamSchema)
    @blp.response(200, s.TeamSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a manager's assigned team

        The users the manager's permissions apply to, or `allUsers`. Needs Manage Accounts &
        Permissions.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller, "teams")
        return people.set_team(get_db(), row, body)


@blp.route("/<uid:uid>/scope")
class ScopeOfWork(MethodView):
    @blp.response(200, s.ScopeSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a manager's scope of work"""
        row = people.visible_user(get_db(), current_caller(), uid)
        _self_or_account_manager(row)
        return people.scope(get_db(), row)

    @blp.arguments(s.ScopeSchema)
    @blp.response(200, s.ScopeSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a manager's scope of work

        Customers and projects (with everything under them) the manager's permissions apply
        to, or `allScope`. Needs Manage Accounts & Permissions.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller, "scopes of work")
        return people.set_scope(get_db(), row, body)


@blp.route("/<uid:uid>/workAssignments")
class WorkAssignments(MethodView):
    @blp.response(200, s.WorkAssignmentsSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get what a user may track time on"""
        row = people.visible_user(get_db(), current_caller(), uid)
        return people.work_assignments(get_db(), row)

    @blp.arguments(s.WorkAssignmentsSchema)
    @blp.response(200, s.WorkAssignmentsSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set what a user may track time on

        Needs Manage Accounts & Permissions, or Manage Scope of Work for a user of your team
        (or yourself): then only objects within your scope of work can be added or removed,
        and assignments outside it are kept.
        """
        conn = get_db()
        caller = current_caller()
        row = people.visible_user(conn, caller, uid)
        allowed = access.can_manage_accounts(caller) or (
            caller.has(MANAGE_SCOPE_OF_WORK)
            and (row["id"] == caller.id or access.in_team(conn, caller, row["id"]))
        )
        if not allowed:
            raise access_denied("Assigning work needs Manage Scope of Work over this user")
        return people.set_work_assignments(conn, caller, row, body)


blueprints = [blp]
