"""Comments on customers, projects and tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from timetracker.store.schema import comments
from timetracker.store.util import now_ms

# The API's object kind -> the owner column of the comments table.
OWNER_COLUMNS = {
    "customer": comments.c.customer_id,
    "project": comments.c.project_id,
    "task": comments.c.task_id,
}

COLUMNS = (
    comments.c.id,
    comments.c.user_id,
    comments.c.created,
    comments.c.updated,
    comments.c.updating_user_id,
    comments.c.text,
)


def list_comments(
    conn: Connection, kind: str, owner_id: int, args: Mapping[str, Any]
) -> list[RowMapping]:
    """A page of the comments on one object, oldest first."""
    stmt = (
        select(*COLUMNS)
        .where(OWNER_COLUMNS[kind] == owner_id)
        .order_by(comments.c.created, comments.c.id)
        .offset(args.get("offset", 0))
        .limit(args.get("limit", 1000))
    )
    return list(conn.execute(stmt).mappings())


def add_comment(conn: Connection, kind: str, owner_id: int, user_id: int, text: str) -> RowMapping:
    now = now_ms()
    comment_id = conn.execute(
        insert(comments)
        .values(
            {
                OWNER_COLUMNS[kind].name: owner_id,
                "user_id": user_id,
                "updating_user_id": user_id,
                "text": text,
                "created": now,
                "updated": now,
            }
        )
        .returning(comments.c.id)
    ).scalar_one()
    return conn.execute(select(*COLUMNS).where(comments.c.id == comment_id)).mappings().one()
