"""Who may see and change what: the permission matrix, and only here.

Views ask this module; store queries apply the SQL conditions it returns, so a list never loads
rows it would throw away. Several permissions add up (a union of what each one grants).

Reach of a caller:

- **Users.** Everyone reaches themselves. Holders of Modify & Approve Users' Time-Track, Manage
  Scope of Work or Manage Cost & Billing Data also reach their *assigned team* (or everyone, when
  their team is the whole company). Manage Accounts & Permissions, and the company setting
  "allow selected users to see all users' data", reach every user.
- **Customers, projects, tasks.** Manage Accounts & Permissions reaches everything. The manager
  permissions above reach their *scope of work* (customers and projects, with everything below
  them). Enter Time-Track reaches the caller's *work assignments*. A customer or project is also
  visible when one of its tasks is.

What may be changed:

- Customers, projects and tasks: Manage Accounts & Permissions, or Manage Scope of Work within
  the scope of work. Creating a customer needs the whole company as scope.
- Work assignments: Manage Accounts & Permissions, or Manage Scope of Work for objects within the
  scope of work.
- Users, their permissions, teams, scopes, schedules, departments and time zone groups: Manage
  Accounts & Permissions.
- Workflow statuses and types of work: Manage System Settings. Leave types: Manage PTO & Sick
  Days Settings or Manage System Settings.
- Rates: the ``rate`` of a type of work is visible with Manage Accounts & Permissions, Manage
  Cost & Billing Data or Manage System Settings. User rates are read with Manage Accounts &
  Permissions (everyone) or Manage Cost & Billing Data (the assigned team), and written only with
  Manage Accounts & Permissions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import g
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    false,
    or_,
    select,
    true,
)

from timetracker.errors import ApiError
from timetracker.store import entities
from timetracker.store.schema import (
    customers,
    leave_entries,
    projects,
    scope_items,
    tasks,
    team_members,
    time_entries,
    users,
    work_assignments,
)

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


def current_caller() -> Caller | None:
    return g.get("caller")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ApiError(403, "access_denied", message)


# --- users ----------------------------------------------------------------------------------


def sees_all_users(caller: Caller) -> bool:
    return (
        caller.has(MANAGE_ACCOUNTS)
        or caller.sees_all_data
        or (caller.is_manager and caller.team_all)
    )


def team_ids(caller_id: int):
    """SQL: the ids of the users in the assigned team of ``caller_id``."""
    return select(team_members.c.member_id).where(team_members.c.manager_id == caller_id)


def user_filter(caller: Caller) -> ColumnElement[bool] | None:
    """SQL condition selecting the users ``caller`` may see (None: all of them)."""
    if sees_all_users(caller):
        return None
    if caller.is_manager:
        return or_(users.c.id == caller.id, users.c.id.in_(team_ids(caller.id)))
    return users.c.id == caller.id


def can_see_private_user_fields(caller: Caller | None) -> bool:
    """``username``, ``email``, ``hired`` and ``releaseDate`` of other users."""
    return caller is not None and caller.has(MANAGE_ACCOUNTS)


def can_manage_accounts(caller: Caller) -> bool:
    return caller.has(MANAGE_ACCOUNTS)


def ensure_can_manage_accounts(caller: Caller, what: str = "users") -> None:
    _require(can_manage_accounts(caller), f"Changing {what} requires Manage Accounts & Permissions")


def _team_set(conn: Connection, caller: Caller) -> frozenset[int]:
    """The caller's team as a set, loaded once per request (for per-row answers in lists)."""
    cached = g.get("access_team")
    if cached is None:
        cached = frozenset(conn.execute(team_ids(caller.id)).scalars())
        g.access_team = cached
    return cached


def in_team(conn: Connection, caller: Caller, user_id: int) -> bool:
    return caller.team_all or user_id in _team_set(conn, caller)


def submit_checker(conn: Connection, caller: Caller | None):
    """A function telling whether ``caller`` may enter time-track for a user (the spec's
    modification table): themselves with Enter Time-Track, their team with Modify & Approve
    Users' Time-Track. The team is loaded once, however many users are asked about."""
    if caller is None:
        return lambda user: False
    own = caller.has(ENTER_TIME_TRACK)
    approver = caller.has(MODIFY_APPROVE_TIME_TRACK)
    team = frozenset() if not approver or caller.team_all else _team_set(conn, caller)

    def can_submit_for(user) -> bool:
        if not user["active"]:
            return False
        if user["id"] == caller.id:
            return own
        return approver and (caller.team_all or user["id"] in team)

    return can_submit_for


def can_read_rates_of(conn: Connection, caller: Caller, user_id: int) -> bool:
    if caller.has(MANAGE_ACCOUNTS):
        return True
    return caller.has(MANAGE_COST_BILLING) and in_team(conn, caller, user_id)


def rates_user_filter(caller: Caller) -> ColumnElement[bool]:
    """SQL: the users whose rates ``caller`` may read."""
    if caller.has(MANAGE_ACCOUNTS) or (caller.has(MANAGE_COST_BILLING) and caller.team_all):
        return true()
    if caller.has(MANAGE_COST_BILLING):
        return users.c.id.in_(team_ids(caller.id))
    return false()


# --- the work catalogue (customers, projects, tasks) -----------------------------------------


def _linked(table: Table, column: str, user_id: int):
    return select(table.c[column]).where(table.c.user_id == user_id, table.c[column].is_not(None))


def _reached_through(kind: str, links: Table, user_id: int) -> ColumnElement[bool]:
    """SQL: objects of ``kind`` that ``links`` (scope items or work assignments) give to a user.

    A customer link covers its projects and tasks; a project link covers its tasks; a task link
    also makes its project and customer visible. Task conditions need ``projects`` joined.
    """
    customer_ids = _linked(links, "customer_id", user_id)
    project_ids = _linked(links, "project_id", user_id)
    task_ids = _linked(links, "task_id", user_id) if "task_id" in links.c else None
    if kind == "customer":
        conditions = [
            customers.c.id.in_(customer_ids),
            customers.c.id.in_(
                select(projects.c.customer_id).where(projects.c.id.in_(project_ids))
            ),
        ]
        if task_ids is not None:
            conditions.append(
                customers.c.id.in_(
                    select(projects.c.customer_id)
                    .join(tasks, tasks.c.project_id == projects.c.id)
                    .where(tasks.c.id.in_(task_ids))
                )
            )
    elif kind == "project":
        conditions = [projects.c.customer_id.in_(customer_ids), projects.c.id.in_(project_ids)]
        if task_ids is not None:
            conditions.append(
                projects.c.id.in_(select(tasks.c.project_id).where(tasks.c.id.in_(task_ids)))
            )
    else:
        conditions = [projects.c.customer_id.in_(customer_ids), tasks.c.project_id.in_(project_ids)]
        if task_ids is not None:
            conditions.append(tasks.c.id.in_(task_ids))
    return or_(*conditions)


def catalogue_filter(caller: Caller, kind: str) -> ColumnElement[bool] | None:
    """SQL condition selecting the customers/projects/tasks ``caller`` may see (None: all)."""
    if caller.has(MANAGE_ACCOUNTS):
        return None
    through_scope = caller.is_manager
    through_assignments = caller.has(ENTER_TIME_TRACK)
    if (through_scope and caller.scope_all) or (through_assignments and caller.assign_all):
        return None
    conditions = []
    if through_scope:
        conditions.append(_reached_through(kind, scope_items, caller.id))
    if through_assignments:
        conditions.append(_reached_through(kind, work_assignments, caller.id))
    return or_(*conditions) if conditions else false()


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
    cached = g.get("access_scope")
    if cached is None:
        if caller.has(MANAGE_ACCOUNTS) or caller.scope_all:
            cached = Scope(True, frozenset(), frozenset())
        else:
            rows = conn.execute(
                select(scope_items.c.customer_id, scope_items.c.project_id).where(
                    scope_items.c.user_id == caller.id
                )
            ).all()
            cached = Scope(
                False,
                frozenset(r.customer_id for r in rows if r.customer_id is not None),
                frozenset(r.project_id for r in rows if r.project_id is not None),
            )
        g.access_scope = cached
    return cached


def ensure_can_see_catalogue(conn: Connection, caller: Caller, kind: str, row) -> None:
    """403 when ``caller`` may not see this existing customer/project/task."""
    condition = catalogue_filter(caller, kind)
    if condition is None:
        return
    entity = {"customer": entities.CUSTOMERS, "project": entities.PROJECTS, "task": entities.TASKS}[
        kind
    ]
    _require(
        entities.get_row_where(conn, entity, row["id"], condition) is not None,
        f"You do not have access to this {kind}",
    )


def can_manage_catalogue(conn: Connection, caller: Caller, kind: str, row=None) -> bool:
    """Whether ``caller`` may change ``row`` (or, with ``row`` None, create a ``kind``).

    ``row`` for a new project or task is its parent's fields: ``customer_id`` for a project,
    ``project_id`` and ``customer_id`` for a task.
    """
    if caller.has(MANAGE_ACCOUNTS):
        return True
    if not caller.has(MANAGE_SCOPE_OF_WORK):
        return False
    scope = scope_of(conn, caller)
    if row is None:
        return scope.everything
    return scope.covers(kind, row)


def ensure_can_manage_catalogue(conn: Connection, caller: Caller, kind: str, row=None) -> None:
    _require(
        can_manage_catalogue(conn, caller, kind, row),
        f"Changing this {kind} requires Manage Scope of Work covering it",
    )


def catalogue_actions(conn: Connection, caller: Caller, kind: str, row) -> dict[str, bool]:
    allowed = can_manage_catalogue(conn, caller, kind, row)
    return {"canModify": allowed, "canDelete": allowed}


def can_assign_work(conn: Connection, caller: Caller, kind: str, row) -> bool:
    """Whether ``caller`` may change who works on ``row``."""
    return can_manage_catalogue(conn, caller, kind, row)


# --- time-track ---------------------------------------------------------------------------------
#
# The spec pairs users with tasks per permission (its two tables); a caller reaches a record when
# one of their permissions grants both its user and its task:
#
#   read:   Enter Time-Track          -> themselves          x their work assignments
#           the manager permissions   -> their assigned team x their scope of work
#           Manage Accounts & Perm.,
#           "see all users' data"     -> every user          x every task
#   modify: Enter Time-Track          -> themselves          x their work assignments
#           Modify & Approve with
#           Manage Scope of Work      -> their assigned team x their scope of work
#           Modify & Approve without  -> their assigned team x their scope of work that is also
#                                        in the team user's work assignments


@functools.cache
def _task_reached_through(links: Table) -> Select:
    """A pre-built statement (parameters ``task_id``, ``user_id``): the task, if ``links`` of the
    user reach it. Built once: constructing it costs more than running it."""
    return (
        select(tasks.c.id)
        .join(projects, projects.c.id == tasks.c.project_id)
        .where(
            tasks.c.id == bindparam("task_id"),
            _reached_through("task", links, bindparam("user_id")),
        )
    )


def task_in(conn: Connection, task_id: int, links: Table, user_id: int, everything: bool) -> bool:
    """Whether ``links`` (scope items or work assignments) of ``user_id`` reach the task."""
    if everything:
        return True
    params = {"task_id": task_id, "user_id": user_id}
    return conn.execute(_task_reached_through(links), params).first() is not None


def _in_scope(conn: Connection, caller: Caller, task_id: int) -> bool:
    return task_in(conn, task_id, scope_items, caller.id, caller.scope_all)


def is_assigned(conn: Connection, user, task_id: int) -> bool:
    """Whether ``user`` (a row) may track time on the task: their work assignments. Answered
    once per request for a user and task (permission checks and rules both ask)."""
    answers = g.setdefault("access_assigned", {})
    key = (user["id"], task_id)
    if key not in answers:
        answers[key] = task_in(conn, task_id, work_assignments, user["id"], user["assign_all"])
    return answers[key]


def can_read_timetrack(conn: Connection, caller: Caller, user, task_id: int) -> bool:
    if caller.has(MANAGE_ACCOUNTS) or caller.sees_all_data:
        return True
    if (
        user["id"] == caller.id
        and caller.has(ENTER_TIME_TRACK)
        and is_assigned(conn, user, task_id)
    ):
        return True
    return (
        caller.is_manager and in_team(conn, caller, user["id"]) and _in_scope(conn, caller, task_id)
    )


def can_modify_timetrack(conn: Connection, caller: Caller, user, task_id: int) -> bool:
    if (
        user["id"] == caller.id
        and caller.has(ENTER_TIME_TRACK)
        and is_assigned(conn, user, task_id)
    ):
        return True
    if not (caller.has(MODIFY_APPROVE_TIME_TRACK) and in_team(conn, caller, user["id"])):
        return False
    if not _in_scope(conn, caller, task_id):
        return False
    return caller.has(MANAGE_SCOPE_OF_WORK) or is_assigned(conn, user, task_id)


def timetrack_filter(caller: Caller) -> ColumnElement[bool] | None:
    """SQL: the time entries ``caller`` may read (None: all). Needs ``tasks`` and ``projects``
    joined to ``time_entries``."""
    if caller.has(MANAGE_ACCOUNTS) or caller.sees_all_data:
        return None
    grants = []
    if caller.has(ENTER_TIME_TRACK):
        own = time_entries.c.user_id == caller.id
        grants.append(
            own
            if caller.assign_all
            else and_(own, _reached_through("task", work_assignments, caller.id))
        )
    if caller.is_manager:
        conditions = []
        if not caller.team_all:
            conditions.append(time_entries.c.user_id.in_(team_ids(caller.id)))
        if not caller.scope_all:
            conditions.append(_reached_through("task", scope_items, caller.id))
        grants.append(and_(*conditions) if conditions else true())
    return or_(*grants) if grants else false()


def can_lock_timetrack(caller: Caller) -> bool:
    return caller.has(LOCK_TIME_TRACK)


def can_approve_timetrack(conn: Connection, caller: Caller, user_id: int) -> bool:
    """Approve, reject or revoke a user's weeks: Modify & Approve over a team holding them."""
    return caller.has(MODIFY_APPROVE_TIME_TRACK) and in_team(conn, caller, user_id)


# --- leave time (the reference's section 3.11) ---------------------------------------------
#
# Read: yourself with Enter Time-Track; everyone with Manage PTO & Sick Days Settings, Manage
# Accounts & Permissions or "see all users' data"; the assigned team with Modify & Approve.
# Change: the same, except that Manage Accounts & Permissions and "see all users' data" alone
# only read.


def _leave_grants(caller: Caller, writing: bool) -> tuple[bool, bool, bool]:
    """(everyone, own, team) the caller reaches for leave time."""
    everyone = caller.has(MANAGE_PTO_SICK) or (
        not writing and (caller.has(MANAGE_ACCOUNTS) or caller.sees_all_data)
    )
    team = caller.has(MODIFY_APPROVE_TIME_TRACK)
    return everyone or (team and caller.team_all), caller.has(ENTER_TIME_TRACK), team


def leave_filter(caller: Caller) -> ColumnElement[bool] | None:
    """SQL: the leave entries ``caller`` may read (None: all)."""
    everyone, own, team = _leave_grants(caller, writing=False)
    if everyone:
        return None
    grants = []
    if own:
        grants.append(leave_entries.c.user_id == caller.id)
    if team:
        grants.append(leave_entries.c.user_id.in_(team_ids(caller.id)))
    return or_(*grants) if grants else false()


def can_reach_leave(conn: Connection, caller: Caller, user_id: int, writing: bool) -> bool:
    everyone, own, team = _leave_grants(caller, writing)
    return (
        everyone or (own and user_id == caller.id) or (team and user_id in _team_set(conn, caller))
    )


# --- system settings (workflow statuses, types of work, leave types) ---------------------------


def can_manage_settings(caller: Caller) -> bool:
    return caller.has(MANAGE_SYSTEM_SETTINGS)


def ensure_can_manage_settings(caller: Caller, what: str) -> None:
    _require(can_manage_settings(caller), f"Changing {what} requires Manage System Settings")


def ensure_can_manage_leave_types(caller: Caller) -> None:
    _require(
        caller.has(MANAGE_PTO_SICK, MANAGE_SYSTEM_SETTINGS),
        "Changing leave types requires Manage PTO & Sick Days Settings",
    )


def can_see_rates(caller: Caller | None) -> bool:
    return caller is not None and caller.has(
        MANAGE_ACCOUNTS, MANAGE_COST_BILLING, MANAGE_SYSTEM_SETTINGS
    )
