"""The permission matrix in SQL: the conditions ``timetracker.access`` hands to list queries,
and the few facts its rules look up (a manager's team, scope of work, what links reach a task).

Nothing here decides who may do what; ``access`` does, and asks for these pieces.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.sql.visitors import replacement_traverse

from timetracker.store.prepared import Prepared
from timetracker.store.schema import (
    customers,
    day_records,
    event_subjects,
    events,
    invoices,
    leave_entries,
    projects,
    scope_items,
    tasks,
    team_members,
    users,
    work_assignments,
)

# The two kinds of link from a user to the catalogue.
SCOPE = scope_items  # a manager's scope of work
ASSIGNMENTS = work_assignments  # what a user may track time on

EVERYTHING = None  # a condition that selects everything: no WHERE at all
NOTHING = false()
ALL = true()


def any_of(conditions: list) -> ColumnElement[bool]:
    """OR of ``conditions``; nothing when there are none."""
    return or_(*conditions) if conditions else false()


# --- users ----------------------------------------------------------------------------------


def team_ids(manager_id: int) -> Select:
    """SQL: the ids of the users in the assigned team of ``manager_id``."""
    return select(team_members.c.member_id).where(team_members.c.manager_id == manager_id)


def team_member_ids(conn: Connection, manager_id: int) -> frozenset[int]:
    return frozenset(conn.execute(team_ids(manager_id)).scalars())


def user_is(user_id: int) -> ColumnElement[bool]:
    return users.c.id == user_id


def user_in_team(manager_id: int) -> ColumnElement[bool]:
    return users.c.id.in_(team_ids(manager_id))


# --- the work catalogue ------------------------------------------------------------------------


def _linked(table: Table, column: str, user_id):
    return select(table.c[column]).where(table.c.user_id == user_id, table.c[column].is_not(None))


def reached_through(kind: str, links: Table, user_id) -> ColumnElement[bool]:
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


def scope_links(conn: Connection, user_id: int) -> tuple[frozenset[int], frozenset[int]]:
    """The customer ids and project ids of a manager's scope of work."""
    rows = conn.execute(
        select(scope_items.c.customer_id, scope_items.c.project_id).where(
            scope_items.c.user_id == user_id
        )
    ).all()
    return (
        frozenset(r.customer_id for r in rows if r.customer_id is not None),
        frozenset(r.project_id for r in rows if r.project_id is not None),
    )


@functools.cache
def _task_reached_through(links: Table) -> Prepared:
    """A pre-built statement (parameters ``task_id``, ``user_id``): the task, if ``links`` of the
    user reach it. Built once: constructing it costs more than running it. For one task, one
    look at the user's links (``EXISTS``) is cheaper than ``reached_through``'s lists, which
    suit a query over many rows."""
    conditions = [
        links.c.customer_id == projects.c.customer_id,
        links.c.project_id == tasks.c.project_id,
    ]
    if "task_id" in links.c:
        conditions.append(links.c.task_id == tasks.c.id)
    return Prepared(
        select(tasks.c.id)
        .join(projects, projects.c.id == tasks.c.project_id)
        .where(
            tasks.c.id == bindparam("task_id"),
            exists().where(links.c.user_id == bindparam("user_id"), or_(*conditions)),
        )
    )


def task_reached(conn: Connection, task_id: int, links: Table, user_id: int) -> bool:
    """Whether ``links`` (scope items or work assignments) of ``user_id`` reach the task."""
    params = {"task_id": task_id, "user_id": user_id}
    return _task_reached_through(links).first(conn, params) is not None


def assignment_links(
    conn: Connection, user_ids: Iterable[int]
) -> dict[int, tuple[set[int], set[int], set[int]]]:
    """Per user: the customer, project and task ids of their work assignments."""
    links: dict[int, tuple[set[int], set[int], set[int]]] = {}
    wa = work_assignments
    user_ids = sorted(set(user_ids))
    for start in range(0, len(user_ids), 5_000):
        chunk = user_ids[start : start + 5_000]
        stmt = select(wa.c.user_id, wa.c.customer_id, wa.c.project_id, wa.c.task_id).where(
            wa.c.user_id.in_(chunk)
        )
        for user_id, customer_id, project_id, task_id in conn.execute(stmt):
            mine = links.setdefault(user_id, (set(), set(), set()))
            for target, value in zip(mine, (customer_id, project_id, task_id), strict=True):
                if value is not None:
                    target.add(value)
    return links


# --- time-track and leave ------------------------------------------------------------------------


def own_time(user_id: int) -> ColumnElement[bool]:
    return day_records.c.user_id == user_id


def time_of_team(manager_id: int) -> ColumnElement[bool]:
    return day_records.c.user_id.in_(team_ids(manager_id))


def assigned_to_own_user() -> ColumnElement[bool]:
    """SQL: the time entry's task is among the work assignments of the entry's own user (any
    user; ``reached_through`` answers for one known user). Needs ``tasks`` and ``projects``
    joined to ``day_records``."""
    owner = users.alias("owner")
    wa = work_assignments
    return or_(
        day_records.c.user_id.in_(select(owner.c.id).where(owner.c.assign_all)),
        exists().where(
            wa.c.user_id == day_records.c.user_id,
            or_(
                wa.c.customer_id == projects.c.customer_id,
                wa.c.project_id == tasks.c.project_id,
                wa.c.task_id == tasks.c.id,
            ),
        ),
    )


def on_records(condition, user_id, task_id):
    """A condition on time entries (``timetrack_filter``'s) rewritten onto other columns that
    name a user and a task (kept totals, running timers); None stays None."""
    if condition is None:
        return None
    columns = {day_records.c.user_id: user_id, day_records.c.task_id: task_id}
    return replacement_traverse(condition, {}, lambda element: columns.get(element))


def _record_columns(ids) -> dict:
    """The matrix's columns of a record (on time entries with tasks and projects joined, or on
    leave) mapped onto the ids ``ids`` recorded of one (``events`` or ``event_subjects``)."""
    return {
        day_records.c.user_id: ids.c.user_id,
        day_records.c.task_id: ids.c.task_id,
        leave_entries.c.user_id: ids.c.user_id,
        tasks.c.id: ids.c.task_id,
        tasks.c.project_id: ids.c.project_id,
        projects.c.customer_id: ids.c.customer_id,
    }


# What an event's recorded ids stand for, by the table columns the matrix's conditions name.
# Only a condition's own columns are rewritten: the subqueries the matrix uses select from the
# link and team tables, which keep theirs.
def _event_columns(kind: str) -> dict:
    return {
        "record": _record_columns(events),
        "task": {
            tasks.c.id: events.c.task_id,
            tasks.c.project_id: events.c.project_id,
            projects.c.customer_id: events.c.customer_id,
        },
        "project": {
            projects.c.id: events.c.project_id,
            projects.c.customer_id: events.c.customer_id,
        },
        "customer": {customers.c.id: events.c.customer_id},
        "user": {users.c.id: events.c.user_id},
    }[kind]


def on_events(condition, kind: str):
    """A condition of the matrix (on time entries, leave, catalogue objects or users) rewritten
    onto the ids an event recorded, so that it judges deleted objects too; None stays None."""
    if condition is None:
        return None
    columns = _event_columns(kind)
    return replacement_traverse(condition, {}, lambda element: columns.get(element))


def on_every_subject(condition) -> ColumnElement[bool]:
    """SQL on events: ``condition`` (the matrix's, on time entries with their tasks and projects)
    holds for every record an event about many concerns (``event_subjects``), judged by the ids
    recorded then; an event without subjects passes. None (everything) stays None."""
    if condition is None:
        return None
    columns = _record_columns(event_subjects)
    on_subject = replacement_traverse(condition, {}, lambda element: columns.get(element))
    outside = select(event_subjects.c.event_id).where(
        event_subjects.c.event_id == events.c.id, ~on_subject
    )
    return ~outside.exists()


def all_of(conditions: list) -> ColumnElement[bool]:
    return and_(*conditions) if conditions else true()


def own_leave(user_id: int) -> ColumnElement[bool]:
    return leave_entries.c.user_id == user_id


def leave_of_team(manager_id: int) -> ColumnElement[bool]:
    return leave_entries.c.user_id.in_(team_ids(manager_id))


# --- invoices -------------------------------------------------------------------------------------

# Time entries with their tasks and projects: what time-track conditions need joined.
TIME_WITH_CATALOGUE = day_records.join(tasks, tasks.c.id == day_records.c.task_id).join(
    projects, projects.c.id == tasks.c.project_id
)


def invoice_within(reach: ColumnElement[bool]) -> ColumnElement[bool]:
    """SQL on ``invoices``: none of the invoice's records lies outside ``reach`` (a condition
    on time entries with their tasks and projects joined)."""
    outside = (
        select(day_records.c.user_id)
        .select_from(TIME_WITH_CATALOGUE)
        .where(day_records.c.invoice_id == invoices.c.id, ~reach)
    )
    return ~outside.exists()
