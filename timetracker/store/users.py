"""Queries on users and their permissions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, RowMapping, bindparam, delete, func, insert, select

from timetracker.store.schema import user_permissions, users
from timetracker.store.util import name_key, now_ms

PUBLIC_COLUMNS = (
    users.c.id,
    users.c.first_name,
    users.c.middle_name,
    users.c.last_name,
    users.c.active,
)


# Runs on every authenticated request: one round trip, built once.
_LOGIN = (
    select(
        users.c.id,
        users.c.username,
        users.c.password_hash,
        users.c.active,
        users.c.hired,
        users.c.release_date,
        user_permissions.c.permission,
    )
    .select_from(users.outerjoin(user_permissions, user_permissions.c.user_id == users.c.id))
    .where(users.c.username_key == bindparam("key"))
)


def find_for_login(conn: Connection, username: str) -> dict | None:
    """The user row needed to authenticate ``username``, with its permissions."""
    rows = conn.execute(_LOGIN, {"key": name_key(username)}).mappings().all()
    if not rows:
        return None
    user = {k: v for k, v in rows[0].items() if k != "permission"}
    user["permissions"] = frozenset(r["permission"] for r in rows if r["permission"])
    return user


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)).scalar_one()


def username_exists(conn: Connection, username: str) -> bool:
    return (
        conn.execute(select(users.c.id).where(users.c.username_key == name_key(username))).first()
        is not None
    )


def create(
    conn: Connection,
    *,
    username: str,
    password_hash: str,
    first_name: str,
    last_name: str,
    permissions: Iterable[str] = (),
    email: str | None = None,
) -> int:
    user_id = conn.execute(
        insert(users)
        .values(
            username=username,
            username_key=name_key(username),
            password_hash=password_hash,
            first_name=first_name,
            last_name=last_name,
            email=email,
            active=True,
            created=now_ms(),
        )
        .returning(users.c.id)
    ).scalar_one()
    set_permissions(conn, user_id, permissions)
    return user_id


def set_permissions(conn: Connection, user_id: int, permissions: Iterable[str]) -> None:
    conn.execute(delete(user_permissions).where(user_permissions.c.user_id == user_id))
    rows = [{"user_id": user_id, "permission": p} for p in sorted(set(permissions))]
    if rows:
        conn.execute(insert(user_permissions), rows)


def public_by_ids(conn: Connection, ids: Iterable[int]) -> list[RowMapping]:
    """The fields of users every caller may see, for ``includeReferenced=users``."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(
        conn.execute(select(*PUBLIC_COLUMNS).where(users.c.id.in_(ids)).order_by(users.c.id))
        .mappings()
        .all()
    )
