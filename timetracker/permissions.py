"""Who is asking: the permission identifiers, the authenticated caller, and facts about the
caller that the rules in ``access`` need, loaded once per request (the assigned team, the scope
of work)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import g
from sqlalchemy import Connection

from timetracker.store import permission_sql as sql
from timetracker.store.prepared import WATCH
from timetracker.store.users import may_change_logins

ENTER_TIME_TRACK = "enterTimeTrack"
MODIFY_APPROVE_TIME_TRACK = "modifyApproveTimeTrack"
MANAGE_SCOPE_OF_WORK = "manageScopeOfWork"
MANAGE_COST_BILLING = "manageCostBilling"
MANAGE_ACCOUNTS = "manageAccounts"
MANAGE_SYSTEM_SETTINGS = "manageSystemSettings"
MANAGE_PTO_SICK = "managePtoSick"
LOCK_TIME_TRACK = "lockTimeTrack"

# API identifier -> the permission's name in the product.
PERMISSIONS: dict[str, str] = {
    ENTER_TIME_TRACK: "Enter Time-Track",
    MODIFY_APPROVE_TIME_TRACK: "Modify & Approve Users' Time-Track",
    MANAGE_SCOPE_OF_WORK: "Manage Scope of Work",
    MANAGE_COST_BILLING: "Manage Cost & Billing Data",
    MANAGE_ACCOUNTS: "Manage Accounts & Permissions",
    MANAGE_SYSTEM_SETTINGS: "Manage System Settings",
    MANAGE_PTO_SICK: "Manage PTO & Sick Days Settings",
    LOCK_TIME_TRACK: "Lock Time-Track For Any User",
}

# The permissions that work on an assigned team and a scope of work.
MANAGER_PERMISSIONS = (MODIFY_APPROVE_TIME_TRACK, MANAGE_SCOPE_OF_WORK, MANAGE_COST_BILLING)


@dataclass(frozen=True)
class Caller:
    """The authenticated user of the current request."""

    id: int
    username: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    sees_all_data: bool = False
    team_all: bool = False
    scope_all: bool = False
    assign_all: bool = False

    def has(self, *permissions: str) -> bool:
        """True when the caller holds at least one of ``permissions``."""
        return not self.permissions.isdisjoint(permissions)

    @property
    def is_manager(self) -> bool:
        return self.has(*MANAGER_PERMISSIONS)


# Who the command line acts as (``timetracker import ...``): the administrator, with every
# permission over the whole company. Whoever may run the command may already read and write the
# database itself; the rules of each line still apply (locks, approvals, employment, the day).
COMMAND_LINE = Caller(
    id=0,
    username="command line",
    permissions=frozenset(PERMISSIONS),
    sees_all_data=True,
    team_all=True,
    scope_all=True,
    assign_all=True,
)


def can_log_in(user, today: dt.date | None = None) -> bool:
    """Whether an account may be authorized at all: active, already hired, not yet released."""
    today = today or dt.date.today()
    if not user["active"]:
        return False
    if user["hired"] is not None and user["hired"] > today:
        return False
    return not (user["release_date"] is not None and user["release_date"] < today)


def caller_of(user) -> Caller:
    """The caller a login row stands for (a Basic or token login, a hook's owner)."""
    return Caller(
        id=user["id"],
        username=user["username"],
        permissions=user["permissions"],
        sees_all_data=user["sees_all_data"],
        team_all=user["team_all"],
        scope_all=user["scope_all"],
        assign_all=user["assign_all"],
    )


class LoginMemo:
    """The Basic logins verified within one transaction that nobody else can write to (a
    batch's group on SQLite holds the write lock from its BEGIN IMMEDIATE to its commit).

    Only the transaction's own statements can change a login there, so a caller verified for
    one item stands for the same credentials on the items after it, the same day, until a
    statement of the transaction may have changed a login (``store.users.may_change_logins``:
    a password, an account disabled or released, its permissions, a token): then every login
    is looked up and verified again, as on a request of its own. A refused login is never
    remembered, and a failed one still counts toward the ban on each item."""

    def __init__(self):
        self._callers: dict[tuple[str, dt.date], Caller] = {}

    def watching(self, conn: Connection) -> Connection:
        """``conn``, showing this memo every statement it runs."""
        return conn.execution_options(**{WATCH: self._watch})

    def get(self, header: str) -> Caller | None:
        return self._callers.get((header, dt.date.today()))

    def add(self, header: str, caller: Caller) -> None:
        self._callers[(header, dt.date.today())] = caller

    def _watch(self, statement) -> None:
        if self._callers and may_change_logins(statement):
            self._callers.clear()


# The WSGI environ key of the LoginMemo that a request's login may use.
LOGINS = "timetracker.logins"


def current_caller() -> Caller | None:
    return g.get("caller")


def _memo(name: str, load):
    """A fact about the caller loaded once per request (the team, the scope of work, ...)."""
    value = g.get(name)
    if value is None:
        value = load()
        setattr(g, name, value)
    return value


def team_set(conn: Connection, caller: Caller) -> frozenset[int]:
    """The caller's team as a set, loaded once per request (for per-row answers in lists)."""
    return _memo("access_team", lambda: sql.team_member_ids(conn, caller.id))


@dataclass(frozen=True)
class Scope:
    """A caller's scope of work as sets, loaded once per request."""

    everything: bool
    customer_ids: frozenset[int]
    project_ids: frozenset[int]

    def covers(self, kind: str, row) -> bool:
        if self.everything:
            return True
        if kind == "customer":
            return row["id"] in self.customer_ids
        if kind == "project":
            return row["customer_id"] in self.customer_ids or row["id"] in self.project_ids
        return row["customer_id"] in self.customer_ids or row["project_id"] in self.project_ids


def scope_of(conn: Connection, caller: Caller) -> Scope:
    def load() -> Scope:
        if caller.has(MANAGE_ACCOUNTS) or caller.scope_all:
            return Scope(True, frozenset(), frozenset())
        return Scope(False, *sql.scope_links(conn, caller.id))

    return _memo("access_scope", load)
