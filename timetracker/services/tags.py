"""Rules of tags: named labels with a colour, shared by the whole company, that time entries
carry. Everyone reads them; whoever may enter time creates them; Manage System Settings or
Manage Accounts & Permissions changes and deletes them (``access``). Deleting a tag detaches it
from every entry (the links cascade) and changes nothing else: the entries keep their
``modified`` stamps and no entry events are written, only ``tag.delete``."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import invalid
from timetracker.schemas.tags import TagCreateSchema
from timetracker.services import crud
from timetracker.store import tags as tag_store
from timetracker.store.tags import TAGS
from timetracker.store.util import name_key


class Tags(crud.Resource):
    kind, label, exists_key, entity = "tag", "Tag", "tag_exists", TAGS

    def ensure_can_change(self, conn: Connection, caller: Caller, row) -> None:
        if row is None:
            access.ensure_can_create_tags(caller)
        else:
            access.ensure_can_manage_tags(caller)

    def present(self, conn: Connection, caller: Caller, rows: list) -> list:
        may = access.can_manage_tags(caller)
        actions = {"canModify": may, "canDelete": may}
        return [{**row, "allowed_actions": actions} for row in rows]

    def ensure_exist(self, conn: Connection, ids, field: str = "tagIds") -> list[int]:
        """The ids, sorted and once each; 404 naming ``field`` when one is unknown."""
        crud.ensure_exist(conn, TAGS, ids, field)
        return sorted(set(ids))

    def ids_of_names(self, conn: Connection, caller: Caller, names) -> list[int]:
        """The ids of the tags named (case-insensitively), creating those that do not exist
        (as ``POST /tags`` would, with its rules and event)."""
        wanted = {}
        for name in names:
            try:  # a name as POST /tags takes it
                values = TagCreateSchema().load({"name": name})
            except ValidationError as exc:
                raise invalid(f"Tag '{name[:100]}': {exc.messages['name'][0]}", "tags") from exc
            wanted[name_key(values["name"])] = values
        known = tag_store.by_name_keys(conn, wanted)
        for key, values in wanted.items():
            if key not in known:
                known[key] = self.create(conn, caller, values)["id"]
        return sorted(known.values())


tags = Tags()
