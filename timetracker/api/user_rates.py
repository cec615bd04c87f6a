"""User rates."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint
from timetracker.schemas import user_rates as s
from timetracker.services import user_rates
from timetracker.store.db import get_db

blp = Blueprint(
    "userRates",
    __name__,
    url_prefix="/api/v1",
    description="Cost-of-work rates of users: periods with a regular, an overtime and per leave "
    "type rates. Read with Manage Accounts & Permissions (all users) or Manage Cost & Billing "
    "Data (the assigned team); written only with Manage Accounts & Permissions.",
)


@blp.route("/userRates")
class UserRatesList(MethodView):
    @blp.arguments(s.UserRatesArgs, location="query")
    @blp.response(200, s.UserRatesListSchema)
    @blp.errors()
    def get(self, args):
        """List the rates of users

        Paged over users (in id order) whose rates the caller may read.
        """
        return user_rates.list_rates(get_db(), current_caller(), args)


@blp.route("/userRates/<user:uid>")
class UserRates(MethodView):
    @blp.response(200, s.UserRatesSchema)
    @blp.errors(404)
    def get(self, uid):
        """Get a user's rates"""
        return user_rates.rates(get_db(), current_caller(), uid)

    @blp.arguments(s.RateSchema(many=True))
    @blp.response(200, s.UserRatesSchema)
    @blp.errors(404, 413, 415)
    def put(self, body, uid):
        """Replace a user's rates

        The body is the whole rate history: a list of periods, each applying from its
        `dateFrom`. Needs Manage Accounts & Permissions.
        """
        return user_rates.set_rates(get_db(), current_caller(), uid, body)


blueprints = [blp]
