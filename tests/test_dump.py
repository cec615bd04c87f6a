"""The compiled dump of ApiSchema gives exactly what marshmallow's own dump gives."""

from __future__ import annotations

import pytest
from flask import g

from timetracker.access import ENTER_TIME_TRACK, Caller
from timetracker.schemas import catalogue as c
from timetracker.schemas import departments, leave_types, time_zone_groups, user_rates, users
from timetracker.schemas import settings as s
from timetracker.services import catalogue, crud
from timetracker.services import departments as department_service
from timetracker.services import leave_types as leave_type_service
from timetracker.services import settings as settings_service
from timetracker.services import time_zone_groups as time_zone_group_service
from timetracker.services import users as user_service
from timetracker.store import catalogue as catalogue_store
from timetracker.store import user_rates as rates_store
from timetracker.store.db import get_db


def items(resource: crud.Resource):
    """The rows a resource's list answers, as the schema receives them."""
    return lambda conn, caller: resource.list(conn, caller, {})["items"]


CASES = [
    (c.CustomerSchema, items(catalogue.customers)),
    (c.ProjectSchema, items(catalogue.projects)),
    (c.TaskSchema, items(catalogue.tasks)),
    (c.CommentSchema, lambda conn, caller: catalogue_store.list_comments(conn, "task", 1, {})),
    (s.WorkflowStatusSchema, items(settings_service.workflow_statuses)),
    (s.TypeOfWorkSchema, items(settings_service.types_of_work)),
    (users.UserSchema, items(user_service.users)),
    (departments.DepartmentSchema, items(department_service.departments)),
    (time_zone_groups.TimeZoneGroupSchema, items(time_zone_group_service.time_zone_groups)),
    (leave_types.LeaveTypeSchema, items(leave_type_service.leave_types)),
    (user_rates.RateSchema, lambda conn, caller: rates_store.rates_of(conn, [1])[1]),
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
        objects = rows(get_db(), g.caller)
        assert objects, schema.__name__
        compiled = schema(many=True).dump(objects)
        reference = schema(many=True).reference_dump(objects)
        assert compiled == reference


def test_list_envelopes_with_referenced_maps_match(app, data):
    with app.test_request_context("/api/v1/anything"):
        g.caller = Caller(
            id=1,
            username="admin",
            permissions=frozenset({"manageAccounts"}),
            team_all=True,
            scope_all=True,
            assign_all=True,
        )
        args = {"includeReferenced": ["customers", "projects"]}
        body = catalogue.tasks.list(get_db(), g.caller, args)
        tasks = body["items"]
        schema = c.TaskListSchema()
        compiled = schema.dump(body)
        assert compiled == schema.reference_dump(body)
        assert set(compiled["customers"]) == {str(t["customer_id"]) for t in tasks}
        assert compiled["items"][0]["url"].endswith(f"/api/v1/tasks/{tasks[0]['id']}")
