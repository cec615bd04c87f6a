"""Who may import what: the CSV imports under the permission matrix, for every role of
``test_permissions`` (the same company: Acme with Web (Design, Build) and App (Release), Globex
with ERP (Migrate); the worker assigned to Web; each manager with the worker as team and Acme as
scope of work).

A caller holding none of the permissions an import needs is refused whole (403); otherwise each
line is judged as the API would judge creating or changing its object, and a refused line makes
the whole file 400 api.error.invalid_csv (nothing imported).
"""

from __future__ import annotations

import pytest

from tests.test_permissions import ROLES, company  # noqa: F401 - the fixture
from tests.test_task_import import every_row

ALL = set(ROLES) | {"admin"}
TASKS_HEADER = "customer,project,task\n"
# file -> {role: status}; roles not named answer 403.
TASK_IMPORTS = {
    "Acme,Web,Polish\n": {"admin": 200, "accounts": 200, "scoper": 200},
    "Acme,Intranet,Login\n": {"admin": 200, "accounts": 200, "scoper": 200},
    "Globex,ERP,Reports\n": {"admin": 200, "accounts": 200, "scoper": 400},
    "Initech,Payroll,Run\n": {"admin": 200, "accounts": 200, "scoper": 400},
}

TIME_HEADER = "username,date,customer,project,task,minutes\n"
# (file, query) -> {role: status}; roles not named answer 403 (no time-track permission) or,
# holding one, 400 (the line refused).
TIME_IMPORTS = {
    # The worker's own time on an assigned task: the worker, and the worker's approver.
    ("worker,2025-03-03,Acme,Web,Design,60\n", ""): {"admin": 200, "worker": 200, "approver": 200},
    # Not among the worker's assignments: assigned first only by who may assign.
    ("worker,2025-03-03,Acme,App,Release,60\n", ""): {},
    ("worker,2025-03-03,Acme,App,Release,60\n", "?assign=true"): {"admin": 200},
    # Outside the approver's scope of work.
    ("worker,2025-03-03,Globex,ERP,Migrate,60\n", "?assign=true"): {"admin": 200},
    # Someone else's time: only with Modify & Approve over them (the admin: everyone).
    ("approver,2025-03-03,Acme,Web,Design,60\n", "?assign=true"): {"admin": 200},
}
TIME_TRACK_ROLES = {"admin", "worker", "approver"}  # hold Enter or Modify & Approve Time-Track


def post(client, path, text):
    return client.client.post(
        "/api/v1" + path,
        data=text.encode(),
        headers={**client.headers, "Content-Type": "text/csv"},
    )


@pytest.mark.parametrize("role", sorted(ALL))
def test_task_imports(app, company, role):  # noqa: F811 - the fixture
    clients, _ = company
    for lines, statuses in TASK_IMPORTS.items():
        before = every_row(app)
        response = post(clients[role], "/tasks/import", TASKS_HEADER + lines)
        expected = statuses.get(role, 403)
        assert response.status_code == expected, (role, lines, response.get_json())
        if expected != 200:
            assert response.get_json()["key"] in (
                "api.error.access_denied",
                "api.error.invalid_csv",
            )
            assert every_row(app) == before
        else:  # a task of that name now exists: the same file again is refused
            again = post(clients["admin"], "/tasks/import", TASKS_HEADER + lines)
            assert again.status_code == 400


@pytest.mark.parametrize("role", sorted(ALL))
def test_timetrack_imports(app, company, role):  # noqa: F811 - the fixture
    clients, ids = company
    for (lines, query), statuses in TIME_IMPORTS.items():
        before = every_row(app)
        response = post(clients[role], "/timetrack/import" + query, TIME_HEADER + lines)
        expected = statuses.get(role, 400 if role in TIME_TRACK_ROLES else 403)
        assert response.status_code == expected, (role, lines, query, response.get_json())
        if expected == 200:
            user, day, _customer, _project, task, _minutes = lines.split(",")
            assert response.get_json()["imported"] == 1
            # Take the minutes away again, so every file meets the same company.
            record = f"/timetrack/{user}/{day}/{ids[task]}"
            assert clients["admin"].ok("get", record)["time"] == 60
            clients["admin"].ok("patch", record, {"time": 0})
        else:
            key = "api.error.invalid_csv" if expected == 400 else "api.error.access_denied"
            assert response.get_json()["key"] == key
            assert every_row(app) == before


def test_the_bulk_rules_answer_as_the_single_ones(app, company):  # noqa: F811 - the fixture
    """The import judges many records with ``timetrack_modify_checker`` and
    ``assignment_checker``; for every role, user and task they answer as
    ``can_modify_timetrack`` and ``is_assigned`` do."""
    from flask import g

    from timetracker import access
    from timetracker.permissions import Caller
    from timetracker.store import entities
    from timetracker.store.catalogue import TASKS
    from timetracker.store.db import get_db
    from timetracker.store.users import USERS, find_for_login

    _, ids = company
    with app.test_request_context("/api/v1/"):
        conn = get_db(write=False)
        users = entities.rows_by_ids(conn, USERS, [ids[name] for name in ALL])
        tasks = entities.rows_by_ids(
            conn, TASKS, [ids[t] for t in ("Design", "Release", "Migrate")]
        )
        checked = 0
        for role in sorted(ALL):
            found = find_for_login(conn, role)
            caller = Caller(
                id=found["id"],
                username=role,
                permissions=found["permissions"],
                **{k: found[k] for k in ("sees_all_data", "team_all", "scope_all", "assign_all")},
            )
            for key in ("access_team", "access_scope", "access_assigned"):
                g.pop(key, None)  # the facts memoized for the previous caller
            can_modify = access.timetrack_modify_checker(conn, caller)
            assigned = access.assignment_checker(conn, users)
            for user in users:
                for task in tasks:
                    single = access.can_modify_timetrack(conn, caller, user, task["id"])
                    is_assigned = access.is_assigned(conn, user, task["id"])
                    assert assigned(user, task) == is_assigned, (role, user["id"], task["name"])
                    assert can_modify(user, task, is_assigned) == single, (
                        role,
                        user["id"],
                        task["name"],
                    )
                    checked += single
        assert checked > 3  # some answers are yes
