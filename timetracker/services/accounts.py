"""Accounts: the administrator created on first start, and users made from the command line."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from timetracker.access import PERMISSIONS
from timetracker.store import users as user_store
from timetracker.store.db import write_transaction

ADMIN_USERNAME = "admin"


def ensure_admin(engine: Engine, password: str | None, hash_method: str) -> tuple[bool, str | None]:
    """Create ``admin`` with every permission when the database has no user yet.

    Returns whether it was created now, and the generated password when one had to be made up
    (to be shown once), else None.
    """
    with engine.connect() as conn:
        if user_store.count(conn) > 0:
            return False, None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    try:
        with write_transaction(engine) as conn:
            if user_store.count(conn) > 0:
                return False, None
            user_store.create(
                conn,
                username=ADMIN_USERNAME,
                password_hash=generate_password_hash(password, method=hash_method),
                first_name="System",
                last_name="Administrator",
                permissions=PERMISSIONS,
                # The whole company as team, scope of work and work assignments.
                team_all=True,
                scope_all=True,
                assign_all=True,
            )
    except IntegrityError:
        # Another process starting at the same moment created it first.
        return False, None
    return True, generated


def set_password(engine: Engine, username: str, password: str, hash_method: str) -> None:
    """Give an existing user a new password (ValueError for an unknown username)."""
    with engine.begin() as conn:
        user_id = user_store.id_for_username(conn, username)
        if user_id is None:
            raise ValueError(f"There is no user '{username}'")
        user_store.set_columns(
            conn, user_id, password_hash=generate_password_hash(password, method=hash_method)
        )


def create_user(
    engine: Engine,
    username: str,
    password: str,
    permissions: Iterable[str],
    hash_method: str,
    first_name: str | None = None,
    last_name: str | None = None,
    **values,
) -> int:
    with write_transaction(engine) as conn:
        if user_store.username_exists(conn, username):
            raise ValueError(f"User '{username}' already exists")
        return user_store.create(
            conn,
            username=username,
            password_hash=generate_password_hash(password, method=hash_method),
            first_name=first_name or username,
            last_name=last_name or "",
            permissions=permissions,
            **values,
        )
