"""Rules of leave types: a balance (None, Sick, PTO) and the rate factor of leave pay. They are
archived rather than deleted. Changes need Manage PTO & Sick Days Settings or Manage System
Settings."""

from __future__ import annotations

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.services import crud
from timetracker.store.leave_types import LEAVE_TYPES


class LeaveTypes(crud.Resource):
    kind, label, exists_key, entity = "leaveType", "Leave type", "leave_type_exists", LEAVE_TYPES

    def ensure_can_change(self, conn: Connection, caller: Caller, row) -> None:
        access.ensure_can_manage_leave_types(caller)


leave_types = LeaveTypes()
