"""The compiled dump of ApiSchema gives exactly what marshmallow's own dump gives."""

from __future__ import annotations

import pytest
from flask import g

from timetracker.access import ENTER_TIME_TRACK, Caller
from timetracker.schemas import catalogue as c
from timetracker.schemas import people as p
from timetracker.schemas import settings as s
from timetracker.services import people as people_service
from timetracker.store import comments, entities
from timetracker.store.db import get_db

CASES = [
    (c.CustomerSchema, lambda conn: entities.list_rows(conn, entities.CUSTOMERS, {})),
    (c.ProjectSchema, lambda conn: entities.list_rows(conn, entities.PROJECTS, {})),
    (c.TaskSchema, lambda conn: entities.list_rows(conn, entities.TASKS, {})),
    (c.CommentSchema, lambda conn: comments.list_comments(conn, "task", 1, {})),
    (s.WorkflowStatusSchema, lambda conn: entities.list_rows(conn, entities.WORKFLOW_STATUSES, {})),
    (s.TypeOfWorkSchema, lambda conn: entities.list_rows(conn, entities.TYPES_OF_WORK, {})),
    (p.UserSchema, lambda conn: entities.list_rows(conn, entities.USERS, {})),
    (p.DepartmentSchema, lambda conn: entities.list_rows(conn, entities.DEPARTMENTS, {})),
    (p.TimeZoneGroupSchema, lambda conn: entities.list_rows(conn, entities.TIME_ZONE_GROUPS, {})),
    (p.LeaveTypeSchema, lambda conn: entities.list_rows(conn, entities.LEAVE_TYPES, {})),
    (p.RateSchema, lambda conn: people_service.rates_of(conn, [1])[1]),
]


@pytest.fixture
def data(admin, make_user, catalogue):
    admin.ok("post", f"/tasks/{catalogue['tasks']['design']['id']}/comments", {"text": "hi"})
    admin.ok("patch", "/typesOfWork/1", {"rate": 12.5})
    admin.ok(
        "put",
        "/userRates/1",
        [
            {
                "dateFrom": "2025-01-01",
                "regularRate": 10,
                "overtimeRate": 15,
                "leaveRates": [{"leaveTypeId": 1, "rate": 10}],
            }
        ],
    )
    admin.ok("patch", "/users/1", {"hired": "2024-01-01", "email": "a@example.com"})
    make_user(ENTER_TIME_TRACK)


@pytest.mark.parametrize(("schema", "rows"), CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("caller_id", [1, 2], ids=["admin", "worker"])
def test_compiled_dump_matches_marshmallow(app, data, schema, rows, caller_id):
    permissions = {
        1: frozenset({"manageAccounts", "manageSystemSettings"}),
        2: frozenset({ENTER_TIME_TRACK}),
    }[caller_id]
    with app.test_request_context("/api/v1/anything"):
        g.caller = Caller(
            id=caller_id,
            username="x",
            permissions=permissions,
            assign_all=True,
            team_all=caller_id == 1,
            scope_all=caller_id == 1,
        )
        objects = rows(get_db())
        assert objects, schema.__name__
        compiled = schema(many=True).dump(objects)
        reference = schema(many=True).reference_dump(objects)
        assert compiled == reference


def test_list_envelopes_with_referenced_maps_match(app, data):
    from timetracker.api.common import list_response

    with app.test_request_context("/api/v1/anything"):
        g.caller = Caller(
            id=1,
            username="admin",
            permissions=frozenset({"manageAccounts"}),
            team_all=True,
            scope_all=True,
            assign_all=True,
        )
        conn = get_db()
        args = {"includeReferenced": ["customers", "projects"]}
        tasks = entities.list_rows(conn, entities.TASKS, {})
        body = list_response(
            args,
            tasks,
            {
                "customers": lambda items: entities.rows_by_ids(
                    conn, entities.CUSTOMERS, (t["customer_id"] for t in items)
                ),
                "projects": lambda items: entities.rows_by_ids(
                    conn, entities.PROJECTS, (t["project_id"] for t in items)
                ),
            },
        )
        schema = c.TaskListSchema()
        compiled = schema.dump(body)
        assert compiled == schema.reference_dump(body)
        assert set(compiled["customers"]) == {str(t["customer_id"]) for t in tasks}
        assert compiled["items"][0]["url"].endswith(f"/api/v1/tasks/{tasks[0]['id']}")
