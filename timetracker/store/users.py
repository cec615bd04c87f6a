"""Queries on users: accounts, permissions, teams, scopes of work, work assignments, schedules."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Executable,
    Select,
    TextClause,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.visitors import iterate

from timetracker.store import time_entries as entries
from timetracker.store.catalogue import link_row
from timetracker.store.entities import Entity, replace_rows
from timetracker.store.prepared import Prepared
from timetracker.store.schema import (
    api_tokens,
    comments,
    day_records,
    leave_entries,
    scope_items,
    team_members,
    time_entries,
    user_permissions,
    users,
    work_assignments,
)
from timetracker.store.util import comma_list, name_key, now_ms

DEFAULT_ID = -1  # the built-in department and time zone group

USERS = Entity(
    table=users,
    base=select(*(c for c in users.c if c.name != "password_hash")),
    sort={
        "lastName": func.lower(users.c.last_name),
        "firstName": func.lower(users.c.first_name),
        "username": users.c.username_key,
        "hired": users.c.hired,
        "releaseDate": users.c.release_date,
    },
    in_filters={
        "department_ids": users.c.department_id,
        "time_zone_group_ids": users.c.time_zone_group_id,
    },
    eq_filters={
        "active": users.c.active,
        "username_key": users.c.username_key,
        "email_key": func.lower(users.c.email),
    },
)

# What authorizing a user needs (Basic auth, API tokens): the account's state and flags, and
# its permissions in one column (a comma-separated list), so a login is one row.
_PERMISSION_LIST = (
    select(comma_list(user_permissions.c.permission))
    .where(user_permissions.c.user_id == users.c.id)
    .scalar_subquery()
    .label("permission_list")
)
LOGIN_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.active,
    users.c.hired,
    users.c.release_date,
    users.c.sees_all_data,
    users.c.team_all,
    users.c.scope_all,
    users.c.assign_all,
    _PERMISSION_LIST,
)

# Runs on every authenticated request: one round trip, built once.
_LOGIN = Prepared(
    select(users.c.password_hash, *LOGIN_COLUMNS).where(users.c.username_key == bindparam("key"))
)


def login_row(row: Mapping[str, Any] | None) -> dict | None:
    """A login lookup's row, its permissions as a set in ``permissions``."""
    if row is None:
        return None
    user = dict(row)
    listed = user.pop("permission_list")
    user["permissions"] = frozenset(listed.split(",")) if listed else frozenset()
    return user


def find_for_login(conn: Connection, username: str) -> dict | None:
    """The user row needed to authenticate ``username``, with its permissions."""
    return login_row(_LOGIN.first(conn, {"key": name_key(username)}))


# The tables a login reads (``_LOGIN``, and the token login of ``store/tokens.py``).
_LOGIN_TABLES = (users, user_permissions, api_tokens)
_NAMES_LOGIN_TABLE = re.compile(rf"\b({'|'.join(t.name for t in _LOGIN_TABLES)})\b")


@functools.lru_cache(maxsize=1024)
def _sql_may_change_logins(sql: str) -> bool:
    return sql.lstrip()[:6].upper() != "SELECT" and bool(_NAMES_LOGIN_TABLE.search(sql))


def _writes_logins(element: Any) -> bool:
    if isinstance(element, UpdateBase):
        table = element.table
        return getattr(table, "element", table) in _LOGIN_TABLES  # (an alias's table)
    return isinstance(element, TextClause) and _sql_may_change_logins(element.text)


def may_change_logins(statement: str | Executable) -> bool:
    """Whether a statement may change what a login reads (the users, their permissions, the
    API tokens; the cascades of a user's deletion start at ``users``, and no trigger writes
    to these tables). ``statement``: SQL text (any but a SELECT that names one of these
    tables), or one of SQLAlchemy's: an INSERT, UPDATE or DELETE of one of them, anywhere in
    it (a CTE), or a text naming one; a kind of statement not known here counts."""
    if isinstance(statement, str):
        return _sql_may_change_logins(statement)
    if not isinstance(statement, Select | CompoundSelect | UpdateBase | TextClause):
        return True
    return any(_writes_logins(element) for element in iterate(statement))


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)).scalar_one()


def username_exists(conn: Connection, username: str, exclude_id: int | None = None) -> bool:
    stmt = select(users.c.id).where(users.c.username_key == name_key(username))
    if exclude_id is not None:
        stmt = stmt.where(users.c.id != exclude_id)
    return conn.execute(stmt.limit(1)).first() is not None


def id_for_username(conn: Connection, username: str) -> int | None:
    return conn.execute(
        select(users.c.id).where(users.c.username_key == name_key(username))
    ).scalar_one_or_none()


def full_name_key(values: Mapping[str, Any]) -> str:
    parts = (values.get("first_name"), values.get("middle_name"), values.get("last_name"))
    return name_key(" ".join(p for p in parts if p))


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Table columns for ``values``, with the derived keys."""
    columns = dict(values)
    if "username" in columns:
        columns["username_key"] = name_key(columns["username"])
    return columns


def create(
    conn: Connection,
    *,
    username: str,
    password_hash: str,
    first_name: str,
    last_name: str,
    permissions: Iterable[str] = (),
    **values: Any,
) -> int:
    """Insert a user; ``values`` are further columns (email, hired, team_all, ...)."""
    columns = _columns(
        {
            "username": username,
            "password_hash": password_hash,
            "first_name": first_name,
            "last_name": last_name,
            "active": True,
            "created": now_ms(),
            **values,
        }
    )
    columns["name_key"] = full_name_key(columns)
    user_id = conn.execute(insert(users).values(**columns).returning(users.c.id)).scalar_one()
    set_permissions(conn, user_id, permissions)
    return user_id


def update_user(conn: Connection, current: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    if not values:
        return
    columns = _columns(values)
    if {"first_name", "middle_name", "last_name"} & set(values):
        columns["name_key"] = full_name_key({**current, **values})
    conn.execute(update(users).where(users.c.id == current["id"]).values(**columns))


def has_tracked_data(conn: Connection, user_id: int) -> bool:
    """Whether the user has data that must outlive the account: time-track, leave time or
    comments."""
    return conn.execute(
        select(
            exists().where(day_records.c.user_id == user_id)
            | exists().where(time_entries.c.user_id == user_id, entries.COUNTS)
            | exists().where(leave_entries.c.user_id == user_id)
            | exists().where(
                or_(comments.c.user_id == user_id, comments.c.updating_user_id == user_id)
            )
        )
    ).scalar_one()


def set_permissions(conn: Connection, user_id: int, permissions: Iterable[str]) -> None:
    rows = [{"user_id": user_id, "permission": p} for p in sorted(set(permissions))]
    replace_rows(conn, user_permissions, user_permissions.c.user_id == user_id, rows)


def permissions_of(conn: Connection, user_id: int) -> list[str]:
    return sorted(
        conn.execute(
            select(user_permissions.c.permission).where(user_permissions.c.user_id == user_id)
        ).scalars()
    )


# --- team -----------------------------------------------------------------------------------


def team_of(
    conn: Connection, manager_id: int, visible: ColumnElement[bool] | None = None
) -> list[int]:
    """The members of a manager's assigned team; with ``visible`` (a condition on users), only
    those meeting it."""
    stmt = select(team_members.c.member_id).where(team_members.c.manager_id == manager_id)
    if visible is not None:
        stmt = stmt.join(users, users.c.id == team_members.c.member_id).where(visible)
    return list(conn.execute(stmt.order_by(team_members.c.member_id)).scalars())


def set_team(conn: Connection, manager_id: int, member_ids: Iterable[int]) -> None:
    rows = [{"manager_id": manager_id, "member_id": m} for m in sorted(set(member_ids))]
    replace_rows(conn, team_members, team_members.c.manager_id == manager_id, rows)


# --- scope of work and work assignments ------------------------------------------------------

LINK_TABLES = {"scope": scope_items, "assignments": work_assignments}


def links_of(conn: Connection, links: str, user_id: int) -> dict[str, list[int]]:
    """``{"customer_ids": [...], "project_ids": [...], ("task_ids": [...])}`` of one user."""
    table = LINK_TABLES[links]
    targets = [c.name for c in table.c if c.name not in ("id", "user_id")]
    rows = conn.execute(select(table).where(table.c.user_id == user_id)).mappings().all()
    return {
        f"{t.removesuffix('_id')}_ids": sorted(r[t] for r in rows if r[t] is not None)
        for t in targets
    }


def set_links(conn: Connection, links: str, user_id: int, ids: Mapping[str, Iterable[int]]):
    table = LINK_TABLES[links]
    rows = [
        link_row(table, user_id, key.removesuffix("s"), object_id)  # customer_ids -> customer_id
        for key, object_ids in ids.items()
        for object_id in sorted(set(object_ids))
    ]
    replace_rows(conn, table, table.c.user_id == user_id, rows)


def set_columns(conn: Connection, user_id: int, **columns: Any) -> None:
    """Set account columns that need no derived keys (flags, the weekly schedule)."""
    conn.execute(update(users).where(users.c.id == user_id).values(**columns))


def move_to_default(conn: Connection, column: str, from_id: int) -> None:
    """Move the users of a deleted department or time zone group (``column``) to the built-in
    one."""
    conn.execute(update(users).where(users.c[column] == from_id).values({column: DEFAULT_ID}))
