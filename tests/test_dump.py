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


# --- every schema of the API, on generated objects -------------------------------------------


def all_api_schemas():
    """Every ApiSchema subclass the application defines (list envelopes included)."""
    import timetracker.api  # noqa: F401 - loads every resource's schemas
    from timetracker.schemas.base import ApiSchema

    found, todo = [], list(ApiSchema.__subclasses__())
    while todo:
        schema = todo.pop()
        todo.extend(schema.__subclasses__())
        if schema.__module__.startswith("timetracker."):
            found.append(schema)
    return sorted(set(found), key=lambda s: (s.__module__, s.__name__))


def sample(field, variant: int):
    """A value of the field's type (variant 1: None where None is allowed)."""
    import datetime as dt
    from decimal import Decimal

    from marshmallow import fields as f

    from timetracker.schemas.common import Restricted
    from timetracker.schemas.time_entries import Instant

    if variant == 1 and field.allow_none:
        return None
    if isinstance(field, Restricted):
        return sample(field.inner, variant)
    if isinstance(field, f.Nested):
        one = generated(field.schema, variant)
        return [one, generated(field.schema, variant)] if field.many else one
    if isinstance(field, f.List):
        return [sample(field.inner, variant), sample(field.inner, variant)]
    if isinstance(field, f.Dict):
        values = field.value_field
        return {"7": sample(values, variant) if values is not None else 1}
    if isinstance(field, Instant):  # epoch milliseconds inside
        return 1_741_091_400_000 + variant * 1_500
    if isinstance(field, f.DateTime):
        return dt.datetime(2025, 3, 4, 12, 30)
    if isinstance(field, f.Date):
        return dt.date(2025, 3, 4)
    if isinstance(field, f.Boolean):
        return variant % 2 == 0
    if isinstance(field, f.Decimal):
        return Decimal("12.50")
    if isinstance(field, f.Float):
        return 1.5
    if isinstance(field, f.Integer):
        return 7 + variant
    if isinstance(field, f.String):
        return f"text {variant}"
    return {"raw": variant}


def generated(schema, variant: int) -> dict:
    """An object holding a value for every field the schema dumps (by attribute, dotted ones
    nested), plus what the user helpers read."""
    obj: dict = {"id": 3, "first_name": "Ada", "middle_name": None, "last_name": "Byron"}
    for name, field in schema.dump_fields.items():
        if name in schema.computed_fields or type(field).__name__ == "Function":
            continue
        path = (field.attribute or name).split(".")
        target = obj
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = sample(field, variant)
    return obj


@pytest.fixture(scope="module")
def bare_app():
    """A Flask app without a database: dumping needs a request (links, the caller), no SQL."""
    from flask import Flask

    return Flask(__name__)


@pytest.mark.parametrize("schema", all_api_schemas(), ids=lambda s: s.__name__)
@pytest.mark.parametrize("variant", [0, 1], ids=["values", "nulls"])
def test_every_api_schema_dumps_like_marshmallow(bare_app, schema, variant):
    with bare_app.test_request_context("/api/v1/anything"):
        g.caller = Caller(id=3, username="x", permissions=frozenset({"manageAccounts"}))
        objects = [generated(schema(), variant), generated(schema(), variant + 2)]
        assert schema(many=True).dump(objects) == schema(many=True).reference_dump(objects)


def test_the_compiler_falls_back_for_what_it_does_not_handle():
    from marshmallow import Schema, fields

    from timetracker.schemas.base import ApiSchema

    class Plain(Schema):  # not an ApiSchema
        name = fields.String()

    class Odd(ApiSchema):
        count = fields.Integer(dump_default=5)
        nested = fields.String(attribute="outer.inner")
        money = fields.Decimal(as_string=True)
        number = fields.Integer(as_string=True)
        plain = fields.List(fields.Nested(Plain))
        one = fields.Nested(Plain)

    from decimal import Decimal

    obj = {
        "outer": {"inner": "deep"},
        "money": Decimal("1.50"),
        "number": 3,
        "plain": [{"name": "a"}],
        "one": {"name": "b"},
    }
    assert Odd().dump(obj) == Odd().reference_dump(obj)
    assert Odd().dump(obj) == {
        "count": 5,
        "nested": "deep",
        "money": "1.50",
        "number": "3",
        "plain": [{"name": "a"}],
        "one": {"name": "b"},
    }
