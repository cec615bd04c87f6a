"""Time entries: the unit of tracked time; day records are their sums."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from timetracker.store import time_entries
from timetracker.store.migrate import downgrade, upgrade

DAY = "2025-03-04"


def record_path(user, task, day=DAY, suffix=""):
    return f"/timetrack/{user}/{day}/{task}{suffix}"


def stored_entries(app) -> list[dict]:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, user_id, date, task_id, started, ended, minutes, deleted, invoice_id "
                "FROM time_entries ORDER BY id"
            )
        )
        # Days as text: SQLite gives text, PostgreSQL dates.
        return [{**r._mapping, "date": str(r.date)} for r in rows]


def one_truth(app) -> None:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        assert time_entries.disagreeing_cells(conn) == []


def test_a_record_write_acts_on_the_cells_untimed_entry(app, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    worker.ok("patch", record_path("worker", design), {"time": 120, "comment": "draft"})
    [entry] = stored_entries(app)
    assert (entry["user_id"], str(entry["date"]), entry["task_id"]) == (worker.id, DAY, design)
    assert (entry["started"], entry["minutes"], entry["deleted"]) == (None, 120, None)

    worker.ok("patch", record_path("worker", design, suffix="/time"), {"delta": -20})
    worker.ok("patch", record_path("worker", design), {"time": 150})
    [entry] = stored_entries(app)
    assert entry["minutes"] == 150  # the same entry, changed in place
    one_truth(app)

    worker.ok("patch", record_path("worker", design), {"time": 0})
    [entry] = stored_entries(app)
    assert entry["deleted"] is not None  # a total of 0 deletes the untimed entry (kept)
    one_truth(app)
    worker.ok("patch", record_path("worker", design), {"time": 30})
    assert [e["minutes"] for e in stored_entries(app) if e["deleted"] is None] == [30]
    one_truth(app)


def test_a_comment_alone_leaves_the_entries_alone(app, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    worker.ok("patch", record_path("worker", design), {"time": 60})
    before = stored_entries(app)
    worker.ok("patch", record_path("worker", design), {"comment": "notes"})
    assert stored_entries(app) == before


def test_an_invoice_bills_the_entries_of_its_records_and_releases_them(
    app, admin, worker, catalogue
):
    design = catalogue["tasks"]["design"]["id"]  # of the default type of work: billable
    worker.ok("patch", record_path("worker", design), {"time": 60})
    invoice = admin.ok("post", "/invoices", {"number": "I-1", "dateFrom": DAY, "dateTo": DAY})
    assert [e["invoice_id"] for e in stored_entries(app)] == [invoice["id"]]
    one_truth(app)
    admin.ok("delete", f"/invoices/{invoice['id']}", status=204)
    assert [e["invoice_id"] for e in stored_entries(app)] == [None]
    one_truth(app)


def test_the_migration_makes_each_record_one_untimed_entry_and_going_back_keeps_records(
    app, worker, catalogue
):
    design, build = (catalogue["tasks"][name]["id"] for name in ("design", "build"))
    worker.ok("patch", record_path("worker", design), {"time": 60, "comment": "a"})
    worker.ok("patch", record_path("worker", build, "2025-03-05"), {"time": 45})
    engine = app.extensions["timetracker"]["engine"]
    downgrade(engine, "0013")
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT user_id, date, task_id, minutes, comment FROM time_entries ORDER BY date")
        ).all()
        assert [tuple(r)[2:] for r in kept] == [(design, 60, "a"), (build, 45, None)]
    upgrade(engine)
    entries = stored_entries(app)
    assert [(e["task_id"], e["minutes"], e["started"]) for e in entries] == [
        (design, 60, None),
        (build, 45, None),
    ]
    one_truth(app)
    assert worker.ok("get", record_path("worker", design)) == {
        "taskId": design,
        "time": 60,
        "comment": "a",
    }


def test_a_user_whose_time_was_all_taken_back_can_still_be_deleted(app, admin, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    worker.ok("patch", record_path("worker", design), {"time": 60})
    response = admin.delete(f"/users/{worker.id}")
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.user_has_data"
    worker.ok("patch", record_path("worker", design), {"time": 0})
    admin.ok("delete", f"/users/{worker.id}", status=204)
    assert stored_entries(app) == []


# --- /timeEntries ---------------------------------------------------------------------------------


def record_time(client, user, task, day=DAY) -> int:
    return client.ok("get", record_path(user, task, day))["time"]


def test_an_untimed_entry_adds_to_its_record_and_follows_every_change(app, worker, catalogue):
    design, build = (catalogue["tasks"][name]["id"] for name in ("design", "build"))
    worker.ok("patch", record_path("worker", design), {"time": 30, "comment": "kept"})
    entry = worker.ok(
        "post",
        "/timeEntries",
        {"taskId": design, "date": DAY, "minutes": 45, "description": "review"},
    )
    assert entry["userId"] == worker.id
    assert (entry["date"], entry["start"], entry["end"], entry["minutes"]) == (DAY, None, None, 45)
    assert (entry["description"], entry["billable"], entry["invoiceId"]) == ("review", True, None)
    assert (entry["deleted"], entry["running"]) == (False, False)
    assert entry["allowedActions"] == {"canModify": True, "canDelete": True}
    assert worker.ok("get", record_path("worker", design)) == {
        "taskId": design,
        "time": 75,
        "comment": "kept",
    }
    assert worker.ok("get", f"/timeEntries/{entry['id']}") == entry

    worker.ok("patch", f"/timeEntries/{entry['id']}", {"minutes": 50})
    assert record_time(worker, "worker", design) == 80
    moved = worker.ok(
        "patch", f"/timeEntries/{entry['id']}", {"taskId": build, "date": "2025-03-05"}
    )
    assert (moved["taskId"], moved["date"], moved["minutes"]) == (build, "2025-03-05", 50)
    assert record_time(worker, "worker", design) == 30
    assert record_time(worker, "worker", build, "2025-03-05") == 50
    one_truth(app)

    worker.ok("delete", f"/timeEntries/{entry['id']}", status=204)
    assert record_time(worker, "worker", build, "2025-03-05") == 0
    gone = worker.ok("get", f"/timeEntries/{entry['id']}")
    assert gone["deleted"] is True
    assert gone["allowedActions"] == {"canModify": False, "canDelete": False}
    assert worker.patch(f"/timeEntries/{entry['id']}", json={"minutes": 5}).status_code == 404
    assert worker.delete(f"/timeEntries/{entry['id']}").status_code == 404
    listed = worker.ok("get", "/timeEntries")["items"]
    assert [e["id"] for e in listed] == [stored_entries(app)[0]["id"]]  # the record's own
    listed = worker.ok("get", "/timeEntries?includeDeleted=true")["items"]
    assert entry["id"] in [e["id"] for e in listed]
    one_truth(app)


def test_a_timed_entry_counts_on_the_local_day_of_its_start(app, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    # 02:10 UTC on March 5 is 21:10 on March 4 in New York (the default time zone group).
    body = {"taskId": design, "start": "2025-03-05T02:10:00Z", "end": "2025-03-04T22:40:30-05:00"}
    entry = worker.ok("post", "/timeEntries", body)
    assert (entry["date"], entry["minutes"]) == (DAY, 91)  # 90.5 minutes: half up
    assert (entry["start"], entry["end"]) == ("2025-03-05T02:10:00Z", "2025-03-05T03:40:30Z")
    assert record_time(worker, "worker", design) == 91
    shorter = worker.ok(
        "post", "/timeEntries", {"taskId": design, "start": "2025-03-04T12:00:00Z", "minutes": 20}
    )
    assert (shorter["end"], shorter["minutes"]) == ("2025-03-04T12:20:00Z", 20)
    # Moving the start keeps the length; minutes alone move the end.
    moved = worker.ok("patch", f"/timeEntries/{shorter['id']}", {"start": "2025-03-04T13:00:00Z"})
    assert (moved["end"], moved["minutes"]) == ("2025-03-04T13:20:00Z", 20)
    longer = worker.ok("patch", f"/timeEntries/{shorter['id']}", {"minutes": 35})
    assert longer["end"] == "2025-03-04T13:35:00Z"
    assert record_time(worker, "worker", design) == 91 + 35
    one_truth(app)


@pytest.mark.parametrize(
    ("body", "key", "field"),
    [
        ({"date": DAY}, "incomplete_entry", "minutes"),
        ({"minutes": 30}, "incomplete_entry", "date"),
        ({"date": DAY, "minutes": 0}, "incomplete_entry", "minutes"),
        ({"date": DAY, "minutes": 1441}, "invalid_argument", "minutes"),
        ({"start": "2025-03-04T12:00:00Z"}, "incomplete_entry", "end"),
        ({"end": "2025-03-04T12:00:00Z", "minutes": 5, "date": DAY}, "incomplete_entry", "end"),
        ({"start": "2025-03-04T12:00:00Z", "end": "2025-03-04T11:00:00Z"},
         "invalid_date_range", "end"),
        ({"start": "2025-03-04T00:00:00Z", "end": "2025-03-05T01:00:00Z"},
         "entry_too_long", "end"),
        ({"start": "2025-03-04T12:00:00Z", "end": "2025-03-04T13:00:00Z", "minutes": 30},
         "minutes_mismatch", "minutes"),
        ({"start": "2025-03-04T12:00:00Z", "minutes": 5, "date": "2025-03-05"},
         "date_mismatch", "date"),
        ({"start": "2025-03-04T12:00:00", "minutes": 5}, "invalid_argument", "start"),
        ({"start": "yesterday", "minutes": 5}, "invalid_argument", "start"),
        ({"date": DAY, "minutes": 5, "billable": "maybe"}, "invalid_argument", "billable"),
        ({"date": DAY, "minutes": 5, "billable": "true"}, "invalid_argument", "billable"),
    ],
)  # fmt: skip
def test_bad_entries_are_refused_and_change_nothing(app, worker, catalogue, body, key, field):
    design = catalogue["tasks"]["design"]["id"]
    response = worker.post("/timeEntries", json={"taskId": design, **body})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()
    assert error["key"] == f"api.error.{key}"
    assert field in str(error.get("fields"))
    assert stored_entries(app) == []


def test_a_record_cannot_go_below_its_timed_entries(app, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    timed = worker.ok(
        "post", "/timeEntries", {"taskId": design, "start": "2025-03-04T14:00:00Z", "minutes": 60}
    )
    worker.ok("patch", record_path("worker", design), {"time": 100})  # 40 untimed beside it
    assert [e["minutes"] for e in stored_entries(app)] == [60, 40]
    for request in (
        ("patch", record_path("worker", design), {"time": 59}),
        ("patch", record_path("worker", design), {"time": 0}),
        ("patch", record_path("worker", design, suffix="/time"), {"delta": -41}),
    ):
        response = getattr(worker, request[0])(request[1], json=request[2])
        assert response.status_code == 409
        error = response.get_json()
        assert error["key"] == "api.error.timed_entries"
        assert str(timed["id"]) in error["message"]
        assert record_time(worker, "worker", design) == 100
    worker.ok("patch", record_path("worker", design), {"time": 60})  # the untimed entry goes
    assert [e["minutes"] for e in stored_entries(app) if e["deleted"] is None] == [60]
    one_truth(app)


def test_untimed_entries_shrink_newest_first(app, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    first = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30})
    second = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 20})
    worker.ok("patch", record_path("worker", design, suffix="/time"), {"delta": -25})
    live = {e["id"]: e["minutes"] for e in stored_entries(app) if e["deleted"] is None}
    assert live == {first["id"]: 25}  # the newest emptied and deleted, then the oldest
    worker.ok("patch", record_path("worker", design, suffix="/time"), {"delta": 10})
    live = {e["id"]: e["minutes"] for e in stored_entries(app) if e["deleted"] is None}
    assert live == {first["id"]: 35}
    assert worker.get(f"/timeEntries/{second['id']}").get_json()["deleted"] is True
    one_truth(app)


def test_every_rule_of_a_record_write_applies_to_an_entry(app, admin, make_user, worker, catalogue):
    design, release = (catalogue["tasks"][name]["id"] for name in ("design", "release"))
    entry = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30})

    def refused(method, path, body, status, key):
        response = getattr(worker, method)(path, json=body)
        assert response.status_code == status, response.get_json()
        assert response.get_json()["key"] == f"api.error.{key}"

    # Not the worker's task; a day past 1440 minutes.
    refused("post", "/timeEntries", {"taskId": release, "date": DAY, "minutes": 5}, 403,
            "access_denied")  # fmt: skip
    refused("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 1411}, 400,
            "day_limit_exceeded")  # fmt: skip
    admin.ok("post", "/timetrack/lock", {"dateFrom": "2025-03-10", "dateTo": "2025-03-10"})
    # A move into a locked day, and any change of an entry on a locked day, are refused whole.
    refused("patch", f"/timeEntries/{entry['id']}", {"date": "2025-03-10"}, 403, "timetrack_locked")
    admin.ok("post", "/timetrack/lock", {"dateFrom": DAY, "dateTo": DAY})
    refused("patch", f"/timeEntries/{entry['id']}", {"date": "2025-03-11"}, 403, "timetrack_locked")
    refused("patch", f"/timeEntries/{entry['id']}", {"description": "x"}, 403, "timetrack_locked")
    refused("delete", f"/timeEntries/{entry['id']}", None, 403, "timetrack_locked")
    admin.ok("post", "/timetrack/unlock", {"dateFrom": "2025-01-01", "dateTo": "2025-12-31"})
    admin.ok("patch", f"/users/{worker.id}", {"hired": "2025-03-02"})
    refused("patch", f"/timeEntries/{entry['id']}", {"date": "2025-03-01"}, 400,
            "outside_employment")  # fmt: skip
    invoice = admin.ok("post", "/invoices", {"number": "I-9", "dateFrom": DAY, "dateTo": DAY})
    refused("patch", f"/timeEntries/{entry['id']}", {"minutes": 10}, 403, "timetrack_billed")
    refused("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 5}, 403,
            "timetrack_billed")  # fmt: skip
    assert worker.ok("get", f"/timeEntries/{entry['id']}")["invoiceId"] == invoice["id"]
    assert [(e["minutes"], e["date"]) for e in stored_entries(app)] == [(30, DAY)]
    assert record_time(worker, "worker", design) == 30
    one_truth(app)


def test_who_sees_and_changes_entries(app, admin, make_user, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    other = make_user("enterTimeTrack", assign_all=True)
    mine = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30})
    theirs = other.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 15})
    assert [e["id"] for e in worker.ok("get", "/timeEntries")["items"]] == [mine["id"]]
    assert worker.get(f"/timeEntries/{theirs['id']}").status_code == 403
    assert worker.patch(f"/timeEntries/{theirs['id']}", json={"minutes": 1}).status_code == 403
    response = worker.post(
        "/timeEntries", json={"taskId": design, "date": DAY, "minutes": 5, "userId": other.id}
    )
    assert response.status_code == 403
    ids = [e["id"] for e in admin.ok("get", "/timeEntries")["items"]]
    assert ids == [mine["id"], theirs["id"]]  # by date, then start, then id
    made = admin.ok(
        "post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 5, "userId": worker.id}
    )
    assert made["userId"] == worker.id
    assert record_time(worker, "worker", design) == 35
    assert worker.get("/timeEntries/99999").status_code == 404
    one_truth(app)


def test_lists_filter_sort_and_count(app, admin, make_user, worker, catalogue):
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    admin.ok("put", f"/users/{worker.id}/workAssignments", {"taskIds": list(tasks.values())})
    made = [
        worker.ok("post", "/timeEntries", {"taskId": tasks[task], "date": day, "minutes": m,
                                           "billable": billable})
        for task, day, m, billable in (
            ("design", "2025-03-04", 10, None),
            ("build", "2025-03-03", 20, False),
            ("migrate", "2025-03-05", 30, None),
            ("release", "2025-03-04", 40, True),
        )
    ]  # fmt: skip
    ids = [e["id"] for e in made]

    def listed(query: str) -> list[int]:
        return [e["id"] for e in worker.ok("get", f"/timeEntries?{query}")["items"]]

    assert listed("") == [ids[1], ids[0], ids[3], ids[2]]
    assert listed("dateFrom=2025-03-04&dateTo=2025-03-04") == [ids[0], ids[3]]
    assert listed("userIds=me&taskIds=" + str(tasks["build"])) == [ids[1]]
    web = catalogue["projects"]["web"]["id"]
    assert listed(f"projectIds={web}") == [ids[1], ids[0]]
    globex = catalogue["customers"]["globex"]["id"]
    assert listed(f"customerIds={globex}") == [ids[2]]
    assert listed("billable=false") == [ids[1]]
    assert listed("billable=true&sort=-date") == [ids[2], ids[0], ids[3]]  # ties: by id
    admin.ok("patch", f"/projects/{catalogue['projects']['erp']['id']}", {"archived": True})
    assert listed("projectStatus=archived") == [ids[2]]
    assert listed("projectStatus=active") == [ids[1], ids[0], ids[3]]
    assert listed("sort=task") == [ids[1], ids[0], ids[2], ids[3]]  # Build, Design, Migrate...
    assert listed("limit=2&offset=1") == [ids[0], ids[3]]
    response = worker.get("/timeEntries?limit=1&withTotal=true")
    assert response.headers["X-Total-Count"] == "4"
    assert len(response.get_json()["items"]) == 1
    assert "X-Total-Count" not in worker.get("/timeEntries").headers
    after = made[2]["modified"]
    assert listed(f"modifiedAfter={after}") == [ids[3]]
    assert worker.get("/timeEntries?projectStatus=old").status_code == 400
    assert worker.get("/timeEntries?sort=minutes").status_code == 400


def test_entry_changes_are_events(app, admin, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    entry = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30})
    worker.ok("patch", f"/timeEntries/{entry['id']}", {"description": "done"})
    worker.ok("delete", f"/timeEntries/{entry['id']}", status=204)
    names = [(e["name"], e["objectId"]) for e in admin.ok("get", "/changes")["items"]]
    assert ("timeEntry.create", str(entry["id"])) in names
    assert ("timeEntry.update", str(entry["id"])) in names
    assert ("timeEntry.delete", str(entry["id"])) in names
    assert names.count(("timetrack.update", f"{worker.id}/{DAY}/{design}")) >= 2


# --- many at once ---------------------------------------------------------------------------------


def test_an_array_creates_every_entry_or_none(app, admin, worker, catalogue):
    design, build = (catalogue["tasks"][name]["id"] for name in ("design", "build"))
    worker.ok("patch", record_path("worker", design), {"time": 30, "comment": "kept"})
    items = [
        {"taskId": design, "date": DAY, "minutes": 15, "description": "one"},
        {"taskId": build, "start": "2025-03-04T15:00:00Z", "end": "2025-03-04T15:45:00Z"},
        {"taskId": design, "start": "2025-03-05T14:00:00Z", "minutes": 20, "billable": False},
    ]
    created = worker.ok("post", "/timeEntries", items)
    assert [(e["taskId"], e["date"], e["minutes"]) for e in created] == [
        (design, DAY, 15),
        (build, DAY, 45),
        (design, "2025-03-05", 20),
    ]
    assert created[2]["billable"] is False and created[0]["description"] == "one"
    assert created == [worker.ok("get", f"/timeEntries/{e['id']}") for e in created]
    assert worker.ok("get", record_path("worker", design)) == {
        "taskId": design,
        "time": 45,
        "comment": "kept",
    }
    assert record_time(worker, "worker", build) == 45
    assert record_time(worker, "worker", design, "2025-03-05") == 20
    one_truth(app)
    events = [e["name"] for e in admin.ok("get", "/changes?limit=1000")["items"]]
    assert events.count("timeEntry.create") == 3

    before = stored_entries(app)
    bad = [
        {"taskId": design, "date": DAY, "minutes": 10},
        {"taskId": design, "date": DAY, "minutes": 1400},  # past the day's 1440 minutes
        {"taskId": catalogue["tasks"]["release"]["id"], "date": DAY, "minutes": 5},
        {"taskId": 999_999, "date": DAY, "minutes": 5},
    ]
    response = worker.post("/timeEntries", json=bad)
    assert response.status_code == 400
    error = response.get_json()
    assert error["key"] == "api.error.invalid_entries"
    assert error["fields"] == "1, 2, 3"
    for said in ("Item 1: minutes", "Item 2: task: not among", "Item 3: taskId: no task"):
        assert said in error["message"]
    assert stored_entries(app) == before
    one_truth(app)


@pytest.mark.parametrize(
    "body",
    [[], [{"taskId": 1, "date": DAY, "minutes": "x"}], [5], "entries", [None]],
)
def test_bad_arrays_are_refused(app, worker, catalogue, body):
    response = worker.post("/timeEntries", json=body)
    assert response.status_code == 400, response.get_json()
    assert stored_entries(app) == []


def test_an_array_holds_at_most_1000_entries(app, admin, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    many = [{"taskId": design, "date": "2025-01-01", "minutes": 1}] * 1001
    response = worker.post("/timeEntries", json=many)
    assert response.status_code == 400
    assert "1 to 1000" in response.get_json()["message"]
    days = [f"2025-{m:02d}-{d:02d}" for m in (1, 2, 3, 4) for d in range(1, 29)][:100]
    full = [{"taskId": design, "date": day, "minutes": 1} for day in days for _ in range(10)]
    assert len(worker.ok("post", "/timeEntries", full)) == 1000
    assert record_time(worker, "worker", design, "2025-01-01") == 10
    one_truth(app)
    totals = admin.ok("get", "/timetrack/totals?dateFrom=2025-01-01&dateTo=2025-12-31")
    assert totals["totals"]["totalMinutes"] == 1000


def test_the_list_exports_as_csv_and_excel(app, worker, catalogue):
    import csv
    import io

    from openpyxl import load_workbook

    design = catalogue["tasks"]["design"]["id"]
    tags = [worker.ok("post", "/tags", {"name": name})["id"] for name in ("review", "Client")]
    timed = worker.ok("post", "/timeEntries", {"taskId": design, "start": "2025-03-04T14:00:00Z",
                                                "minutes": 30, "description": "=cmd",
                                                "tagIds": tags})  # fmt: skip
    untimed = worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 15})
    response = worker.get("/timeEntries?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["id"] for r in rows] == [str(untimed["id"]), str(timed["id"])]
    assert (rows[1]["start"], rows[1]["end"]) == ("2025-03-04T14:00:00Z", "2025-03-04T14:30:00Z")
    assert rows[1]["description"] == "'=cmd"  # the formula guard
    assert rows[0]["start"] == "" and rows[0]["minutes"] == "15"
    assert "allowedActions" not in rows[0]
    assert (rows[0]["tags"], rows[1]["tags"]) == ("", "Client; review")  # by name
    book = load_workbook(io.BytesIO(worker.get("/timeEntries?format=xlsx").get_data()))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    second = dict(zip(header, [c.value for c in sheet[3]], strict=False))
    assert second["minutes"] == 30 and second["id"] == timed["id"]
    assert str(second["start"]) == "2025-03-04 14:00:00"
    assert second["tags"] == "Client; review"


# --- CSV import -----------------------------------------------------------------------------------


def import_entries(client, text: str):
    return client.client.post(
        "/api/v1/timeEntries/import",
        data=text,
        headers={**client.headers, "Content-Type": "text/csv"},
    )


def test_an_import_makes_one_entry_per_line(app, admin, worker, catalogue):
    text = (
        "username,customer,project,task,date,start,end,minutes,description,billable\n"
        "worker,Acme,Website,Design,,2025-03-04T09:00:00+01:00,2025-03-04T10:30:00+01:00,,"
        "Review,\n"
        "WORKER,acme,website,build,2025-03-04,,,45,,false\n"
        'worker,Acme,Website,Design,,2025-03-05T13:00:00Z,,20,"Notes, more",true\n'
    )
    response = import_entries(worker, text)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"imported": 3, "entriesCreated": 3}
    listed = worker.ok("get", "/timeEntries")["items"]
    shown = [(e["date"], e["start"], e["end"], e["minutes"], e["description"], e["billable"])
             for e in listed]  # fmt: skip
    assert shown == [
        (DAY, None, None, 45, None, False),
        (DAY, "2025-03-04T08:00:00Z", "2025-03-04T09:30:00Z", 90, "Review", True),
        ("2025-03-05", "2025-03-05T13:00:00Z", "2025-03-05T13:20:00Z", 20, "Notes, more", True),
    ]
    design = catalogue["tasks"]["design"]["id"]
    assert record_time(worker, "worker", design) == 90
    one_truth(app)


def test_entries_go_out_and_come_back_with_their_tags(app, admin, worker, catalogue):
    """The export writes the tags' names; an import takes them (separated by ";"), known ones
    matched case-insensitively and new ones created."""
    import csv
    import io

    design = catalogue["tasks"]["design"]["id"]
    known = worker.ok("post", "/tags", {"name": "Client call"})["id"]
    worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30,
                                       "tagIds": [known]})  # fmt: skip
    [row] = csv.DictReader(
        io.StringIO(worker.get("/timeEntries?format=csv").get_data(as_text=True))
    )
    assert row["tags"] == "Client call"
    text = (
        "username,customer,project,task,date,minutes,tags\n"
        f"worker,Acme,Website,Design,2025-03-05,20,client CALL; Review ;{'x' * 3}\n"
        "worker,Acme,Website,Build,2025-03-05,10,\n"
    )
    response = import_entries(worker, text)
    assert response.status_code == 200, response.get_json()
    names = {t["id"]: t["name"] for t in worker.ok("get", "/tags")["items"]}
    assert sorted(names.values()) == ["Client call", "Review", "xxx"]
    listed = worker.ok("get", "/timeEntries?dateFrom=2025-03-05&dateTo=2025-03-05")["items"]
    tagged = {e["minutes"]: sorted(names[t] for t in e["tagIds"]) for e in listed}
    assert tagged == {20: ["Client call", "Review", "xxx"], 10: []}
    # A name too long for a tag is the line's problem, and nothing is imported.
    response = import_entries(
        worker,
        "username,customer,project,task,date,minutes,tags\n"
        f"worker,Acme,Website,Design,2025-03-06,5,{'y' * 256}\n",
    )
    assert response.status_code == 400
    assert "Line 2: tags" in response.get_json()["message"]
    assert len(worker.ok("get", "/tags")["items"]) == 3


def test_an_import_with_bad_lines_names_them_and_imports_nothing(app, admin, worker, catalogue):
    admin.ok("post", "/timetrack/lock", {"dateFrom": "2025-03-10", "dateTo": "2025-03-10"})
    text = (
        "username,customer,project,task,date,start,end,minutes\n"
        "worker,Acme,Website,Design,2025-03-04,,,30\n"  # good
        "nobody,Acme,Website,Design,2025-03-04,,,30\n"
        "worker,Acme,Website,Nothing,2025-03-04,,,30\n"
        "worker,Acme,Website,Design,2025-02-30,,,30\n"
        "worker,Acme,Website,Design,,2025-03-04T09:00:00,,30\n"
        "worker,Acme,Website,Design,2025-03-10,,,30\n"
        "worker,Acme,Website,Design,2025-03-04,,,\n"
        "worker,Acme,Mobile app,Release,2025-03-04,,,30\n"
    )
    response = import_entries(worker, text)
    assert response.status_code == 400
    error = response.get_json()
    assert error["key"] == "api.error.invalid_csv"
    for said in ("Line 3: username", "Line 4: task", "Line 5: date", "Line 6: start",
                 "Line 7:", "Line 8:", "Line 9:"):  # fmt: skip
        assert said in error["message"], said
    assert "Line 2" not in error["message"]
    assert stored_entries(app) == []
    # A header without the required columns is refused before any line.
    response = import_entries(worker, "username,customer\nworker,Acme\n")
    assert (response.status_code, response.get_json()["key"]) == (400, "api.error.invalid_csv")


def test_the_command_line_imports_entries(app, admin, worker, catalogue, migrated_database_url,
                                          tmp_path):  # fmt: skip
    from click.testing import CliRunner

    from timetracker.cli import main

    csv_file = tmp_path / "entries.csv"
    csv_file.write_text(
        "username,customer,project,task,start,end\n"
        "worker,Acme,Website,Design,2025-03-04T09:00:00Z,2025-03-04T09:45:00Z\n"
    )
    result = CliRunner().invoke(
        main, ["import", "entries", str(csv_file), "--db", migrated_database_url]
    )
    assert result.exit_code == 0, result.output
    assert "Read 1 lines: created 1 entries (45 minutes)" in result.output
    assert [e["minutes"] for e in worker.ok("get", "/timeEntries")["items"]] == [45]


def test_an_array_carries_tags(app, admin, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    call = admin.ok("post", "/tags", {"name": "Call"})["id"]
    review = admin.ok("post", "/tags", {"name": "Review"})["id"]
    created = worker.ok(
        "post",
        "/timeEntries",
        [
            {"taskId": design, "date": DAY, "minutes": 10, "tagIds": [review, call]},
            {"taskId": design, "date": DAY, "minutes": 5},
        ],
    )
    assert [e["tagIds"] for e in created] == [sorted([call, review]), []]
    assert [e["id"] for e in worker.ok("get", f"/timeEntries?tagIds={call}")["items"]] == [
        created[0]["id"]
    ]
    response = worker.post(
        "/timeEntries", json=[{"taskId": design, "date": DAY, "minutes": 5, "tagIds": [999]}]
    )
    assert response.status_code == 400
    assert "Item 0: tagIds: 999 do not exist" in response.get_json()["message"]


# --- overlaps -------------------------------------------------------------------------------------


def test_a_company_may_refuse_overlapping_entries(app, admin, worker, catalogue):
    design, build = (catalogue["tasks"][name]["id"] for name in ("design", "build"))
    assert worker.ok("get", "/timeEntrySettings")["allowOverlaps"] is True
    assert worker.patch("/timeEntrySettings", json={"allowOverlaps": False}).status_code == 403
    for bad in ({"allowOverlaps": "false"}, {"allowOverlaps": 0}):
        assert admin.patch("/timeEntrySettings", json=bad).status_code == 400, bad

    def timed(task, start, end):
        return {"taskId": task, "start": f"2025-03-04T{start}:00Z", "end": f"2025-03-04T{end}:00Z"}

    first = worker.ok("post", "/timeEntries", timed(design, "09:00", "10:00"))
    worker.ok("post", "/timeEntries", timed(build, "09:30", "10:30"))  # allowed by default
    changed = admin.ok("patch", "/timeEntrySettings", {"allowOverlaps": False})
    assert changed["allowOverlaps"] is False
    assert changed["rounding"]["mode"] == "none"  # untouched
    response = worker.post("/timeEntries", json=timed(build, "08:30", "09:01"))
    assert (response.status_code, response.get_json()["key"]) == (409, "api.error.entries_overlap")
    assert str(first["id"]) in response.get_json()["message"]
    # Half-open: one may start when another ends; untimed entries never overlap.
    after = worker.ok("post", "/timeEntries", timed(build, "10:30", "11:00"))
    worker.ok("post", "/timeEntries", {"taskId": design, "date": DAY, "minutes": 30})
    response = worker.patch(f"/timeEntries/{after['id']}", json={"start": "2025-03-04T10:15:00Z"})
    assert response.status_code == 409
    # In an array, against what is stored and against the other items.
    response = worker.post(
        "/timeEntries",
        json=[timed(design, "12:00", "13:00"), timed(build, "12:30", "12:45"),
              timed(design, "13:00", "14:00")],
    )  # fmt: skip
    assert response.status_code == 400
    assert "Item 0: start: runs at the same time as item 1" in response.get_json()["message"]
    before = stored_entries(app)
    assert worker.post("/timeEntries", json=[timed(design, "10:50", "11:10")]).status_code == 400
    assert stored_entries(app) == before
    one_truth(app)
