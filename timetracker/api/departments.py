"""Departments."""

from __future__ import annotations

from timetracker.api.crud import Crud, crud_blueprint
from timetracker.schemas import departments as s
from timetracker.services.departments import departments


def grouping_docs(label: str, deletable: bool = True) -> dict[str, str]:
    """The documentation of a simple named resource (departments, time zone groups, leave
    types)."""
    docs = {
        "list": f"List {label}s",
        "create": f"Create a {label}",
        "get": f"Get a {label}",
        "update": f"Modify a {label}",
    }
    if deletable:
        docs["delete"] = (
            f"Delete a {label}\n\nIts users move to the default {label}, which itself "
            f"cannot be deleted."
        )
    return docs


blp = crud_blueprint(
    Crud(
        service=departments,
        path="/departments",
        item_path="/departments/<int32:id>",
        description="Departments. The built-in department -1, 'Users without department', always "
        "exists. Changes need Manage Accounts & Permissions.",
        schema=s.DepartmentSchema,
        list_schema=s.DepartmentListSchema,
        list_args=s.DepartmentListArgs,
        create_schema=s.DepartmentWriteSchema,
        update_schema=s.DepartmentWriteSchema,
        docs=grouping_docs("department"),
    )
)

blueprints = [blp]
