"""The ``includeReferenced`` maps of the listings of records (time-track, leave time, totals and
the reports made of them).

A record names a user and a task (or a leave type); through them it names their department and
time zone group, or their project, customer, type of work and workflow status. A caller may read
records of objects their own ``GET`` refuses (Manage PTO & Sick Days Settings reads everyone's
leave, "see all users' data" everyone's time), so every map here is made by the resources'
:meth:`~timetracker.services.crud.Resource.referenced`, as the lists' maps are: only the objects
that GET answers, as it answers them. What an object names is followed only through objects the
caller may see: the projects of the tasks the caller may see, the departments of the users the
caller may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, partial

from sqlalchemy import Connection

from timetracker.access import Caller
from timetracker.services.catalogue import customers, projects, tasks
from timetracker.services.crud import Source
from timetracker.services.departments import departments
from timetracker.services.leave_types import leave_types
from timetracker.services.settings import types_of_work, workflow_statuses
from timetracker.services.tags import tags
from timetracker.services.time_zone_groups import time_zone_groups
from timetracker.services.users import users


def catalogue_sources(
    conn: Connection, caller: Caller, task_ids: Iterable[int]
) -> dict[str, Source]:
    """``tasks`` named by records, and the ``projects``, ``customers``, ``typesOfWork`` and
    ``workflowStatuses`` of those the caller may see."""
    task_ids = list(task_ids)
    seen = cache(lambda: tasks.visible_rows(conn, caller, task_ids))

    def of_tasks(resource, key: str) -> Source:
        return lambda: resource.referenced(conn, caller, (task[key] for task in seen()))

    return {
        "tasks": lambda: tasks.present(conn, caller, seen()),
        "projects": of_tasks(projects, "project_id"),
        "customers": of_tasks(customers, "customer_id"),
        "typesOfWork": of_tasks(types_of_work, "type_of_work_id"),
        "workflowStatuses": of_tasks(workflow_statuses, "workflow_status_id"),
    }


def people_sources(conn: Connection, caller: Caller, user_ids: Iterable[int]) -> dict[str, Source]:
    """``users`` named by records, and the ``departments`` and ``timeZoneGroups`` of those the
    caller may see."""
    user_ids = list(user_ids)
    seen = cache(lambda: users.visible_rows(conn, caller, user_ids))

    def of_users(resource, key: str) -> Source:
        return lambda: resource.referenced(conn, caller, (user[key] for user in seen()))

    return {
        "users": lambda: users.present(conn, caller, seen()),
        "departments": of_users(departments, "department_id"),
        "timeZoneGroups": of_users(time_zone_groups, "time_zone_group_id"),
    }


def named_sources(
    conn: Connection, caller: Caller, ids: dict[str, Iterable[int]]
) -> dict[str, Source]:
    """Maps of objects named directly (a totals group's ``customerId``, a leave record's
    ``leaveTypeId``...): map name -> the ids named."""
    resources = {
        "customers": customers,
        "projects": projects,
        "tasks": tasks,
        "users": users,
        "departments": departments,
        "typesOfWork": types_of_work,
        "leaveTypes": leave_types,
        "tags": tags,
    }
    return {
        name: partial(resources[name].referenced, conn, caller, list(named))
        for name, named in ids.items()
    }
