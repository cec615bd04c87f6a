"""Departments, time zone groups, leave types, user rates and the /info resource."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask.views import MethodView
from marshmallow import Schema, fields

from timetracker import __version__, access
from timetracker.access import current_caller
from timetracker.api.batch import MAX_BATCH_SIZE
from timetracker.api.common import Blueprint, doc, list_response
from timetracker.errors import access_denied
from timetracker.schemas import people as s
from timetracker.schemas.base import ApiSchema
from timetracker.schemas.common import MAX_QUERY_LIMIT, base_url
from timetracker.services import named, people
from timetracker.store import entities
from timetracker.store import users as user_store
from timetracker.store.db import get_db
from timetracker.store.schema import users


@dataclass(frozen=True)
class Grouping:
    kind: str  # department | timeZoneGroup | leaveType
    collection: str
    description: str
    schema: type[Schema]
    list_schema: type[Schema]
    list_args: type[Schema]
    create_schema: type[Schema]
    update_schema: type[Schema]
    ensure_can_change: Callable
    deletable: bool


def make_blueprint(spec: Grouping) -> Blueprint:
    blp = Blueprint(
        spec.collection,
        __name__,
        url_prefix=f"/api/v1/{spec.collection}",
        description=spec.description,
    )
    entity = named.KINDS[spec.kind].entity
    label = named.KINDS[spec.kind].label.lower()

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(spec.list_args, location="query")
        @blp.response(200, spec.list_schema)
        @blp.errors()
        @doc(f"List {label}s")
        def get(self, args):
            return list_response(args, entities.list_rows(get_db(), entity, args))

        @blp.arguments(spec.create_schema)
        @blp.response(200, spec.schema)
        @blp.errors(413, 415)
        @doc(f"Create a {label}")
        def post(self, body):
            spec.ensure_can_change(current_caller())
            return named.create(get_db(), spec.kind, body)

    @blp.route("/<int32:id>")
    class Item(MethodView):
        @blp.response(200, spec.schema)
        @blp.errors(404)
        @doc(f"Get a {label}")
        def get(self, id):
            return named.get(get_db(), spec.kind, id)

        @blp.arguments(spec.update_schema)
        @blp.response(200, spec.schema)
        @blp.errors(404, 413, 415)
        @doc(f"Modify a {label}")
        def patch(self, body, id):
            row = named.get(get_db(), spec.kind, id)
            spec.ensure_can_change(current_caller())
            return named.update(get_db(), spec.kind, row, body)

        if spec.deletable:

            @blp.response(204)
            @blp.errors(404)
            @doc(
                f"Delete a {label}\n\nIts users move to the default {label}, which itself "
                f"cannot be deleted."
            )
            def delete(self, id):
                row = named.get(get_db(), spec.kind, id)
                spec.ensure_can_change(current_caller())
                people.delete_grouping(get_db(), spec.kind, row)

    return blp


def _accounts(caller):
    access.ensure_can_manage_accounts(caller, "departments and time zone groups")


departments = make_blueprint(
    Grouping(
        kind="department",
        collection="departments",
        description="Departments. The built-in department -1, 'Users without department', always "
        "exists. Changes need Manage Accounts & Permissions.",
        schema=s.DepartmentSchema,
        list_schema=s.DepartmentListSchema,
        list_args=s.DepartmentListArgs,
        create_schema=s.DepartmentWriteSchema,
        update_schema=s.DepartmentWriteSchema,
        ensure_can_change=_accounts,
        deletable=True,
    )
)
time_zone_groups = make_blueprint(
    Grouping(
        kind="timeZoneGroup",
        collection="timeZoneGroups",
        description="Time zone groups: an IANA time zone shared by a group of users. The default "
        "group, id -1, always exists. Changes need Manage Accounts & Permissions.",
        schema=s.TimeZoneGroupSchema,
        list_schema=s.TimeZoneGroupListSchema,
        list_args=s.DepartmentListArgs,
        create_schema=s.TimeZoneGroupCreateSchema,
        update_schema=s.TimeZoneGroupUpdateSchema,
        ensure_can_change=_accounts,
        deletable=True,
    )
)
leave_types = make_blueprint(
    Grouping(
        kind="leaveType",
        collection="leaveTypes",
        description="Leave types, with their balance (None, Sick, PTO) and the rate factor of "
        "leave "
        "pay. Changes need Manage PTO & Sick Days Settings or Manage System Settings.",
        schema=s.LeaveTypeSchema,
        list_schema=s.LeaveTypeListSchema,
        list_args=s.LeaveTypeListArgs,
        create_schema=s.LeaveTypeCreateSchema,
        update_schema=s.LeaveTypeUpdateSchema,
        ensure_can_change=access.ensure_can_manage_leave_types,
        deletable=False,
    )
)


@time_zone_groups.route("/default")
class DefaultTimeZoneGroup(MethodView):
    @time_zone_groups.response(200, s.TimeZoneGroupSchema)
    @time_zone_groups.errors()
    def get(self):
        """Get the default time zone group"""
        return named.get(get_db(), "timeZoneGroup", people.DEFAULT_ID)


# --- user rates ---------------------------------------------------------------------------

rates = Blueprint(
    "userRates",
    __name__,
    url_prefix="/api/v1/userRates",
    description="Cost-of-work rates of users: periods with a regular, an overtime and per leave "
    "type rates. Read with Manage Accounts & Permissions (all users) or Manage Cost & Billing "
    "Data (the assigned team); written only with Manage Accounts & Permissions.",
)


def _rates_user(uid: str):
    conn = get_db()
    caller = current_caller()
    row = people.visible_user(conn, caller, uid)
    if not access.can_read_rates_of(conn, caller, row["id"]):
        raise access_denied("Reading rates needs Manage Cost & Billing Data over this user")
    return row


@rates.route("")
class UserRatesList(MethodView):
    @rates.arguments(s.UserRatesArgs, location="query")
    @rates.response(200, s.UserRatesListSchema)
    @rates.errors()
    def get(self, args):
        """List the rates of users

        Paged over users (in id order) whose rates the caller may read.
        """
        conn = get_db()
        caller = current_caller()
        if not caller.has(access.MANAGE_ACCOUNTS, access.MANAGE_COST_BILLING):
            raise access_denied("Reading rates needs Manage Cost & Billing Data")
        stmt = (
            entities.USERS.base.with_only_columns(users.c.id)
            .where(access.rates_user_filter(caller))
            .order_by(users.c.id)
            .offset(args["offset"])
            .limit(args["limit"])
        )
        if args.get("user_ids"):
            stmt = stmt.where(users.c.id.in_(args["user_ids"]))
        user_ids = list(conn.execute(stmt).scalars())
        by_user = people.rates_of(conn, user_ids)
        items = [{"userId": u, "rates": by_user[u]} for u in user_ids]
        return {"offset": args["offset"], "limit": args["limit"], "items": items}


@rates.route("/<uid:uid>")
class UserRates(MethodView):
    @rates.response(200, s.UserRatesSchema)
    @rates.errors(404)
    def get(self, uid):
        """Get a user's rates"""
        row = _rates_user(uid)
        return {"userId": row["id"], "rates": people.rates_of(get_db(), [row["id"]])[row["id"]]}

    @rates.arguments(s.RateSchema(many=True))
    @rates.response(200, s.UserRatesSchema)
    @rates.errors(404, 413, 415)
    def put(self, body, uid):
        """Replace a user's rates

        The body is the whole rate history: a list of periods, each applying from its
        `dateFrom`. Needs Manage Accounts & Permissions.
        """
        caller = current_caller()
        row = people.visible_user(get_db(), caller, uid)
        access.ensure_can_manage_accounts(caller, "rates")
        return {"userId": row["id"], "rates": people.set_rates(get_db(), row, body)}


# --- /info -----------------------------------------------------------------------------------

info = Blueprint(
    "info", __name__, url_prefix="/api/v1/info", description="Settings and limits of this server."
)


class _Names(ApiSchema):
    singular = fields.String(required=True)
    plural = fields.String(required=True)


class InfoSchema(ApiSchema):
    company = fields.Dict(
        required=True, metadata={"example": {"name": "My Company", "logoUri": None}}
    )
    customNames = fields.Dict(keys=fields.String(), values=fields.Nested(_Names), required=True)
    format = fields.Dict(required=True)
    features = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
    urls = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)
    limits = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    serverUUID = fields.String(required=True)
    version = fields.String(required=True)


@info.route("")
class Info(MethodView):
    @info.response(200, InfoSchema)
    @info.errors()
    def get(self):
        """Get the server's settings, features and limits"""
        settings = user_store.company_settings_map(get_db())
        base = base_url()
        return {
            "company": {"name": settings["company_name"], "logoUri": None},
            "customNames": {
                "firstLevel": {"singular": "Customer", "plural": "Customers"},
                "secondLevel": {"singular": "Project", "plural": "Projects"},
                "thirdLevel": {"singular": "Task", "plural": "Tasks"},
                "department": {"singular": "Department", "plural": "Departments"},
            },
            "format": {
                "currency": settings["currency"],
                "decimalSeparator": ".",
                "timeFormat": "HH:mm",
                "clockFormat": "24",
                "dayOfWeekStart": int(settings["day_of_week_start"]),
            },
            # What this server implements today.
            "features": {
                "overtimeRegistration": False,
                "departments": True,
                "timeZoneGroups": True,
                "taskEstimates": True,
                "taskWorkflow": True,
                "workAssignments": True,
                "typesOfWork": True,
                "leavetimeRegistration": True,
            },
            "urls": {
                "actiTime": base,
                "actiPlans": None,
                "api": f"{base}/api/v1",
                "apiDocumentation": f"{base}/api/v1/swagger/",
            },
            "limits": {"maxBatchSize": MAX_BATCH_SIZE, "maxQueryLimit": MAX_QUERY_LIMIT},
            "serverUUID": settings["server_uuid"],
            "version": __version__,
        }


blueprints = [departments, time_zone_groups, leave_types, rates, info]
