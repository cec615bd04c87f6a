"""Leave types."""

from __future__ import annotations

from timetracker.api.crud import Crud, crud_blueprint
from timetracker.api.departments import grouping_docs
from timetracker.schemas import leave_types as s
from timetracker.services.leave_types import leave_types

blp = crud_blueprint(
    Crud(
        service=leave_types,
        path="/leaveTypes",
        item_path="/leaveTypes/<int32:id>",
        description="Leave types, with their balance (None, Sick, PTO) and the rate factor of "
        "leave "
        "pay. Changes need Manage PTO & Sick Days Settings or Manage System Settings.",
        schema=s.LeaveTypeSchema,
        list_schema=s.LeaveTypeListSchema,
        list_args=s.LeaveTypeListArgs,
        create_schema=s.LeaveTypeCreateSchema,
        update_schema=s.LeaveTypeUpdateSchema,
        docs=grouping_docs("leave type", deletable=False),
        deletable=False,
    )
)

blueprints = [blp]
