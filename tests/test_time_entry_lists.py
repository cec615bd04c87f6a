"""The entry list's and the array create's own ways (rows written straight to the answer, arrays
loaded field by field, answers made from what was written) answer exactly what the general
ways answer: each listed entry as its own GET shows it, for callers whose rights differ entry by
entry; the row writer and the field-by-field load as marshmallow's dump and load."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError
from sqlalchemy import event

from timetracker.access import ENTER_TIME_TRACK, MODIFY_APPROVE_TIME_TRACK
from timetracker.errors import validation_error
from timetracker.schemas.base import Rows
from timetracker.schemas.time_entries import TimeEntryCreateSchema, TimeEntrySchema
from timetracker.services.time_entries import LIST_ATTRIBUTES

DAY = "2025-03-04"


@pytest.fixture
def entries(admin, make_user, worker, catalogue):
    """Entries of two users, untimed and timed (milliseconds too), billable by the entry or by
    the type of work, with and without tags, one billed, one deleted, one running; and callers
    who may change all of them, some of them, or none."""
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    admin.ok("put", f"/users/{worker.id}/workAssignments", {"taskIds": list(tasks.values())})
    other = make_user(ENTER_TIME_TRACK, username="other", assign_all=True)
    tag = admin.ok("post", "/tags", {"name": "urgent"})["id"]
    second = admin.ok("post", "/tags", {"name": "review"})["id"]
    worker.ok(
        "post",
        "/timeEntries",
        [
            {"taskId": tasks["design"], "date": DAY, "minutes": 30, "description": "plan"},
            {
                "taskId": tasks["build"],
                "start": "2025-03-04T09:00:00.250Z",
                "end": "2025-03-04T10:15:00Z",
                "billable": False,
                "tagIds": [second, tag],
            },
            {"taskId": tasks["migrate"], "date": "2025-03-05", "minutes": 15, "billable": True},
            {"taskId": tasks["release"], "date": "2025-03-03", "minutes": 5, "tagIds": [tag]},
        ],
    )
    other.ok("post", "/timeEntries", {"taskId": tasks["design"], "date": DAY, "minutes": 45})
    gone = other.ok("post", "/timeEntries", {"taskId": tasks["build"], "date": DAY, "minutes": 5})
    other.ok("delete", f"/timeEntries/{gone['id']}", status=204)
    billed = "2025-03-06"
    other.ok("post", "/timeEntries", {"taskId": tasks["design"], "date": billed, "minutes": 7})
    admin.ok("post", "/invoices", {"number": "I-1", "dateFrom": billed, "dateTo": billed})
    other.ok("post", "/timeEntries/start", {"taskId": tasks["build"]})
    # Reads everyone's time, changes only its own: allowedActions differ entry by entry.
    reader = make_user(ENTER_TIME_TRACK, sees_all_data=True, assign_all=True)
    # Changes its team's time (everyone's) on every task.
    manager = make_user(
        ENTER_TIME_TRACK, MODIFY_APPROVE_TIME_TRACK, team_all=True, scope_all=True, assign_all=True
    )
    return {"admin": admin, "worker": worker, "other": other, "reader": reader, "manager": manager}


QUERIES = [
    "",
    "includeDeleted=true",
    "dateFrom=2025-03-04&dateTo=2025-03-04",
    "sort=user",
    "sort=-customer",
    "sort=task&includeDeleted=true",
    "sort=-project",
    "billable=true",
    "billed=true",
    "tagIds={tag}",
    "projectStatus=active&limit=2&offset=1",
]


@pytest.mark.parametrize("who", ["admin", "worker", "other", "reader", "manager"])
def test_each_listed_entry_is_as_its_own_get_shows_it(entries, who):
    client = entries[who]
    tag = entries["admin"].ok("get", "/tags")["items"][0]["id"]
    seen_actions = set()
    for query in QUERIES:
        listed = client.ok("get", "/timeEntries?" + query.format(tag=tag))["items"]
        assert listed or query.startswith(("billed", "tagIds")), query
        for entry in listed:
            assert entry == client.ok("get", f"/timeEntries/{entry['id']}"), query
            seen_actions.add(entry["allowedActions"]["canModify"])
    everything = client.ok("get", "/timeEntries?includeDeleted=true")["items"]
    assert {e["deleted"] for e in everything} >= ({True} if who != "worker" else set())
    if who == "reader":  # its own entries (none) and others' it may not change
        assert seen_actions == {False}
    if who in ("admin", "manager"):
        assert seen_actions == {True, False}  # billed, deleted and running entries: False


def test_the_list_orders_as_before_when_sorted_by_names(entries):
    admin = entries["admin"]
    by_user = admin.ok("get", "/timeEntries?sort=user")["items"]
    names = {e["userId"]: admin.ok("get", f"/users/{e['userId']}")["username"] for e in by_user}
    assert [names[e["userId"]] for e in by_user] == sorted(names[e["userId"]] for e in by_user)


def test_an_arrays_answer_is_as_the_entries_read_back(entries, catalogue):
    admin = entries["admin"]
    design = catalogue["tasks"]["design"]["id"]
    tag = admin.ok("get", "/tags")["items"][0]["id"]
    body = [
        {"taskId": design, "date": "2025-04-01", "minutes": 10, "tagIds": [tag, tag]},
        {
            "taskId": design,
            "start": "2025-04-02T08:00:00+02:00",
            "minutes": 61,
            "description": 'Said "hi" \\ \u00e9\u2028',
        },
        {"taskId": design, "start": "2025-04-03T08:00:00.999Z", "end": "2025-04-03T08:00:31Z"},
        {"taskId": design, "date": "2025-04-04", "minutes": 1, "description": "", "billable": None},
        {"taskId": design, "date": "2025-04-04", "minutes": 2, "userId": entries["other"].id},
    ]
    for client in (admin, entries["manager"]):
        created = client.ok("post", "/timeEntries", body)
        assert created == [client.ok("get", f"/timeEntries/{e['id']}") for e in created]
        assert created[0]["tagIds"] == [tag]
        body = [{**item, "minutes": item["minutes"] + 1} for item in body if "minutes" in item]
    events = admin.ok("get", "/changes?limit=1000")["items"]
    made = {e["objectId"]: e for e in events if e["name"] == "timeEntry.create"}
    for entry in created:  # each event's data is the entry as read back
        data = made[str(entry["id"])]["data"]
        assert data == {k: v for k, v in entry.items() if k != "allowedActions"}


# --- the schema's own ways, against marshmallow's ------------------------------------------------


def test_the_row_writer_dumps_as_marshmallow():
    actions = [{"canModify": True, "canDelete": True}, {"canModify": False, "canDelete": False}]
    values = []
    for n in range(12):
        started = None if n % 3 == 0 else 1_700_000_000_000 + n * 61_250
        values.append(
            (
                n + 1,
                7,
                n % 4 + 1,
                dt.date(2025, 1, n + 1),
                started,
                None if started is None or n == 4 else started + 900_000,
                n * 5,
                n == 4,
                None if n % 2 else f"text {n} \u00e9",
                n % 3 == 1,
                None if n % 5 else 3,
                1_700_000_000_000 + n,
                1_700_000_000_500 + n,
                n == 7,
                [] if n % 2 else [1, n],
                actions[(n // 2) % 2],
            )
        )
    schema = TimeEntrySchema(many=True)
    written = schema.dump(Rows(LIST_ATTRIBUTES, values))
    reference = schema.reference_dump([dict(zip(LIST_ATTRIBUTES, v, strict=True)) for v in values])
    assert written == reference
    assert [list(w) for w in written] == [list(r) for r in reference]  # the keys' order too
    # Rows read as mappings by anyone else; attributes the plan lacks: no writer.
    assert Rows(LIST_ATTRIBUTES, values)[1]["id"] == 2
    assert schema.row_writer(LIST_ATTRIBUTES[:-1]) is None


GOOD = [
    {"taskId": 1, "date": DAY, "minutes": 30},
    {"taskId": 2, "start": "2025-03-04T09:00:00+01:00", "end": "2025-03-04T10:00:00.5Z"},
    {"taskId": 3, "start": "2025-03-04T09:00:00Z", "minutes": 5, "description": ""},
    {"taskId": 4, "date": DAY, "minutes": 1, "billable": None, "tagIds": [3, 1], "userId": 9},
    {"taskId": 5, "date": DAY, "minutes": 1, "description": None, "start": None, "end": None},
]

BAD = [
    [{"taskId": 1, "date": DAY, "minutes": "30"}],
    [{"taskId": True, "date": DAY, "minutes": 30}],
    [{"taskId": 1, "date": "2025-02-30", "minutes": 30}],
    [{"taskId": 1, "date": DAY, "minutes": 30, "color": "red"}],
    [{"date": DAY, "minutes": 30}],
    [{"taskId": 1, "start": "2025-03-04T09:00:00", "minutes": 30}],
    [{"taskId": 1, "start": "0999-03-04T09:00:00Z", "minutes": 30}],
    [{"taskId": 1, "date": DAY, "minutes": 30, "description": "a\x00b"}],
    [{"taskId": 1, "date": DAY, "minutes": 30, "description": "\ud800"}],
    [{"taskId": 1, "date": DAY, "minutes": 30, "billable": 1}],
    [{"taskId": 2**31, "date": DAY, "minutes": 30}],
    [{"taskId": 1, "date": DAY, "minutes": 30, "tagIds": list(range(101))}],
    [GOOD[0], None],
    [GOOD[0], [1]],
]


def test_the_field_by_field_load_is_marshmallows_or_steps_aside():
    schema = TimeEntryCreateSchema()
    loaded = schema.load_each(GOOD)
    assert loaded == TimeEntryCreateSchema(many=True).load(GOOD)
    assert [list(item) for item in loaded] == [
        list(item) for item in TimeEntryCreateSchema(many=True).load(GOOD)
    ]
    for body in BAD:
        assert schema.load_each(body) is None, body
        with pytest.raises(ValidationError):
            TimeEntryCreateSchema(many=True).load(body)


@pytest.mark.parametrize("body", BAD)
def test_bad_arrays_get_the_schemas_own_errors(app, worker, catalogue, body):
    with pytest.raises(ValidationError) as refused:
        TimeEntryCreateSchema(many=True).load(body)
    expected = validation_error(refused.value.messages)
    response = worker.post("/timeEntries", json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert (error["key"], error["message"], error.get("fields")) == (
        expected.key,
        expected.message,
        expected.fields,
    )


# --- the list's order is the indexes' ------------------------------------------------------------


def test_a_users_month_and_a_day_are_read_in_the_list_order_of_an_index(app, admin, catalogue):
    engine = app.extensions["timetracker"]["engine"]
    ran: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM time_entries JOIN tasks" in statement and "ORDER BY" in statement:
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        admin.ok("get", "/timeEntries?userIds=1&dateFrom=2025-06-01&dateTo=2025-06-30")
        admin.ok("get", "/timeEntries?dateFrom=2025-06-11&dateTo=2025-06-11&limit=10")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(ran) == 2
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for statement, parameters in ran:
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                steps = " | ".join(row[-1] for row in plan)
                assert "TEMP B-TREE" not in steps, steps  # read in order: nothing sorted
                assert "ix_time_entries_" in steps, steps
        else:  # a few rows: told not to scan or sort where it can help it, as on many
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            conn.exec_driver_sql("SET LOCAL enable_sort = off")
            for statement, parameters in ran:
                plan = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
                steps = " | ".join(plan)
                assert "Sort" not in steps, steps
                assert "ix_time_entries_" in steps, steps
        for statement, _ in ran:
            assert "coalesce(time_entries.started, -1)" in statement.lower()
