"""Rules of tags: named labels with a colour, shared by the whole company, that time entries
carry. Everyone reads them; whoever may enter time creates them; Manage System Settings or
Manage Accounts & Permissions changes and deletes them (``access``). Deleting a tag detaches it
from every entry (the links cascade) and changes nothing else: the entries keep their
``modified`` stamps and no entry events are written, only ``tag.delete``."""

from __future__ import annotations

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.services import crud
from timetracker.store.tags import TAGS


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


tags = Tags()
