"""Rules of time zone groups: an IANA time zone shared by a group of users. The default group,
id -1, always exists; deleting another moves its users there. Changes need Manage Accounts &
Permissions."""

from __future__ import annotations

from sqlalchemy import Connection

from timetracker.access import Caller
from timetracker.services.departments import UserGrouping
from timetracker.store.time_zone_groups import TIME_ZONE_GROUPS
from timetracker.store.users import DEFAULT_ID


class TimeZoneGroups(UserGrouping):
    kind, label, exists_key = "timeZoneGroup", "Time zone group", "time_zone_group_exists"
    entity = TIME_ZONE_GROUPS
    user_column = "time_zone_group_id"

    def default(self, conn: Connection, caller: Caller):
        return self.get(conn, caller, DEFAULT_ID)


time_zone_groups = TimeZoneGroups()
