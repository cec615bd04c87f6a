"""Rules of REST hooks: who subscribes to what, where events may be sent, and what a filter is.

Anyone who can log in may subscribe: a subscriber only ever receives events they may see when
the events are delivered (``services/hook_delivery.py``). Users see and delete their own
subscriptions; Manage Accounts & Permissions sees and deletes anyone's. Where events may be sent
is ``services/hook_targets.py``'s to say.

Each user has at most ``TIMETRACKER_HOOK_MAX_PER_USER`` subscriptions, whatever their
permissions: every subscription costs the deliverer work, and this keeps one account from
making hundreds. A subscription made with an API token lives as long as the token: revoking the
token disables it at once, and the deliverer disables it once the token has expired; it cannot
be enabled again (subscribe anew). One made with a password is bound to no token.

``event`` is one of :data:`EVENT_NAMES` (case-sensitive, as in actiTIME): ``*`` (everything),
an action (``update``: every kind's updates), a kind (``task``: all its actions) or one name.
``filter`` is an object of field equalities on the event's data, ``{"projectId": 3}``: an event
is sent when each key is in its data with exactly that value (a number equals only a number, a
string only a string, ``null`` only a present null); a key the data lacks never matches.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError, access_denied, not_found
from timetracker.schemas.base import unstorable
from timetracker.schemas.hooks import EVENT_NAMES
from timetracker.services.crud import list_body
from timetracker.services.hook_targets import Targets
from timetracker.store import entities
from timetracker.store import hooks as store
from timetracker.store.hooks import HOOKS
from timetracker.store.util import now_ms

ACTIONS = ("create", "update", "delete", "move")
KINDS = ("task", "project", "customer", "user", "department", "timeZoneGroup", "timetrack")
KINDS += ("timetrackApprovalStatus", "leaveTime", "timeEntry", "timer")
# TrackingTime's names for the same events: a subscription may use either.
ALIASES = {
    "timeEntry.created": "timeEntry.create",
    "timeEntry.updated": "timeEntry.update",
    "timeEntry.deleted": "timeEntry.delete",
    "timer.started": "timer.start",
    "timer.stopped": "timer.stop",
}

MAX_FILTER_KEYS = 20
TOKEN_REVOKED = "The API token that made this hook was revoked"
TOKEN_EXPIRED = "The API token that made this hook has expired"


def name_match(event: str) -> tuple[str, str]:
    """How a subscribed name selects event names (see ``store.hooks.name_condition``)."""
    if event == "*":
        return ("all", "")
    if event in ACTIONS:
        return ("suffix", f".{event}")
    if event in KINDS:
        return ("prefix", f"{event}.")
    return ("exact", ALIASES.get(event, event))


def selects(event: str, name: str) -> bool:
    """Whether a subscription to ``event`` receives events named ``name``."""
    how, value = name_match(event)
    if how == "exact":
        return name == value
    if how == "prefix":
        return name.startswith(value)
    if how == "suffix":
        return name.endswith(value)
    return True


def _same(a: Any, b: Any) -> bool:
    """JSON equality: True is not 1, and 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def matches(filter_: Mapping[str, Any] | None, data: Mapping[str, Any]) -> bool:
    """Whether an event's data meets a subscription's filter."""
    return not filter_ or all(k in data and _same(data[k], v) for k, v in filter_.items())


def check_event(event: str) -> None:
    if event not in EVENT_NAMES:
        raise ApiError(
            400,
            "unknown_hook_event",
            f"Unknown event {event!r}; event names are case-sensitive, one of: "
            + ", ".join(EVENT_NAMES),
            fields="event",
        )


def check_filter(filter_: Any) -> None:
    problem = None
    if filter_ is not None:
        if len(filter_) > MAX_FILTER_KEYS:
            problem = f"at most {MAX_FILTER_KEYS} fields"
        for key, value in filter_.items():
            if unstorable(key) or (isinstance(value, str) and unstorable(value)):
                problem = unstorable(key) or unstorable(value)
            elif not 1 <= len(key) <= 64:
                problem = "field names have 1 to 64 characters"
            elif not (value is None or isinstance(value, str | int | float | bool)):
                problem = f"{key!r}: a filter compares with a string, number, boolean or null"
            elif isinstance(value, str) and len(value) > 1000:
                problem = f"{key!r}: at most 1000 characters"
    if problem:
        raise ApiError(400, "invalid_hook_filter", f"Invalid filter: {problem}", fields="filter")


def _reachable(conn: Connection, caller: Caller, hook_id: int) -> RowMapping:
    """A subscription by id: 404 unknown, 403 another user's without Manage Accounts."""
    row = entities.get_row(conn, HOOKS, hook_id)
    if row is None:
        raise not_found("Hook", hook_id)
    if row["user_id"] != caller.id and not access.can_manage_accounts(caller):
        raise access_denied("Other users' hooks need Manage Accounts & Permissions")
    return row


def create(
    conn: Connection,
    caller: Caller,
    body: Mapping[str, Any],
    targets: Targets,
    max_hooks: int,
    token_id: int | None,
) -> dict[str, Any]:
    """A new subscription of the caller's (made with the API token ``token_id``, or None for a
    password), answered once with its signing secret."""
    check_event(body["event"])
    check_filter(body.get("filter"))
    problem = targets.url_problem(body["target_url"])
    if problem:
        raise problem
    if store.count_for_user(conn, caller.id) >= max_hooks:
        raise ApiError(
            400,
            "too_many_hooks",
            f"You have {max_hooks} hooks, the most one user may have on this server "
            "(TIMETRACKER_HOOK_MAX_PER_USER): delete one first",
        )
    secret = secrets.token_hex(32)
    hook_id = store.create(
        conn,
        {
            "user_id": caller.id,
            "target_url": body["target_url"],
            "event": body["event"],
            "filter": body.get("filter") or None,
            "enabled": body.get("enabled", True),
            "secret": secret,
            "token_id": token_id,
        },
    )
    return {**entities.get_row(conn, HOOKS, hook_id), "secret": secret}


def listing(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """The caller's subscriptions; anyone's (``userIds`` to narrow) with Manage Accounts."""
    if not access.can_manage_accounts(caller):
        if args.get("user_ids") and set(args["user_ids"]) != {caller.id}:
            raise access_denied("Other users' hooks need Manage Accounts & Permissions")
        args = {**args, "user_ids": [caller.id]}
    rows = entities.list_rows(conn, HOOKS, args)
    return list_body(args, list(rows), {})


def get(conn: Connection, caller: Caller, hook_id: int) -> RowMapping:
    return _reachable(conn, caller, hook_id)


def set_enabled(
    conn: Connection, caller: Caller, hook_id: int, enabled: bool, targets: Targets
) -> RowMapping:
    """Pause a subscription, or enable it again (after a disable, with a clean slate: the events
    it missed are still delivered, from its cursor on). Enabling judges the target as a new
    subscription's, and refuses one whose token is gone."""
    hook = _reachable(conn, caller, hook_id)
    if enabled:
        problem = targets.url_problem(hook["target_url"])
        if problem:
            raise problem
        gone = token_problem(conn, hook, now_ms())
        if gone:
            raise ApiError(
                400,
                "hook_token_gone",
                f"{gone}: a hook made with an API token ends with it; subscribe again",
            )
    store.set_enabled(conn, hook_id, enabled)
    return entities.get_row(conn, HOOKS, hook_id)


def token_problem(conn: Connection, hook: Mapping[str, Any], now: int) -> str | None:
    """Why the token that made ``hook`` no longer stands for it, or None (also for a hook made
    with a password)."""
    if hook["token_id"] is None:
        return None
    state = store.token_state(conn, hook["token_id"], hook["created"], now)
    return {"revoked": TOKEN_REVOKED, "expired": TOKEN_EXPIRED}.get(state)


def token_revoked(conn: Connection, token_id: int) -> None:
    """A token is being revoked: the subscriptions it made are disabled with it."""
    store.disable_for_token(conn, token_id, TOKEN_REVOKED)


def delete(conn: Connection, caller: Caller, hook_id: int) -> None:
    _reachable(conn, caller, hook_id)
    store.delete_hook(conn, hook_id)


def unsubscribe(conn: Connection, caller: Caller, target_url: str) -> None:
    """Delete the caller's own subscriptions to ``target_url`` (404 when there are none)."""
    if not store.delete_for_url(conn, caller.id, target_url):
        raise ApiError(
            404, "hook_not_found", "You have no hook with this target_url", fields="target_url"
        )


def deliveries(
    conn: Connection, caller: Caller, hook_id: int, args: Mapping[str, Any]
) -> dict[str, Any]:
    """The recent delivery attempts of a subscription, newest first."""
    _reachable(conn, caller, hook_id)
    rows = store.deliveries(conn, hook_id, args["offset"], args["limit"])
    return list_body(args, rows, {})
