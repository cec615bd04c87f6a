"""Tags."""

from __future__ import annotations

from timetracker.api.crud import Crud, crud_blueprint
from timetracker.schemas import tags as s
from timetracker.services.tags import tags

blp = crud_blueprint(
    Crud(
        service=tags,
        path="/tags",
        item_path="/tags/<int32:id>",
        description="Tags: named labels with a colour (#rrggbb) that time entries carry "
        "(tagIds). Names are unique case-insensitively. Everyone reads them; Enter Time-Track, "
        "Modify & Approve Users' Time-Track, Manage System Settings or Manage Accounts & "
        "Permissions creates them; only Manage System Settings or Manage Accounts & "
        "Permissions renames, recolours or deletes them.",
        schema=s.TagSchema,
        list_schema=s.TagListSchema,
        list_args=s.TagListArgs,
        create_schema=s.TagCreateSchema,
        update_schema=s.TagUpdateSchema,
        docs={
            "list": "List tags",
            "create": "Create a tag\n\nWithout a colour it is #9e9e9e (grey).",
            "get": "Get a tag",
            "update": "Modify a tag",
            "delete": "Delete a tag\n\nIt is detached from every entry carrying it; the "
            "entries are not otherwise changed (their modified stamps stay).",
        },
    )
)

blueprints = [blp]
