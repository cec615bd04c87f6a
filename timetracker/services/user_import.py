"""Importing users from CSV: every row is checked first, every problem is reported with its line
number, and nothing is imported unless every row is good.

The template (the header row names the columns; their order is free)::

    username,password,firstName,middleName,lastName,email,department,timeZoneGroup,hired,releaseDate,permissions
    jdoe,s3cret,John,,Doe,john@example.com,Engineering,London,2024-01-15,,enterTimeTrack;manageScopeOfWork

``username``, ``password``, ``firstName`` and ``lastName`` are required. ``department`` and
``timeZoneGroup`` are names of existing ones (empty: the defaults). ``hired`` and
``releaseDate`` are ``YYYY-MM-DD``. ``permissions`` are permission identifiers separated by
semicolons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import Connection
from werkzeug.security import generate_password_hash

from timetracker import access
from timetracker.access import PERMISSIONS, Caller
from timetracker.errors import flatten_messages
from timetracker.services.csv_import import CsvRefused, decode, line_errors, read_lines, refuse
from timetracker.store import entities
from timetracker.store import users as user_store
from timetracker.store.departments import DEPARTMENTS
from timetracker.store.time_zone_groups import TIME_ZONE_GROUPS
from timetracker.store.util import name_key

COLUMNS = (
    "username",
    "password",
    "firstName",
    "middleName",
    "lastName",
    "email",
    "department",
    "timeZoneGroup",
    "hired",
    "releaseDate",
    "permissions",
)
REQUIRED = ("username", "password", "firstName", "lastName")
MAX_ROWS = 10_000
TEMPLATE = (
    ",".join(COLUMNS)
    + "\n"
    + (
        "jdoe,s3cret,John,,Doe,john@example.com,Engineering,London,2024-01-15,,"
        "enterTimeTrack;manageScopeOfWork\n"
    )
)


@dataclass
class ImportPlan:
    rows: list[dict] = field(default_factory=list)  # user columns, one dict per CSV row
    errors: list[str] = field(default_factory=list)


def _names_to_ids(conn: Connection, entity) -> dict[str, int]:
    return {row["name_key"]: row["id"] for row in entities.list_rows(conn, entity, {})}


def plan(conn: Connection, data: bytes) -> ImportPlan:
    """Read and check the file; collects every problem instead of stopping at the first."""
    from timetracker.schemas.users import UserCreateSchema

    result = ImportPlan()
    try:
        table = read_lines(decode(data), COLUMNS, REQUIRED, MAX_ROWS, "users")
    except CsvRefused as refusal:
        result.errors = refusal.errors
        return result
    problems = table.problems
    departments = _names_to_ids(conn, DEPARTMENTS)
    zones = _names_to_ids(conn, TIME_ZONE_GROUPS)
    schema = UserCreateSchema()
    seen: dict[str, int] = {}
    for line, cells in table.lines:
        values = {c: v.strip() for c, v in zip(COLUMNS, cells, strict=True) if v.strip()}
        wrong: list[str] = []
        department = values.pop("department", None)
        zone = values.pop("timeZoneGroup", None)
        permissions = [p.strip() for p in values.pop("permissions", "").split(";") if p.strip()]
        refused: set[str] = set()
        try:
            user = schema.load(values)
        except ValidationError as error:
            wrong += [f"{name}: {msg}" for name, msg in flatten_messages(error.messages)]
            refused = set(error.messages)
            user = {}
        if department is not None and name_key(department) not in departments:
            wrong.append(f"department: no department named '{department}'")
        if zone is not None and name_key(zone) not in zones:
            wrong.append(f"timeZoneGroup: no time zone group named '{zone}'")
        bad = [p for p in permissions if p not in PERMISSIONS]
        if bad:
            wrong.append(f"permissions: unknown {', '.join(bad)}")
        username = values.get("username")
        if username and "username" not in refused:  # a refused name is not looked up
            key = name_key(username)
            if key in seen:
                wrong.append(f"username: '{username}' is also on line {seen[key]}")
            elif user_store.username_exists(conn, username):
                wrong.append(f"username: '{username}' already exists")
            seen.setdefault(key, line)
        if user.get("hired") and user.get("release_date") and user["release_date"] < user["hired"]:
            wrong.append("releaseDate: cannot precede hired")
        if wrong:
            problems.setdefault(line, []).extend(wrong)
            continue
        if department is not None:
            user["department_id"] = departments[name_key(department)]
        if zone is not None:
            user["time_zone_group_id"] = zones[name_key(zone)]
        user["permissions"] = permissions
        result.rows.append(user)
    result.errors = line_errors(problems)
    return result


def hash_passwords(
    rows: list[dict], hash_method: str, progress: Callable[[int], None] | None = None
) -> None:
    """Replace each row's password with its hash (slow on purpose: scrypt)."""
    for row in rows:
        row["password_hash"] = generate_password_hash(row.pop("password"), method=hash_method)
        if progress:
            progress(1)


def create_users(conn: Connection, rows: list[dict]) -> list[int]:
    """Create the planned users in ``conn``'s (write) transaction; usernames are re-checked
    there, since another request may have taken one meanwhile."""
    taken = [r["username"] for r in rows if user_store.username_exists(conn, r["username"])]
    if taken:
        raise refuse(f"username: '{u}' already exists" for u in taken)
    return [user_store.create(conn, **row) for row in rows]


def import_csv(
    connect: Callable[[bool], Connection], caller: Caller, data: bytes, hash_method: str
) -> list[int]:
    """Import users from CSV sent to the API, for a holder of Manage Accounts & Permissions.

    ``connect(write)`` gives the request's connection: checking and hashing (slow on purpose)
    happen on a read, and only the inserts take the write lock.
    """
    access.ensure_can_manage_accounts(caller)
    result = plan(connect(False), data)
    if result.errors:
        raise refuse(result.errors)
    hash_passwords(result.rows, hash_method)
    return create_users(connect(True), result.rows)
