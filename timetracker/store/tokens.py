"""Queries on personal API tokens: a user's tokens, and the login lookup of a token."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from timetracker.store.entities import Entity
from timetracker.store.prepared import Prepared
from timetracker.store.schema import api_tokens, users
from timetracker.store.users import LOGIN_COLUMNS, login_row
from timetracker.store.util import now_ms

TOKENS = Entity(
    table=api_tokens,
    base=select(
        api_tokens.c.id,
        api_tokens.c.user_id,
        api_tokens.c.name,
        api_tokens.c.scope,
        api_tokens.c.created,
        api_tokens.c.expires,
    ),
    sort={"name": api_tokens.c.name, "created": api_tokens.c.created},
    in_filters={"user_ids": api_tokens.c.user_id},
)

# Runs on every request with a token: one round trip, built once (as the Basic login lookup).
_LOGIN = Prepared(
    select(
        api_tokens.c.id.label("token_id"),
        api_tokens.c.scope,
        api_tokens.c.expires,
        *LOGIN_COLUMNS,
    )
    .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
    .where(api_tokens.c.token_hash == bindparam("token_hash"))
)


def find_for_token(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    """The token's scope and expiry with its user's login row and permissions."""
    return login_row(_LOGIN.first(conn, {"token_hash": token_hash}))


def create(
    conn: Connection, user_id: int, name: str, scope: str, token_hash: str, expires: int | None
) -> int:
    return conn.execute(
        insert(api_tokens)
        .values(
            user_id=user_id,
            name=name,
            scope=scope,
            token_hash=token_hash,
            created=now_ms(),
            expires=expires,
        )
        .returning(api_tokens.c.id)
    ).scalar_one()


def revoke(conn: Connection, token_id: int) -> None:
    conn.execute(delete(api_tokens).where(api_tokens.c.id == token_id))
