"""Totals of tracked time: all, billable and not, billed and not, in minutes and hours, overall
and per group; estimates where tasks are grouped or addressed; cost and revenue for those who
may see money; leave beside work where grouping by people and periods.

Totals count exactly the records ``GET /timetrack`` would list to the caller (the same
permission condition, in SQL), read from the totals kept per user, task and month
(``store.totals``) for whole months and from the records for the days around them.

- Time is **billable** when its entry is marked billable, or has no mark and its task's type of
  work is billable; **billed** when an invoice billed it (an invoice bills billable entries).
- **Tags** (``tagIds``, ``groupBy=tag``) are summed from the time entries: an entry carrying two
  tags counts in both tags' groups (so groups may add up to more than the overall totals, which
  count each entry once), entries without tags are grouped under tag null. Leave has no tags:
  with a tag filter no leave is reported.
- **Estimates** are the tasks' own (the tasks matching the task filters that the caller sees),
  whatever the user filters: ``estimatedMinutes``, of open tasks ``activeEstimatedMinutes``, of
  completed ones ``completedEstimatedMinutes``.
- **Money**: ``cost`` is minutes x the user's regular rate on the record's day, ``revenue`` is
  billable minutes x the rate of the task's type of work, both per hour, in the company
  currency. Only for Manage Accounts & Permissions, or Manage Cost & Billing Data when every
  counted user is in the caller's assigned team; others get no money keys at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from timetracker import access
from timetracker.access import Caller
from timetracker.errors import ApiError
from timetracker.services import catalogue
from timetracker.services.approval import first_weekday
from timetracker.services.crud import referenced_maps
from timetracker.services.entry_settings import rounding_of
from timetracker.services.periods import check_range
from timetracker.services.referenced import named_sources
from timetracker.services.users import users
from timetracker.store import settings as settings_store
from timetracker.store import totals as store

GROUP_KEYS = {
    "customer": "customerId",
    "project": "projectId",
    "task": "taskId",
    "user": "userId",
    "department": "departmentId",
    "typeOfWork": "typeOfWorkId",
    "tag": "tagId",
    "day": "date",
    "week": "week",
    "month": "month",
}
_POSITION = {dimension: n for n, dimension in enumerate(GROUP_KEYS)}
PEOPLE_AND_PERIODS = frozenset({"user", "department", "day", "week", "month"})
# Filters on the catalogue side of a record: leave time has no task, so it is reported only
# without them.
_TASK_FILTERS = ("task_ids", "project_ids", "customer_ids", "type_of_work_ids")


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _money(cents_minutes) -> float:
    """Minutes x cents per hour -> currency units, to the cent (a float: PostgreSQL sums big
    integers as decimals)."""
    return round(float(cents_minutes) / 6000, 2)


def _totals_body(sums: Mapping[str, Any] | None, money: bool) -> dict[str, Any]:
    """A totals object, in the API's shape and with plain numbers: thousands of groups are
    answered without a serializer pass (``api/totals.py``)."""
    sums = sums or {}
    total, billed = int(sums.get("minutes") or 0), int(sums.get("billed") or 0)
    billable = int(sums.get("billable") or 0)
    body = {
        "totalMinutes": total,
        "billableMinutes": billable,
        "nonBillableMinutes": total - billable,
        "billedMinutes": billed,
        "nonBilledMinutes": total - billed,
        "totalHours": round(total / 60, 2),
        "billableHours": round(billable / 60, 2),
        "nonBillableHours": round((total - billable) / 60, 2),
        "billedHours": round(billed / 60, 2),
        "nonBilledHours": round((total - billed) / 60, 2),
    }
    if money:
        body["cost"] = _money(sums.get("cost") or 0)
        body["revenue"] = _money(sums.get("revenue") or 0)
    return body


def _add_estimates(body: dict[str, Any], row: Mapping[str, Any] | None) -> None:
    for key, name in (
        ("estimated", "estimated"),
        ("active_estimated", "activeEstimated"),
        ("completed_estimated", "completedEstimated"),
    ):
        minutes = int(row[key] or 0) if row else 0
        body[f"{name}Minutes"] = minutes
    for name in ("estimated", "activeEstimated", "completedEstimated"):
        body[f"{name}Hours"] = hours(body[f"{name}Minutes"])
    for key in ("cost", "revenue"):  # in the order of the document: after the estimates
        if key in body:
            body[key] = body.pop(key)


def _add_leave(body: dict[str, Any], rows: list[Mapping[str, Any]]) -> None:
    per_type: dict[str, int] = {}
    for row in rows:
        key = str(row["leave_type_id"])
        per_type[key] = per_type.get(key, 0) + int(row["minutes"])
    body["leaveMinutes"] = per_type
    body["leaveTotalMinutes"] = sum(per_type.values())
    body["leaveTotalHours"] = hours(body["leaveTotalMinutes"])


def query_of(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> store.Query:
    """The store's question for the arguments, within what the caller may read."""
    if args.get("dateFrom") is not None:
        check_range(args["dateFrom"], args.get("dateTo"))
    group_by = tuple(args.get("groupBy") or ())
    if len(set(group_by)) != len(group_by):
        raise ApiError(400, "invalid_grouping", "Name each dimension once", fields="groupBy")
    if len(set(group_by) & {"day", "week", "month"}) > 1:
        raise ApiError(
            400, "invalid_grouping", "Group by one of day, week and month", fields="groupBy"
        )
    archived = {"active": False, "archived": True}.get(args.get("archived", "all"))
    visible = access.timetrack_filter(caller)
    return store.Query(
        group_by=group_by,
        date_from=args.get("dateFrom"),
        date_to=args.get("dateTo"),
        user_ids=args.get("user_ids"),
        task_ids=args.get("task_ids"),
        project_ids=args.get("project_ids"),
        customer_ids=args.get("customer_ids"),
        type_of_work_ids=args.get("type_of_work_ids"),
        department_ids=args.get("department_ids"),
        tag_ids=args.get("tag_ids"),
        billable=args.get("billable"),
        billed=args.get("billed"),
        archived=archived,
        visible=visible,
        visible_key=None if visible is None else caller,
        money=access.can_see_money(conn, caller, args.get("user_ids")),
        # The company's first day of the week matters only to weeks (a settings read).
        first_weekday=first_weekday(conn) if "week" in group_by else 1,
        catalogue_visible=access.catalogue_filter(caller, "task"),
        leave_visible=access.leave_filter(caller),
        rounding=rounding_of(conn),
    )


def _group_key(row: Mapping[str, Any], group_by) -> tuple:
    return tuple(row[d] for d in group_by)


def totals(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /timetrack/totals``: the overall totals and one entry per group."""
    query = query_of(conn, caller, args)
    group_by = query.group_by
    rows = _time_rows(conn, query, args)
    addresses_tasks = bool(set(group_by) & store.TASK_DIMENSIONS) or any(
        args.get(f) for f in _TASK_FILTERS
    )
    group_estimates = bool(group_by) and set(group_by) <= store.TASK_DIMENSIONS
    with_leave = (
        bool(group_by)
        and set(group_by) <= PEOPLE_AND_PERIODS
        and not (
            any(args.get(f) for f in _TASK_FILTERS)
            or query.billable is not None
            or query.billed is not None
            or query.tag_ids is not None
            or query.archived is not None
        )
    )

    groups: dict[tuple, dict[str, Any]] = {
        _group_key(r, group_by): {"sums": r, "estimates": None, "leave": []}
        for r in (rows if group_by else ())
    }
    if group_estimates:
        user_side = (
            query.user_ids
            or query.department_ids
            or query.billed is not None
            or query.tag_ids is not None
        )
        for row in store.estimates(conn, query):
            key = _group_key(row, group_by)
            if key in groups:
                groups[key]["estimates"] = row
            elif not user_side:
                groups[key] = {"sums": None, "estimates": row, "leave": []}
    leave_rows = store.leave(conn, query) if with_leave else []
    if group_by:
        for row in leave_rows:
            key = _group_key(row, group_by)
            groups.setdefault(key, {"sums": None, "estimates": None, "leave": []})
            groups[key]["leave"].append(row)

    overall_sums: dict[str, Any] = {}
    # By tag, an entry counts in each of its tags' groups, and once in the overall totals.
    overall_rows = rows
    if "tag" in group_by:
        overall_rows = _time_rows(conn, dataclasses.replace(query, group_by=()), args)
    for row in overall_rows:
        for name in store.SUMS:
            if name in row:
                overall_sums[name] = overall_sums.get(name, 0) + (row[name] or 0)
    overall = _totals_body(overall_sums, query.money)
    if addresses_tasks or group_estimates:
        estimate_rows = store.estimates(conn, dataclasses.replace(query, group_by=()))
        _add_estimates(overall, estimate_rows[0] if estimate_rows else None)
    if with_leave:
        _add_leave(overall, leave_rows)

    # A group's ids in the document's order (GROUP_KEYS), whatever the order of groupBy.
    order = sorted(range(len(group_by)), key=lambda i: _POSITION[group_by[i]])
    names = [GROUP_KEYS[group_by[i]] for i in order]
    entries = []
    for key in sorted(groups, key=_sort_key):
        group = groups[key]
        body = _totals_body(group["sums"], query.money)
        if group_estimates:
            _add_estimates(body, group["estimates"])
        if with_leave:
            _add_leave(body, group["leave"])
        entry = {name: key[i] for name, i in zip(names, order, strict=True)}
        entry["totals"] = body
        entries.append(entry)

    answer: dict[str, Any] = {
        "dateFrom": query.date_from,
        "dateTo": query.date_to,
        "groupBy": list(group_by),
    }
    if query.money:
        answer["currency"] = settings_store.company_settings_map(conn)["currency"]
    answer["totals"] = overall
    answer["groups"] = entries
    answer.update(_referenced(conn, caller, set(args.get("includeReferenced") or ()), entries))
    return answer


def _time_rows(conn: Connection, query: store.Query, args: Mapping[str, Any]) -> list:
    """The time of the question, per group. ``moment_from``/``moment_to`` (epoch ms and its
    day, which is ``dateFrom``/``dateTo``; another face's times of day) bound the period at a
    moment, as the entry list bounds entries: timed entries by their start, untimed ones by
    their day."""
    if args.get("moment_from") is None and args.get("moment_to") is None:
        return store.time_totals_of(conn, query)
    return store.time_totals_within(conn, query, args.get("moment_from"), args.get("moment_to"))


def _sort_key(key: tuple) -> tuple:
    # None (a group without that dimension's value) sorts first, then values in order.
    return tuple((value is not None, value) for value in key)


def _referenced(conn: Connection, caller: Caller, wanted: set[str], entries) -> dict[str, Any]:
    """The maps of the objects the groups name that ``includeReferenced`` asks for."""
    named = {
        name: {e[key] for e in entries if e.get(key) is not None}
        for name, key in (
            ("customers", "customerId"),
            ("projects", "projectId"),
            ("tasks", "taskId"),
            ("users", "userId"),
            ("departments", "departmentId"),
            ("typesOfWork", "typeOfWorkId"),
            ("tags", "tagId"),
        )
        if name in wanted
    }
    return referenced_maps(wanted, named_sources(conn, caller, named))


# --- totals of one object ---------------------------------------------------------------------


def of_object(
    conn: Connection, caller: Caller, kind: str, object_id, args: Mapping[str, Any]
) -> dict[str, Any]:
    """Totals of one customer, project, task or user (404 unknown, 403 out of reach): the same
    answer as ``GET /timetrack/totals`` narrowed to it."""
    return totals(conn, caller, narrowed_to(conn, caller, kind, object_id, args))


def narrowed_to(
    conn: Connection, caller: Caller, kind: str, object_id, args: Mapping[str, Any]
) -> dict[str, Any]:
    """The arguments of ``GET /timetrack/totals`` narrowed to one customer, project, task or
    user (404 unknown, 403 out of reach)."""
    if kind == "user":
        row = users.reachable(conn, caller, object_id)
        return {**args, "user_ids": [row["id"]]}
    row = catalogue.LEVELS[kind].reachable(conn, caller, object_id)
    return {**args, f"{kind}_ids": [row["id"]]}


_PAGE = {"offset", "limit", "ids", "sort", "includeReferenced", "name", "words"}
_LIST_ARGUMENTS = {
    "project": _PAGE | {"customer_ids", "archived"},
    "user": _PAGE
    | {"email", "username", "department_ids", "department", "active"}
    | {"time_zone_group_ids", "timeZoneGroup"},
}


def _with_totals(
    conn: Connection, caller: Caller, page: dict[str, Any], args: Mapping[str, Any], kind: str
) -> dict[str, Any]:
    """Each item of a page of projects or users with its totals over the period: one totals
    question narrowed to the page's ids, grouped by that kind."""
    ids = [item["id"] for item in page["items"]]
    key, filter_key = {"project": ("projectId", "project_ids"), "user": ("userId", "user_ids")}[
        kind
    ]
    money = access.can_see_money(conn, caller, ids if kind == "user" else args.get("user_ids"))
    found: dict[int, dict[str, Any]] = {}
    if ids:
        # The list's own arguments chose the page; the rest are the totals' filters.
        narrowed = list_filters(args, kind)
        narrowed.update({filter_key: ids, "groupBy": [kind]})
        answer = totals(conn, caller, narrowed)
        found = {g[key]: g["totals"] for g in answer["groups"]}
        money = "currency" in answer
    for item in page["items"]:
        body = found.get(item["id"])
        if body is None:
            body = _totals_body(None, money)
            if kind == "project":
                _add_estimates(body, None)
        item["totals"] = body
    if money:
        page["currency"] = settings_store.company_settings_map(conn)["currency"]
    return page


def list_filters(args: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The totals' filters among the arguments of a projects or users list (``kind``), less
    the list's own (which choose the page)."""
    return {k: v for k, v in args.items() if k not in _LIST_ARGUMENTS[kind]}


def project_list(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /projects/totals``: a page of the projects list, each with its totals and
    estimates over the period."""
    return _with_totals(conn, caller, catalogue.projects.list(conn, caller, args), args, "project")


def user_list(conn: Connection, caller: Caller, args: Mapping[str, Any]) -> dict[str, Any]:
    """A page of the users list, each with the totals of their time over the period (and their
    leave, without task filters)."""
    return _with_totals(conn, caller, users.list(conn, caller, args), args, "user")
