"""Each permission rule is declared once and read two ways: a Python check for one record and a
SQL condition for lists. For every role of the permission matrix (``test_permissions``' roles
and company, plus roles reaching everything through the account flags), over every user and
every task, the check allows a record exactly when the condition selects it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import g
from sqlalchemy import insert, select

from tests.test_permissions import ROLES, company  # noqa: F401 - the fixture
from timetracker import access
from timetracker.permissions import caller_of
from timetracker.store import entities
from timetracker.store.catalogue import TASKS
from timetracker.store.db import finish_request_transaction, get_db
from timetracker.store.permission_sql import TIME_WITH_CATALOGUE
from timetracker.store.schema import day_records, leave_entries, users
from timetracker.store.users import USERS, find_for_login

# role -> (permissions, what reaches everything: team, scope of work, work assignments). The
# others have the worker as team, Acme as scope of work (as the managers of test_permissions)
# and the project App as work assignments of their own.
MORE_ROLES = {
    "approving_scoper": ((access.MODIFY_APPROVE_TIME_TRACK, access.MANAGE_SCOPE_OF_WORK), ()),
    "approver_of_all": ((access.MODIFY_APPROVE_TIME_TRACK,), ("team", "scope")),
    "biller_of_all": ((access.MANAGE_COST_BILLING,), ("team",)),
    "worker_on_all": ((access.ENTER_TIME_TRACK,), ("workAssignments",)),
    "everything": (tuple(access.PERMISSIONS), ()),
}
TASK_NAMES = ("Design", "Build", "Release", "Migrate")
DAY = dt.date(2025, 1, 6)


@pytest.fixture
def roles(company, admin, make_user):  # noqa: F811 - the fixture
    _, ids = company
    for role, (permissions, to_all) in MORE_ROLES.items():
        ids[role] = make_user(*permissions, username=role).id
        bodies = {
            "team": {"userIds": [ids["worker"]]},
            "scope": {"customerIds": [ids["Acme"]]},
            "workAssignments": {"projectIds": [ids["App"]]},
        }
        for link, body in bodies.items():
            if link in to_all:
                body = {"allUsers": True} if link == "team" else {"allScope": True}
            admin.ok("put", f"/users/{ids[role]}/{link}", body)
    ids["Holiday"] = admin.ok("post", "/leaveTypes", {"name": "Holiday", "balance": "None"})["id"]
    return ["admin", *ROLES, *MORE_ROLES], ids


def callers(conn, names):
    """Each role's caller, with the facts memoized for the one before forgotten."""
    for name in names:
        for key in ("access_team", "access_scope", "access_assigned"):
            g.pop(key, None)
        yield name, caller_of(find_for_login(conn, name))


def selected(conn, stmt, condition) -> set:
    return set(conn.execute(stmt if condition is None else stmt.where(condition)).all())


@pytest.mark.parametrize("writing", [False, True], ids=["read", "modify"])
def test_timetrack_check_and_filter_agree(app, roles, writing):
    names, ids = roles
    with app.test_request_context("/api/v1/"):
        conn = get_db(write=True)
        people = entities.rows_by_ids(conn, USERS, [ids[name] for name in names])
        tasks = entities.rows_by_ids(conn, TASKS, [ids[name] for name in TASK_NAMES])
        records = [{"user_id": u["id"], "task_id": t["id"]} for u in people for t in tasks]
        conn.execute(insert(day_records), [{**r, "date": DAY, "minutes": 60} for r in records])
        every_record = select(day_records.c.user_id, day_records.c.task_id).select_from(
            TIME_WITH_CATALOGUE
        )
        answers = {}
        for name, caller in callers(conn, names):
            reached = selected(conn, every_record, access.timetrack_filter(caller, writing))
            check = access.can_modify_timetrack if writing else access.can_read_timetrack
            allowed = {
                (user["id"], task["id"])
                for user in people
                for task in tasks
                if check(conn, caller, user, task["id"])
            }
            assert allowed == reached, name
            if writing:  # the import's checker for many records, too
                many = access.timetrack_modify_checker(conn, caller)
                assigned = access.assignment_checker(conn, people)
                by_import = {
                    (user["id"], task["id"])
                    for user in people
                    for task in tasks
                    if many(user, task, assigned(user, task))
                }
                assert by_import == reached, name
            answers[name] = frozenset(reached)
        finish_request_transaction(commit=False)
    if writing:  # Modify & Approve alone: the team's assigned tasks within the scope of work
        assert frozenset() < answers["worker"] == answers["approver"] < answers["approving_scoper"]
    else:
        assert frozenset() < answers["worker"] < answers["approver"] < answers["accounts"]
    assert len(set(answers.values())) >= 6  # the roles reach different records


@pytest.mark.parametrize("writing", [False, True], ids=["read", "change"])
def test_leave_check_and_filter_agree(app, roles, writing):
    names, ids = roles
    with app.test_request_context("/api/v1/"):
        conn = get_db(write=True)
        user_ids = [ids[name] for name in names]
        conn.execute(
            insert(leave_entries),
            [
                {"user_id": u, "date": DAY, "leave_type_id": ids["Holiday"], "minutes": 60}
                for u in user_ids
            ],
        )
        every_entry = select(leave_entries.c.user_id)
        answers = {}
        for name, caller in callers(conn, names):
            reached = {
                row[0] for row in selected(conn, every_entry, access.leave_filter(caller, writing))
            }
            allowed = {u for u in user_ids if access.can_reach_leave(conn, caller, u, writing)}
            assert allowed == reached, name
            answers[name] = frozenset(reached)
        finish_request_transaction(commit=False)
    assert answers["worker"] == {ids["worker"]}
    assert answers["nobody"] == frozenset()
    assert answers["pto"] == set(user_ids)


def test_rates_check_and_filter_agree(app, roles):
    names, ids = roles
    with app.test_request_context("/api/v1/"):
        conn = get_db(write=False)
        user_ids = [ids[name] for name in names]
        every_user = select(users.c.id).where(users.c.id.in_(user_ids))
        answers = {}
        for name, caller in callers(conn, names):
            reached = {
                row[0] for row in selected(conn, every_user, access.rates_user_filter(caller))
            }
            allowed = {u for u in user_ids if access.can_read_rates_of(conn, caller, u)}
            assert allowed == reached, name
            answers[name] = frozenset(reached)
        finish_request_transaction(commit=False)
    assert answers["biller"] == {ids["worker"]}
    assert answers["accounts"] == answers["biller_of_all"] == set(user_ids)
    assert answers["worker"] == frozenset()
