"""Rules of personal API tokens.

A token is made by its user, authenticated with their password (a token cannot make tokens, so
a leaked one cannot outlive its revocation through successors), and shown once. It stands for
its user with that user's permissions, limited by its scope: ``read`` tokens are refused every
write (403 ``token_read_only``). Only a SHA-256 of it is stored: 256 random bits need no slow
hash, so a request with a token costs what one with cached Basic credentials does.

Users see and revoke their own tokens; Manage Accounts & Permissions sees and revokes anyone's.
Revoking a token disables the REST hooks it made, in the same transaction (``services/hooks.py``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError, access_denied, not_found
from timetracker.services import hooks
from timetracker.services.crud import list_body
from timetracker.services.users import users
from timetracker.store import entities
from timetracker.store import tokens as store
from timetracker.store.tokens import TOKENS
from timetracker.store.util import now_ms

PREFIX = "tt_"
READ, WRITE = "read", "write"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _owner(conn: Connection, caller: Caller, uid) -> RowMapping:
    """The user whose tokens a path names: yourself, or anyone with Manage Accounts &
    Permissions (404 for an unknown user, 403 for someone else's)."""
    user = users.resolve(conn, caller, uid)
    if user["id"] != caller.id and not access.can_manage_accounts(caller):
        raise access_denied("Other users' tokens need Manage Accounts & Permissions")
    return user


def listing(conn: Connection, caller: Caller, uid, args: Mapping[str, Any]) -> dict[str, Any]:
    owner = _owner(conn, caller, uid)
    rows = entities.list_rows(conn, TOKENS, {**args, "user_ids": [owner["id"]]})
    return list_body(args, list(rows), {})


def create(
    conn: Connection, caller: Caller, uid, body: Mapping[str, Any], by_token: bool
) -> dict[str, Any]:
    """A new token of the caller's, answered once with the token itself."""
    owner = _owner(conn, caller, uid)
    if owner["id"] != caller.id:
        raise access_denied("Tokens are made by their own user")
    if by_token:
        raise ApiError(
            403, "token_cannot_create_tokens", "Create tokens with your password (Basic auth)"
        )
    expires = body.get("expires")
    if expires is not None and expires <= now_ms():
        raise ApiError(400, "invalid_expiry", "expires must lie in the future", fields="expires")
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = store.create(
        conn, caller.id, body["name"], body["scope"], hash_token(token), expires
    )
    return {**entities.get_row(conn, TOKENS, token_id), "token": token}


def revoke(conn: Connection, caller: Caller, uid, token_id: int) -> None:
    owner = _owner(conn, caller, uid)
    row = entities.get_row(conn, TOKENS, token_id)
    if row is None or row["user_id"] != owner["id"]:
        raise not_found("Token", token_id)
    hooks.token_revoked(conn, token_id)
    store.revoke(conn, token_id)


def login(conn: Connection, token: str) -> dict[str, Any] | None:
    """The token's user and scope, or None for a token that is unknown, revoked or expired."""
    found = store.find_for_token(conn, hash_token(token))
    if found is None or (found["expires"] is not None and found["expires"] <= now_ms()):
        return None
    return found
