"""Users: accounts, schedules, permissions, assigned teams, scopes of work, work assignments.

``{uid}`` is a user id or a username.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, csv_body, import_body
from timetracker.api.crud import Crud, crud_blueprint
from timetracker.schemas import users as s
from timetracker.services import user_import
from timetracker.services import users as service
from timetracker.services.users import users
from timetracker.store.db import get_db


def _with_password_hash(body: dict) -> dict:
    return service.with_password_hash(body, current_app.config["PASSWORD_HASH_METHOD"])


def _import_and_me(blp: Blueprint) -> None:
    @blp.route("/users/import")
    class Import(MethodView):
        accepts = ("text/csv",)

        @blp.doc(requestBody=csv_body(user_import.TEMPLATE))
        @blp.response(200, s.ImportResultSchema)
        @blp.errors(413, 415)
        def post(self):
            """Import users from CSV

            Columns: username, password, firstName, middleName, lastName, email, department (name),
            timeZoneGroup (name), hired, releaseDate, permissions (separated by `;`); the header row
            names them. Every row is checked first: if any is bad, the answer is 400
            api.error.invalid_csv listing every problem with its line number, and nothing is
            imported. Needs Manage Accounts & Permissions. At most 10,000 lines.
            """
            config = current_app.config
            user_ids = user_import.import_csv(
                # Checking and hashing read; only the inserts take the write lock.
                lambda write: get_db(write=write),
                current_caller(),
                import_body(config["IMPORT_MAX_CONTENT_LENGTH"]),
                config["PASSWORD_HASH_METHOD"],
            )
            return {"imported": len(user_ids), "userIds": user_ids}

    @blp.route("/users/me")
    class Me(MethodView):
        @blp.response(200, s.UserSchema)
        @blp.errors()
        def get(self):
            """Get the authenticated user"""
            return users.me(get_db(), current_caller())


blp = crud_blueprint(
    Crud(
        service=users,
        path="/users",
        item_path="/users/<uid:uid>",
        description="Users. Everyone sees themselves; managers (Modify & Approve Users' "
        "Time-Track, Manage Scope of Work, Manage Cost & Billing Data) also see their assigned "
        "team; Manage Accounts & Permissions and 'see all users' data' see everyone. username, "
        "email, hired and releaseDate are shown only to Manage Accounts & Permissions and to the "
        "user themselves.",
        schema=s.UserSchema,
        list_schema=s.UserListSchema,
        list_args=s.UserListArgs,
        create_schema=s.UserCreateSchema,
        update_schema=s.UserUpdateSchema,
        errors={"create": (404,)},
        prepare_body=_with_password_hash,
        extra_routes=_import_and_me,
        docs={
            "list": """List users

            `email`, `username` and sorting by username, hired or releaseDate need Manage Accounts
            & Permissions (403 otherwise): they reveal private fields.
            """,
            "create": """Create a user

            Needs Manage Accounts & Permissions. A duplicate username answers 400
            api.error.user_exists.
            """,
            "get": "Get a user",
            "update": """Modify a user

            Needs Manage Accounts & Permissions. Disable an account with `active: false`; you
            cannot disable yourself.
            """,
            "delete": """Delete a user

            Needs Manage Accounts & Permissions. A user who has tracked time or written comments
            cannot be deleted (400 api.error.user_has_data): disable the account instead.
            """,
        },
    )
)


@blp.route("/users/<user:uid>/schedule")
class Schedule(MethodView):
    @blp.arguments(s.ScheduleArgs, location="query")
    @blp.response(200, s.ScheduleSchema)
    @blp.errors(404)
    def get(self, args, uid):
        """Get a user's workday minutes per day

        From the user's weekly schedule, or the company's (480 minutes Monday to Friday by
        default); 0 before the hire date and after the release date.
        """
        return service.schedule(get_db(), current_caller(), uid, args["dateFrom"], args["dateTo"])


@blp.route("/users/<user:uid>/weeklySchedule")
class WeeklySchedule(MethodView):
    @blp.response(200, s.WeeklyScheduleSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a user's weekly schedule"""
        return service.weekly_schedule(get_db(), current_caller(), uid)

    @blp.arguments(s.WeeklyScheduleSchema)
    @blp.response(200, s.WeeklyScheduleSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a user's weekly schedule

        Seven values, Sunday first; `null` returns the user to the company's schedule. Needs
        Manage Accounts & Permissions.
        """
        return service.set_weekly_schedule(get_db(), current_caller(), uid, body["days"])


@blp.route("/users/<user:uid>/permissions")
class Permissions(MethodView):
    @blp.response(200, s.PermissionsSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a user's permissions"""
        return service.permissions(get_db(), current_caller(), uid)

    @blp.arguments(s.PermissionsSchema)
    @blp.response(200, s.PermissionsSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a user's permissions

        Replaces the whole set. Needs Manage Accounts & Permissions, which you cannot take
        from yourself.
        """
        return service.set_permissions(get_db(), current_caller(), uid, body)


@blp.route("/users/<user:uid>/team")
class Team(MethodView):
    @blp.response(200, s.TeamSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a manager's assigned team"""
        return service.team(get_db(), current_caller(), uid)

    @blp.arguments(s.TeamSchema)
    @blp.response(200, s.TeamSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a manager's assigned team

        The users the manager's permissions apply to, or `allUsers`. Needs Manage Accounts &
        Permissions.
        """
        return service.set_team(get_db(), current_caller(), uid, body)


@blp.route("/users/<user:uid>/scope")
class ScopeOfWork(MethodView):
    @blp.response(200, s.ScopeSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a manager's scope of work"""
        return service.scope(get_db(), current_caller(), uid)

    @blp.arguments(s.ScopeSchema)
    @blp.response(200, s.ScopeSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set a manager's scope of work

        Customers and projects (with everything under them) the manager's permissions apply
        to, or `allScope`. Needs Manage Accounts & Permissions.
        """
        return service.set_scope(get_db(), current_caller(), uid, body)


@blp.route("/users/<user:uid>/workAssignments")
class WorkAssignments(MethodView):
    @blp.response(200, s.WorkAssignmentsSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get what a user may track time on"""
        return service.work_assignments(get_db(), current_caller(), uid)

    @blp.arguments(s.WorkAssignmentsSchema)
    @blp.response(200, s.WorkAssignmentsSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Set what a user may track time on

        Needs Manage Accounts & Permissions, or Manage Scope of Work for a user of your team
        (or yourself): then only objects within your scope of work can be added or removed,
        and assignments outside it are kept.
        """
        return service.set_work_assignments(get_db(), current_caller(), uid, body)


blueprints = [blp]
