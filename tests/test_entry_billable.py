"""A time entry's own billable flag counts wherever time is added up: the totals and the reports
built on them (kept monthly totals and day records alike), their billable filter, and invoices,
which bill only billable entries."""

from __future__ import annotations

import pytest

from tests.test_totals import kept_equals_rebuilt
from tests.test_totals_integrity import records_are_the_sums_of_entries


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)


@pytest.fixture
def setup(admin, catalogue):
    """Design (billable type of work, rate 100) and Build (an internal, not billable type)."""
    tasks = catalogue["tasks"]
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    admin.ok("patch", f"/tasks/{tasks['build']['id']}", {"typeOfWorkId": internal["id"]})
    design = admin.ok("get", f"/tasks/{tasks['design']['id']}")
    admin.ok("patch", f"/typesOfWork/{design['typeOfWorkId']}", {"rate": 100})
    return {"design": tasks["design"]["id"], "build": tasks["build"]["id"], "internal": internal}


def entry(admin, task, day, minutes, billable=None, **more):
    body = {"taskId": task, "date": day, "minutes": minutes, **more}
    if billable is not None:
        body["billable"] = billable
    return admin.ok("post", "/timeEntries", body)


def totals(admin, query=""):
    return admin.ok("get", f"/timetrack/totals?dateFrom=2026-01-01&dateTo=2026-12-31{query}")


def test_marked_entries_count_as_marked_in_every_total(app, admin, setup):
    # Design is billable: 60 follow it, 30 are marked not billable.
    entry(admin, setup["design"], "2026-03-02", 60)
    entry(admin, setup["design"], "2026-03-02", 30, billable=False)
    # Build is not: 45 follow it, 20 are marked billable (in a month of kept totals and a day
    # at the period's edge, read from the records).
    entry(admin, setup["build"], "2026-03-10", 45)
    entry(admin, setup["build"], "2026-03-10", 20, billable=True)
    entry(admin, setup["build"], "2026-04-01", 15, billable=True)

    whole = totals(admin)["totals"]
    assert whole["totalMinutes"] == 170
    assert whole["billableMinutes"] == 60 + 20 + 15
    assert whole["nonBillableMinutes"] == 30 + 45
    edge = admin.ok("get", "/timetrack/totals?dateFrom=2026-03-05&dateTo=2026-04-01")["totals"]
    assert (edge["totalMinutes"], edge["billableMinutes"]) == (80, 35)
    by_task = {g["taskId"]: g["totals"] for g in totals(admin, "&groupBy=task")["groups"]}
    assert by_task[setup["design"]]["billableMinutes"] == 60
    assert by_task[setup["build"]]["billableMinutes"] == 35
    by_day = {
        g["date"]: g["totals"]["billableMinutes"] for g in totals(admin, "&groupBy=day")["groups"]
    }
    assert by_day == {"2026-03-02": 60, "2026-03-10": 20, "2026-04-01": 15}
    # Revenue: the billable minutes times the type of work's rate (Design's 100 per hour).
    money = totals(admin, "&groupBy=task")
    revenue = {g["taskId"]: g["totals"].get("revenue") for g in money["groups"]}
    assert revenue[setup["design"]] == 100.0  # 60 minutes at 100 per hour
    # The summary report is the same answer.
    report = admin.ok("get", "/reports/summary?dateFrom=2026-01-01&dateTo=2026-12-31")
    assert report["totals"]["billableMinutes"] == 95
    kept_equals_rebuilt(app)
    records_are_the_sums_of_entries(app)


def test_the_billable_filter_keeps_billable_entries(app, admin, setup):
    entry(admin, setup["design"], "2026-03-02", 60)
    entry(admin, setup["design"], "2026-03-02", 30, billable=False)
    entry(admin, setup["build"], "2026-03-10", 45)
    entry(admin, setup["build"], "2026-03-10", 20, billable=True)
    only = totals(admin, "&billable=true")["totals"]
    assert (only["totalMinutes"], only["billableMinutes"], only["nonBillableMinutes"]) == (
        80,
        80,
        0,
    )
    other = totals(admin, "&billable=false")["totals"]
    assert (other["totalMinutes"], other["billableMinutes"]) == (75, 0)
    by_task = {
        g["taskId"]: g["totals"]["totalMinutes"]
        for g in totals(admin, "&billable=false&groupBy=task")["groups"]
    }
    assert by_task == {setup["design"]: 30, setup["build"]: 45}


def test_a_type_of_work_changed_later_counts_at_once(app, admin, setup):
    entry(admin, setup["build"], "2026-03-10", 45)
    entry(admin, setup["build"], "2026-03-10", 20, billable=True)
    entry(admin, setup["build"], "2026-03-10", 10, billable=False)
    assert totals(admin)["totals"]["billableMinutes"] == 20
    admin.ok("patch", f"/typesOfWork/{setup['internal']['id']}", {"billable": True})
    assert totals(admin)["totals"]["billableMinutes"] == 65
    kept_equals_rebuilt(app)


def test_changing_an_entry_s_mark_moves_the_totals(app, admin, setup):
    first = entry(admin, setup["design"], "2026-03-02", 60)
    other = entry(admin, setup["design"], "2026-05-02", 30, billable=False)
    admin.ok("patch", f"/timeEntries/{first['id']}", {"billable": False})
    assert totals(admin)["totals"]["billableMinutes"] == 0
    admin.ok("patch", f"/timeEntries/{other['id']}", {"billable": None})
    assert totals(admin)["totals"]["billableMinutes"] == 30
    # Moved to another day and task, the mark moves with it.
    admin.ok(
        "patch", f"/timeEntries/{first['id']}", {"date": "2026-06-03", "taskId": setup["build"]}
    )
    assert totals(admin)["totals"]["billableMinutes"] == 30
    admin.ok("patch", f"/timeEntries/{first['id']}", {"billable": True})
    assert totals(admin)["totals"]["billableMinutes"] == 90
    admin.ok("delete", f"/timeEntries/{first['id']}", status=204)
    assert totals(admin)["totals"]["billableMinutes"] == 30
    kept_equals_rebuilt(app)
    records_are_the_sums_of_entries(app)


def test_an_invoice_bills_only_billable_entries(app, admin, setup):
    followed = entry(admin, setup["design"], "2026-03-02", 60)
    not_billable = entry(admin, setup["design"], "2026-03-02", 30, billable=False)
    marked = entry(admin, setup["build"], "2026-03-10", 20, billable=True)
    internal = entry(admin, setup["build"], "2026-03-10", 45)
    only_internal = entry(admin, setup["build"], "2026-03-11", 50)
    invoice = admin.ok(
        "post", "/invoices", {"number": "I-1", "dateFrom": "2026-03-01", "dateTo": "2026-03-31"}
    )
    assert invoice["billedMinutes"] == 80
    assert invoice["records"] == 2  # the 11th holds no billable minutes: not billed
    billed = {e["id"]: e["invoiceId"] for e in admin.ok("get", "/timeEntries?limit=100")["items"]}
    assert billed == {
        followed["id"]: invoice["id"],
        not_billable["id"]: None,
        marked["id"]: invoice["id"],
        internal["id"]: None,
        only_internal["id"]: None,
    }
    whole = totals(admin)["totals"]
    assert (whole["billedMinutes"], whole["nonBilledMinutes"]) == (80, 125)
    assert totals(admin, "&billed=true")["totals"]["billableMinutes"] == 80
    unbilled = totals(admin, "&billed=false")["totals"]
    assert (unbilled["totalMinutes"], unbilled["billableMinutes"]) == (125, 0)
    # A billed record takes no change, of its minutes or of what of them is billable.
    response = admin.patch(f"/api/v1/timeEntries/{not_billable['id']}", json={"billable": True})
    assert response.status_code == 403
    assert response.get_json()["key"] == "api.error.timetrack_billed"
    assert totals(admin)["totals"]["billableMinutes"] == 80
    kept_equals_rebuilt(app)
    records_are_the_sums_of_entries(app)
    admin.ok("delete", f"/invoices/{invoice['id']}", status=204)
    assert totals(admin)["totals"]["billedMinutes"] == 0
    admin.ok("patch", f"/timeEntries/{not_billable['id']}", {"billable": True})
    assert totals(admin)["totals"]["billableMinutes"] == 110
    kept_equals_rebuilt(app)
    records_are_the_sums_of_entries(app)


def test_actitime_record_writes_keep_the_marks(app, admin, setup):
    """A PATCH of the day record grows the cell's oldest untimed entry and shrinks its newest,
    marks and all; a billable entry beside them keeps counting."""
    marked = entry(admin, setup["design"], "2026-03-02", 30, billable=False)
    entry(admin, setup["design"], "2026-03-02", 20, start="2026-03-02T09:00:00Z")
    me = admin.ok("get", "/users/me")["id"]
    cell = f"/timetrack/{me}/2026-03-02/{setup['design']}"
    admin.ok("patch", cell, {"time": 90})
    assert admin.ok("get", f"/timeEntries/{marked['id']}")["minutes"] == 70
    whole = totals(admin)["totals"]
    assert (whole["totalMinutes"], whole["billableMinutes"]) == (90, 20)
    admin.ok("patch", cell, {"time": 25})
    assert admin.ok("get", f"/timeEntries/{marked['id']}")["minutes"] == 5
    whole = totals(admin)["totals"]
    assert (whole["totalMinutes"], whole["billableMinutes"]) == (25, 20)
    kept_equals_rebuilt(app)
    records_are_the_sums_of_entries(app)


def test_the_marks_survive_going_back_and_up_again(app, admin, setup):
    """Migration 0017 fills the marks and billed minutes from the entries; going back bills
    billed records whole, as the earlier version did, and the kept totals stay exact."""

    from timetracker.store.migrate import downgrade, upgrade

    entry(admin, setup["design"], "2026-03-02", 60)
    entry(admin, setup["design"], "2026-03-02", 30, billable=False)
    entry(admin, setup["build"], "2026-03-10", 20, billable=True)
    entry(admin, setup["build"], "2026-04-10", 45, billable=True)
    admin.ok(
        "post", "/invoices", {"number": "I-1", "dateFrom": "2026-03-01", "dateTo": "2026-03-31"}
    )
    before = totals(admin, "&groupBy=month,task")
    engine = app.extensions["timetracker"]["engine"]
    downgrade(engine, "0016")
    with engine.begin() as conn:
        billed = conn.exec_driver_sql(
            "SELECT SUM(minutes) FROM time_entries WHERE invoice_id IS NOT NULL"
        ).scalar()
    assert billed == 110  # the record of March 2nd whole, and the 20 of March 10th
    upgrade(engine)
    kept_equals_rebuilt(app)
    records_are_the_sums_of_entries(app)
    after = totals(admin, "&groupBy=month,task")
    marks = {(g["month"], g["taskId"]): g["totals"]["billableMinutes"] for g in after["groups"]}
    assert marks == {
        ("2026-03-01", setup["design"]): 60,
        ("2026-03-01", setup["build"]): 20,
        ("2026-04-01", setup["build"]): 45,
    }
    assert after["totals"]["billedMinutes"] == 110  # billed whole on the way back
    assert before["totals"]["billedMinutes"] == 80


def test_records_listed_as_billable_hold_billable_minutes(app, admin, setup):
    """GET /timetrack?billable=true lists the records holding billable minutes: a record of a
    task that is not billable with an entry marked billable, and not a billable task's record
    whose entries are all marked not billable."""
    entry(admin, setup["design"], "2026-03-02", 30, billable=False)
    entry(admin, setup["build"], "2026-03-03", 20, billable=True)
    entry(admin, setup["build"], "2026-03-04", 40)

    def listed(billable):
        body = admin.ok(
            "get", f"/timetrack?dateFrom=2026-03-01&dateTo=2026-03-31&billable={billable}"
        )
        return {(day["date"], r["taskId"]) for day in body["data"] for r in day["records"]}

    assert listed("true") == {("2026-03-03", setup["build"])}
    assert listed("false") == {("2026-03-02", setup["design"]), ("2026-03-04", setup["build"])}


def _marks_of_records(app) -> dict[tuple[str, int], tuple[int, int, int]]:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT date, task_id, minutes, marked_billable, marked_unbillable FROM day_records"
        )
        return {(str(day), task): (m, b, u) for day, task, m, b, u in rows}


def test_a_bulk_write_keeps_the_marks_itself(app, admin, setup):
    """An array of entries and an import leave the marks' triggers aside (migration 0021) and
    write the marks of the records they make or add to themselves: the records' marks and the
    kept totals are then what the cells' entries add up to, as a rebuild makes them, and the
    triggers keep them again for the writes that follow."""
    design, build = setup["design"], setup["build"]
    entry(admin, design, "2026-03-02", 60, billable=False)  # a record with a mark, gaining more
    entry(admin, build, "2026-03-03", 30)  # a record without marks, gaining some
    entry(admin, build, "2026-03-05", 25, billable=True)  # a record gaining unmarked time only
    untimed = {"taskId": build, "date": "2026-03-06", "minutes": 10, "billable": True}
    gone = admin.ok("post", "/timeEntries", untimed)
    admin.ok("delete", f"/timeEntries/{gone['id']}", status=204)  # deleted: no mark, no record
    items = [
        {"taskId": design, "date": "2026-03-02", "minutes": 15, "billable": True},
        {"taskId": design, "date": "2026-03-02", "minutes": 10},
        {"taskId": build, "date": "2026-03-03", "minutes": 20, "billable": True},
        {"taskId": build, "date": "2026-03-03", "minutes": 5, "billable": False},
        {"taskId": build, "date": "2026-03-05", "minutes": 35},
        {"taskId": build, "date": "2026-03-06", "minutes": 40, "billable": False},
        {"taskId": design, "date": "2026-04-01", "minutes": 50, "billable": True},
        {"taskId": build, "date": "2026-04-01", "minutes": 45},
        {
            "taskId": build,
            "start": "2026-04-02T09:00:00Z",
            "end": "2026-04-02T10:30:00Z",
            "billable": True,
        },
    ]
    admin.ok("post", "/timeEntries", items)
    records_are_the_sums_of_entries(app)
    kept_equals_rebuilt(app)
    assert _marks_of_records(app) == {
        ("2026-03-02", design): (85, 15, 60),
        ("2026-03-03", build): (55, 20, 5),
        ("2026-03-05", build): (60, 25, 0),
        ("2026-03-06", build): (40, 0, 40),
        ("2026-04-01", design): (50, 50, 0),
        ("2026-04-01", build): (45, 0, 0),
        ("2026-04-02", build): (90, 90, 0),
    }
    whole = totals(admin)["totals"]
    # Design is billable: all but what is marked not; Build is not: what is marked billable.
    assert whole["billableMinutes"] == (85 - 60) + 20 + 25 + 0 + 50 + 0 + 90

    # An import (this server's entries CSV) adds to the same cells and makes new ones.
    csv = (
        "username,customer,project,task,date,start,end,minutes,description,billable,tags\n"
        "admin,Acme,Website,Design,2026-03-02,,,20,,false,\n"
        "admin,Acme,Website,Build,2026-03-05,,,15,,true,\n"
        "admin,Acme,Website,Build,2026-05-04,,,30,,,\n"
        "admin,Acme,Website,Design,2026-05-04,,,25,,false,\n"
    )
    response = admin.client.post(
        "/api/v1/imports/entries",
        data=csv.encode(),
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["entriesCreated"] == 4
    records_are_the_sums_of_entries(app)
    kept_equals_rebuilt(app)
    marks = _marks_of_records(app)
    assert marks[("2026-03-02", design)] == (105, 15, 80)
    assert marks[("2026-03-05", build)] == (75, 40, 0)
    assert marks[("2026-05-04", build)] == (30, 0, 0)
    assert marks[("2026-05-04", design)] == (25, 0, 25)

    # The triggers keep the marks again for a single change after the bulk writes.
    one = entry(admin, build, "2026-05-04", 10, billable=True)
    admin.ok("patch", f"/timeEntries/{one['id']}", {"billable": False})
    assert _marks_of_records(app)[("2026-05-04", build)] == (40, 0, 10)
    records_are_the_sums_of_entries(app)
    kept_equals_rebuilt(app)
