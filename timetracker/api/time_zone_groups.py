"""Time zone groups."""

from __future__ import annotations

from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.crud import Crud, crud_blueprint
from timetracker.api.departments import grouping_docs
from timetracker.schemas import time_zone_groups as s
from timetracker.schemas.departments import DepartmentListArgs
from timetracker.services.time_zone_groups import time_zone_groups
from timetracker.store.db import get_db

blp = crud_blueprint(
    Crud(
        service=time_zone_groups,
        path="/timeZoneGroups",
        item_path="/timeZoneGroups/<int32:id>",
        description="Time zone groups: an IANA time zone shared by a group of users. The default "
        "group, id -1, always exists. Changes need Manage Accounts & Permissions.",
        schema=s.TimeZoneGroupSchema,
        list_schema=s.TimeZoneGroupListSchema,
        list_args=DepartmentListArgs,
        create_schema=s.TimeZoneGroupCreateSchema,
        update_schema=s.TimeZoneGroupUpdateSchema,
        docs=grouping_docs("time zone group"),
    )
)


@blp.route("/timeZoneGroups/default")
class DefaultTimeZoneGroup(MethodView):
    @blp.response(200, s.TimeZoneGroupSchema)
    @blp.errors()
    def get(self):
        """Get the default time zone group"""
        return time_zone_groups.default(get_db(), current_caller())


blueprints = [blp]
