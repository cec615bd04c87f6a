"""Who may see and change what: the permission matrix, and only here.

Views ask this module; store queries apply the SQL conditions it returns, so a list never loads
rows it would throw away. The rules today:

- every authenticated user reads the work catalogue, workflow statuses and types of work;
- customers, projects and tasks are created, changed and deleted by holders of Manage Scope of
  Work or Manage Accounts & Permissions;
- workflow statuses and types of work are changed by holders of Manage System Settings;
- the ``rate`` of a type of work is visible with Manage Accounts & Permissions, Manage Cost &
  Billing Data or Manage System Settings (enforced by the serializer through :func:`can_see_rates`).

Scopes of work, assigned teams and work assignments narrow these rules further as they arrive;
the functions below are the points where they plug in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g
from sqlalchemy import ColumnElement, true

from timetracker.errors import ApiError

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


@dataclass(frozen=True)
class Caller:
    """The authenticated user of the current request."""

    id: int
    username: str
    permissions: frozenset[str] = field(default_factory=frozenset)

    def has(self, *permissions: str) -> bool:
        """True when the caller holds at least one of ``permissions``."""
        return not self.permissions.isdisjoint(permissions)


def current_caller() -> Caller | None:
    return g.get("caller")


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ApiError(403, "access_denied", message)


# --- the work catalogue (customers, projects, tasks) -----------------------------------------

CATALOGUE_KINDS = ("customer", "project", "task")


def catalogue_filter(caller: Caller, kind: str) -> ColumnElement[bool]:
    """SQL condition selecting the customers/projects/tasks ``caller`` may see."""
    return true()


def ensure_can_see_catalogue(conn, caller: Caller, kind: str, row) -> None:
    """403 when ``caller`` may not see this customer/project/task."""


def can_manage_catalogue(caller: Caller, kind: str, row=None) -> bool:
    return caller.has(MANAGE_SCOPE_OF_WORK, MANAGE_ACCOUNTS)


def ensure_can_manage_catalogue(caller: Caller, kind: str, row=None) -> None:
    _require(
        can_manage_catalogue(caller, kind, row),
        f"Changing a {kind} requires the Manage Scope of Work permission",
    )


def catalogue_actions(caller: Caller, kind: str, row) -> dict[str, bool]:
    allowed = can_manage_catalogue(caller, kind, row)
    return {"canModify": allowed, "canDelete": allowed}


# --- system settings (workflow statuses, types of work) ---------------------------------------


def can_manage_settings(caller: Caller) -> bool:
    return caller.has(MANAGE_SYSTEM_SETTINGS)


def ensure_can_manage_settings(caller: Caller, what: str) -> None:
    _require(can_manage_settings(caller), f"Changing {what} requires Manage System Settings")


def can_see_rates(caller: Caller | None) -> bool:
    return caller is not None and caller.has(
        MANAGE_ACCOUNTS, MANAGE_COST_BILLING, MANAGE_SYSTEM_SETTINGS
    )
