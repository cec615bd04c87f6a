"""Who may see and change what: the permission matrix, and only here.

Services ask this module; store queries apply the SQL conditions it returns (built by
``store/permission_sql.py``, the same matrix in SQL), so a list never loads rows it would throw
away.
Several permissions add up (a union of what each one grants). The module is too long for the
400-line rule on purpose: the whole matrix is read in one place.

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
- Invoices: Manage Accounts & Permissions, or Manage Cost & Billing Data over the records of
  the assigned team on the scope of work.
- Tags: everyone reads them; whoever may enter time (Enter Time-Track, Modify & Approve Users'
  Time-Track) creates them, as do Manage System Settings and Manage Accounts & Permissions,
  which alone rename, recolour and delete them (a tag is shared by the whole company).
- Rates: the ``rate`` of a type of work is visible with Manage Accounts & Permissions, Manage
  Cost & Billing Data or Manage System Settings. User rates are read with Manage Accounts &
  Permissions (everyone) or Manage Cost & Billing Data (the assigned team), and written only with
  Manage Accounts & Permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import ColumnElement, Connection

from timetracker.errors import ApiError

# The permission identifiers and the caller are part of the matrix's vocabulary: rules and
# callers of this module name them through it.
from timetracker.permissions import (  # noqa: F401
    ENTER_TIME_TRACK,
    LOCK_TIME_TRACK,
    MANAGE_ACCOUNTS,
    MANAGE_COST_BILLING,
    MANAGE_PTO_SICK,
    MANAGE_SCOPE_OF_WORK,
    MANAGE_SYSTEM_SETTINGS,
    MANAGER_PERMISSIONS,
    MODIFY_APPROVE_TIME_TRACK,
    PERMISSIONS,
    Caller,
    Scope,
    current_caller,
    scope_of,
    team_set,
)
from timetracker.store import permission_sql as sql


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ApiError(403, "access_denied", message)


# --- grants: each rule over records is declared once, and read two ways ----------------------
#
# A rule is the list of grants a caller holds. A grant pairs the users it reaches (EVERYONE,
# SELF, or the caller's assigned TEAM) with what a record's task must also be: in the caller's
# scope of work (IN_SCOPE), among the work assignments of the record's user (ASSIGNED); none
# of them: any task. ``_allows`` answers for one record in Python, ``_where`` writes the same
# grants as a SQL condition for lists; a caller reaches a record when any grant holds.

EVERYONE, SELF, TEAM = "everyone", "self", "team"
IN_SCOPE, ASSIGNED = "in scope", "assigned"


@dataclass(frozen=True)
class Grant:
    users: str
    tasks: frozenset[str] = frozenset()


def _allows(
    grants: list[Grant],
    caller: Caller,
    user_id: int,
    in_team: Callable[[], bool],
    in_scope: Callable[[], bool] = lambda: True,
    assigned: Callable[[], bool] = lambda: True,
) -> bool:
    """Whether a grant reaches the record of ``user_id``; the facts about the record are asked
    (``in_team``, ``in_scope``, ``assigned``) only as a grant needs them."""
    for grant in grants:
        if grant.users == SELF and user_id != caller.id:
            continue
        if grant.users == TEAM and not in_team():
            continue
        if IN_SCOPE in grant.tasks and not in_scope():
            continue
        if ASSIGNED in grant.tasks and not assigned():
            continue
        return True
    return False


@dataclass(frozen=True)
class RecordColumns:
    """How ``_where`` names a record's user and task: SQL builders for the conditions."""

    user_is: Callable[[int], ColumnElement[bool]]
    of_team: Callable[[int], ColumnElement[bool]]
    # None: the records have no task (leave time).
    task_reached: Callable[[Any, int], ColumnElement[bool]] | None = None


def _task_reached(links, user_id: int) -> ColumnElement[bool]:
    return sql.reached_through("task", links, user_id)


ON_TIME = RecordColumns(sql.own_time, sql.time_of_team, _task_reached)
ON_LEAVE = RecordColumns(sql.own_leave, sql.leave_of_team)
ON_USERS = RecordColumns(sql.user_is, sql.user_in_team)


def _where(grants: list[Grant], caller: Caller, on: RecordColumns) -> ColumnElement[bool] | None:
    """SQL: the records ``grants`` reach (None: all of them)."""
    conditions = []
    for grant in grants:
        parts = []
        if grant.users == SELF:
            parts.append(on.user_is(caller.id))
        elif grant.users == TEAM and not caller.team_all:
            parts.append(on.of_team(caller.id))
        if IN_SCOPE in grant.tasks and not caller.scope_all:
            parts.append(on.task_reached(sql.SCOPE, caller.id))
        if ASSIGNED in grant.tasks:
            if grant.users != SELF:
                parts.append(sql.assigned_to_own_user())
            elif not caller.assign_all:  # the record's user is the caller
                parts.append(on.task_reached(sql.ASSIGNMENTS, caller.id))
        if not parts:
            return sql.EVERYTHING
        conditions.append(sql.all_of(parts))
    return sql.any_of(conditions)


# --- users ----------------------------------------------------------------------------------


def sees_all_users(caller: Caller) -> bool:
    return (
        caller.has(MANAGE_ACCOUNTS)
        or caller.sees_all_data
        or (caller.is_manager and caller.team_all)
    )


def user_filter(caller: Caller) -> ColumnElement[bool] | None:
    """SQL condition selecting the users ``caller`` may see (None: all of them)."""
    if sees_all_users(caller):
        return sql.EVERYTHING
    if caller.is_manager:
        return sql.any_of([sql.user_is(caller.id), sql.user_in_team(caller.id)])
    return sql.user_is(caller.id)


def can_see_private_user_fields(caller: Caller | None) -> bool:
    """``username``, ``email``, ``hired`` and ``releaseDate`` of other users."""
    return caller is not None and caller.has(MANAGE_ACCOUNTS)


def can_manage_accounts(caller: Caller) -> bool:
    return caller.has(MANAGE_ACCOUNTS)


def ensure_can_manage_accounts(caller: Caller, what: str = "users") -> None:
    _require(can_manage_accounts(caller), f"Changing {what} requires Manage Accounts & Permissions")


def in_team(conn: Connection, caller: Caller, user_id: int) -> bool:
    return caller.team_all or user_id in team_set(conn, caller)


def submit_checker(conn: Connection, caller: Caller | None):
    """A function telling whether ``caller`` may enter time-track for a user (the spec's
    modification table): themselves with Enter Time-Track, their team with Modify & Approve
    Users' Time-Track. The team is loaded once, however many users are asked about."""
    if caller is None:
        return lambda user: False
    own = caller.has(ENTER_TIME_TRACK)
    approver = caller.has(MODIFY_APPROVE_TIME_TRACK)
    team = frozenset() if not approver or caller.team_all else team_set(conn, caller)

    def can_submit_for(user) -> bool:
        if not user["active"]:
            return False
        if user["id"] == caller.id:
            return own
        return approver and (caller.team_all or user["id"] in team)

    return can_submit_for


def can_manage_work_assignments_of(conn: Connection, caller: Caller, user_id: int) -> bool:
    """Manage Accounts & Permissions, or Manage Scope of Work over the user (or oneself)."""
    return can_manage_accounts(caller) or (
        caller.has(MANAGE_SCOPE_OF_WORK)
        and (user_id == caller.id or in_team(conn, caller, user_id))
    )


def rates_grants(caller: Caller) -> list[Grant]:
    """Whose rates ``caller`` may read: everyone's, or the assigned team's."""
    if caller.has(MANAGE_ACCOUNTS):
        return [Grant(EVERYONE)]
    if caller.has(MANAGE_COST_BILLING):
        return [Grant(TEAM)]
    return []


def can_read_rates_of(conn: Connection, caller: Caller, user_id: int) -> bool:
    return _allows(
        rates_grants(caller), caller, user_id, in_team=lambda: in_team(conn, caller, user_id)
    )


def can_read_rates(caller: Caller) -> bool:
    """Whether ``caller`` may read the rates of anyone at all."""
    return caller.has(MANAGE_ACCOUNTS, MANAGE_COST_BILLING)


def rates_user_filter(caller: Caller) -> ColumnElement[bool]:
    """SQL: the users whose rates ``caller`` may read."""
    condition = _where(rates_grants(caller), caller, ON_USERS)
    return sql.ALL if condition is None else condition


# --- the work catalogue (customers, projects, tasks) -----------------------------------------


def catalogue_filter(caller: Caller, kind: str) -> ColumnElement[bool] | None:
    """SQL condition selecting the customers/projects/tasks ``caller`` may see (None: all)."""
    if caller.has(MANAGE_ACCOUNTS):
        return sql.EVERYTHING
    through_scope = caller.is_manager
    through_assignments = caller.has(ENTER_TIME_TRACK)
    if (through_scope and caller.scope_all) or (through_assignments and caller.assign_all):
        return sql.EVERYTHING
    conditions = []
    if through_scope:
        conditions.append(sql.reached_through(kind, sql.SCOPE, caller.id))
    if through_assignments:
        conditions.append(sql.reached_through(kind, sql.ASSIGNMENTS, caller.id))
    return sql.any_of(conditions)


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


def catalogue_actions(conn: Connection, caller: Caller, kind: str):
    """A function: a customer/project/task row -> what ``caller`` may do with it."""

    def actions(row) -> dict[str, bool]:
        allowed = can_manage_catalogue(conn, caller, kind, row)
        return {"canModify": allowed, "canDelete": allowed}

    return actions


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


def _in_scope(conn: Connection, caller: Caller, task_id: int) -> bool:
    return caller.scope_all or sql.task_reached(conn, task_id, sql.SCOPE, caller.id)


def is_assigned(conn: Connection, user, task_id: int) -> bool:
    """Whether ``user`` (a row) may track time on the task: their work assignments. Answered
    once per request for a user and task (permission checks and rules both ask)."""
    answers = g.setdefault("access_assigned", {})
    key = (user["id"], task_id)
    if key not in answers:
        answers[key] = user["assign_all"] or sql.task_reached(
            conn, task_id, sql.ASSIGNMENTS, user["id"]
        )
    return answers[key]


def timetrack_grants(caller: Caller, writing: bool) -> list[Grant]:
    """The time-track rule (the table above), for reading or for changing records."""
    grants = []
    if not writing and (caller.has(MANAGE_ACCOUNTS) or caller.sees_all_data):
        grants.append(Grant(EVERYONE))
    if caller.has(ENTER_TIME_TRACK):
        grants.append(Grant(SELF, frozenset({ASSIGNED})))
    if not writing and caller.is_manager:
        grants.append(Grant(TEAM, frozenset({IN_SCOPE})))
    if writing and caller.has(MODIFY_APPROVE_TIME_TRACK):
        on_tasks = {IN_SCOPE} if caller.has(MANAGE_SCOPE_OF_WORK) else {IN_SCOPE, ASSIGNED}
        grants.append(Grant(TEAM, frozenset(on_tasks)))
    return grants


def _timetrack_allows(conn: Connection, caller: Caller, user, task_id: int, writing: bool) -> bool:
    return _allows(
        timetrack_grants(caller, writing),
        caller,
        user["id"],
        in_team=lambda: in_team(conn, caller, user["id"]),
        in_scope=lambda: _in_scope(conn, caller, task_id),
        assigned=lambda: is_assigned(conn, user, task_id),
    )


def can_read_timetrack(conn: Connection, caller: Caller, user, task_id: int) -> bool:
    return _timetrack_allows(conn, caller, user, task_id, writing=False)


def can_modify_timetrack(conn: Connection, caller: Caller, user, task_id: int) -> bool:
    return _timetrack_allows(conn, caller, user, task_id, writing=True)


def assignment_checker(conn: Connection, user_rows: list) -> Callable[[Any, Any], bool]:
    """:func:`is_assigned` for many users and tasks at once: a function (user row, task row
    with ``customer_id`` and ``project_id``) -> bool, from the users' assignments loaded in
    one query."""
    links = sql.assignment_links(conn, [u["id"] for u in user_rows if not u["assign_all"]])
    nothing: tuple[set[int], set[int], set[int]] = (set(), set(), set())

    def assigned(user, task) -> bool:
        if user["assign_all"]:
            return True
        customer_ids, project_ids, task_ids = links.get(user["id"], nothing)
        return (
            task["customer_id"] in customer_ids
            or task["project_id"] in project_ids
            or task["id"] in task_ids
        )

    return assigned


def timetrack_modify_checker(conn: Connection, caller: Caller) -> Callable[[Any, Any, bool], bool]:
    """:func:`can_modify_timetrack` for many records at once (an import): a function (user row,
    task row with ``customer_id`` and ``project_id``, whether the task is among the user's
    work assignments) -> bool. The team and the scope of work are loaded once."""
    grants = timetrack_grants(caller, writing=True)
    by_team = any(grant.users == TEAM for grant in grants)
    team = frozenset() if not by_team or caller.team_all else team_set(conn, caller)
    # The scope items themselves, as _in_scope reads them (not scope_of's Manage Accounts
    # shortcut: that one is about changing the catalogue).
    scope = (frozenset(), frozenset()) if caller.scope_all else sql.scope_links(conn, caller.id)

    def can_modify(user, task, assigned: bool) -> bool:
        return _allows(
            grants,
            caller,
            user["id"],
            in_team=lambda: caller.team_all or user["id"] in team,
            in_scope=lambda: (
                caller.scope_all
                or task["customer_id"] in scope[0]
                or task["project_id"] in scope[1]
            ),
            assigned=lambda: assigned,
        )

    return can_modify


def ensure_can_import_timetrack(caller: Caller) -> None:
    """An import of time-track is refused whole (403) for a caller who can change nobody's
    time; otherwise each line is judged as a change of that record would be."""
    _require(
        caller.has(ENTER_TIME_TRACK, MODIFY_APPROVE_TIME_TRACK),
        "Importing time-track requires Enter Time-Track or Modify & Approve Users' Time-Track",
    )


def can_assign_task_to(conn: Connection, caller: Caller, user_id: int, task) -> bool:
    """Whether ``caller`` may add the task to the user's work assignments: both ways of doing
    it through the API must allow it (the task's assigned users, and the user's work
    assignments)."""
    return can_assign_work(conn, caller, "task", task) and can_manage_work_assignments_of(
        conn, caller, user_id
    )


def ensure_can_import_catalogue(caller: Caller) -> None:
    """An import of tasks is refused whole (403) for a caller who can create nothing in the
    catalogue; otherwise each line is judged as creating its objects would be."""
    _require(
        caller.has(MANAGE_ACCOUNTS, MANAGE_SCOPE_OF_WORK),
        "Importing tasks requires Manage Scope of Work or Manage Accounts & Permissions",
    )


def timetrack_filter(caller: Caller, writing: bool = False) -> ColumnElement[bool] | None:
    """SQL: the time entries ``caller`` may read (or change; None: all). Needs ``tasks`` and
    ``projects`` joined to ``day_records``."""
    return _where(timetrack_grants(caller, writing), caller, ON_TIME)


def can_lock_timetrack(caller: Caller) -> bool:
    return caller.has(LOCK_TIME_TRACK)


def can_approve_timetrack(conn: Connection, caller: Caller, user_id: int) -> bool:
    """Approve, reject or revoke a user's weeks: Modify & Approve over a team holding them."""
    return caller.has(MODIFY_APPROVE_TIME_TRACK) and in_team(conn, caller, user_id)


# --- invoices: Manage Cost & Billing Data sees the invoices none of whose records lie outside its
# reach, bills only within it, and is refused (403) filters naming anything outside it.


def ensure_can_bill(caller: Caller) -> None:
    _require(
        caller.has(MANAGE_ACCOUNTS, MANAGE_COST_BILLING),
        "Invoices need Manage Cost & Billing Data or Manage Accounts & Permissions",
    )


def billing_grants(caller: Caller) -> list[Grant]:
    """The records ``caller`` may bill: every one, or the assigned team's on the scope of work."""
    if caller.has(MANAGE_ACCOUNTS):
        return [Grant(EVERYONE)]
    if caller.has(MANAGE_COST_BILLING):
        return [Grant(TEAM, frozenset({IN_SCOPE}))]
    return []


def billing_reach(caller: Caller) -> ColumnElement[bool] | None:
    """SQL: the time entries ``caller`` may bill (None: all; tasks and projects joined)."""
    return _where(billing_grants(caller), caller, ON_TIME)


def invoice_filter(caller: Caller) -> ColumnElement[bool] | None:
    """SQL: the invoices ``caller`` may see (None: all)."""
    reach = billing_reach(caller)
    return sql.EVERYTHING if reach is None else sql.invoice_within(reach)


def ensure_can_bill_for(conn: Connection, caller: Caller, user_ids, customers, projects) -> None:
    """403 when an invoice's filters name users (ids), customers or projects (rows) outside the
    caller's assigned team and scope of work."""
    if caller.has(MANAGE_ACCOUNTS):
        return
    scope = scope_of(conn, caller)
    outside = [f"user {u}" for u in user_ids or () if not in_team(conn, caller, u)]
    outside += [f"customer {r['id']}" for r in customers if not scope.covers("customer", r)]
    outside += [f"project {r['id']}" for r in projects if not scope.covers("project", r)]
    _require(not outside, f"Outside your team and scope of work: {', '.join(outside)}")


def can_see_money(conn: Connection, caller: Caller, user_ids=None) -> bool:
    """Cost and revenue in totals: Manage Accounts & Permissions, or Manage Cost & Billing Data
    when every user whose time is counted (``user_ids``, or all the caller may read) is in the
    assigned team."""
    if caller.has(MANAGE_ACCOUNTS):
        return True
    if not caller.has(MANAGE_COST_BILLING):
        return False
    if caller.team_all:
        return True
    team = team_set(conn, caller)
    if user_ids is not None:
        return set(user_ids) <= team
    # Without a user filter the caller reads their team's time, and their own with Enter
    # Time-Track, and everyone's with "see all users' data".
    if caller.sees_all_data:
        return False
    return not caller.has(ENTER_TIME_TRACK) or caller.id in team


# --- leave time (the reference's section 3.11) ---------------------------------------------
#
# Read: yourself with Enter Time-Track; everyone with Manage PTO & Sick Days Settings, Manage
# Accounts & Permissions or "see all users' data"; the assigned team with Modify & Approve.
# Change: the same, except that Manage Accounts & Permissions and "see all users' data" alone
# only read.


def leave_grants(caller: Caller, writing: bool) -> list[Grant]:
    """The leave rule (above), for reading or for changing leave time."""
    grants = []
    if caller.has(MANAGE_PTO_SICK) or (
        not writing and (caller.has(MANAGE_ACCOUNTS) or caller.sees_all_data)
    ):
        grants.append(Grant(EVERYONE))
    if caller.has(ENTER_TIME_TRACK):
        grants.append(Grant(SELF))
    if caller.has(MODIFY_APPROVE_TIME_TRACK):
        grants.append(Grant(TEAM))
    return grants


def leave_filter(caller: Caller, writing: bool = False) -> ColumnElement[bool] | None:
    """SQL: the leave entries ``caller`` may read (or change; None: all)."""
    return _where(leave_grants(caller, writing), caller, ON_LEAVE)


def can_reach_leave(conn: Connection, caller: Caller, user_id: int, writing: bool) -> bool:
    return _allows(
        leave_grants(caller, writing),
        caller,
        user_id,
        in_team=lambda: in_team(conn, caller, user_id),
    )


# --- the event log (the changes feed): an event is seen by whoever may see what it is about,
# judged by the ids it recorded (so a deletion is judged as the object was): records by the
# time-track and leave rules, catalogue objects and users by theirs, settings by everyone,
# invoices by those who may bill every record the invoice billed (as GET /invoices/{id}).
# Manage Accounts & Permissions sees every event.

RECORD_EVENTS = ("timetrack.", "timer.", "timeEntry.")
EVERYONES_EVENTS = ("department.", "timeZoneGroup.", "leaveType.", "workflowStatus.")
EVERYONES_EVENTS += ("typeOfWork.", "tag.")


def ensure_can_read_audit_log(caller: Caller) -> None:
    _require(caller.has(MANAGE_ACCOUNTS), "The audit log needs Manage Accounts & Permissions")


def event_filter(caller: Caller, events_table) -> ColumnElement[bool] | None:
    """SQL: the events ``caller`` may see (None: all)."""
    if caller.has(MANAGE_ACCOUNTS):
        return sql.EVERYTHING
    name = events_table.c.name

    def named(*prefixes: str):
        return sql.any_of([name.startswith(p) for p in prefixes])

    def where(condition):
        return sql.ALL if condition is None else condition

    records = sql.on_events(timetrack_filter(caller), "record")
    leave = sql.on_events(leave_filter(caller), "record")
    people = sql.on_events(user_filter(caller), "user")
    grants = [
        named(*EVERYONES_EVENTS),
        sql.all_of([named(*RECORD_EVENTS), where(records)]),
        sql.all_of([named("leaveTime."), where(leave)]),
        sql.all_of([named("timetrackApprovalStatus.", "user."), where(people)]),
    ]
    for kind in ("customer", "project", "task"):
        condition = sql.on_events(catalogue_filter(caller, kind), kind)
        grants.append(sql.all_of([named(f"{kind}."), where(condition)]))
    if caller.has(MANAGE_COST_BILLING):
        # As GET /invoices/{id}: every record the invoice billed within the billing reach.
        invoices = sql.on_every_subject(billing_reach(caller))
        grants.append(sql.all_of([named("invoice."), where(invoices)]))
    return sql.any_of(grants)


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


# --- tags: shared by the whole company --------------------------------------------------------

TAG_CREATORS = (ENTER_TIME_TRACK, MODIFY_APPROVE_TIME_TRACK)
TAG_CREATORS += (MANAGE_SYSTEM_SETTINGS, MANAGE_ACCOUNTS)


def can_create_tags(caller: Caller) -> bool:
    return caller.has(*TAG_CREATORS)


def can_manage_tags(caller: Caller) -> bool:
    """Rename, recolour or delete a tag: it changes what everyone's entries show."""
    return caller.has(MANAGE_SYSTEM_SETTINGS, MANAGE_ACCOUNTS)


def ensure_can_create_tags(caller: Caller) -> None:
    _require(
        can_create_tags(caller),
        "Creating tags requires Enter Time-Track, Modify & Approve Users' Time-Track, Manage "
        "System Settings or Manage Accounts & Permissions",
    )


def ensure_can_manage_tags(caller: Caller) -> None:
    _require(
        can_manage_tags(caller),
        "Changing or deleting tags requires Manage System Settings or Manage Accounts & "
        "Permissions",
    )
