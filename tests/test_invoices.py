"""Invoices: billing records, the totals, releasing them, what a billed record refuses, the
billing filters of GET /timetrack, and an invoice racing a change of time."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from timetracker.access import ENTER_TIME_TRACK
from timetracker.store.schema import day_records

MARCH = {"dateFrom": "2025-03-01", "dateTo": "2025-03-31"}


def path(user, day, task, suffix=""):
    return f"/timetrack/{user}/{day}/{task}{suffix}"


@pytest.fixture
def billing(admin, make_user, catalogue):
    """Acme (Website: Design, Build; Mobile app: Release) and Globex (ERP: Migrate); Build's type
    of work is not billable. The worker and another user track time in March, and in April."""
    internal = admin.ok("post", "/typesOfWork", {"name": "Internal", "billable": False})
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    admin.ok("patch", f"/tasks/{tasks['build']}", {"typeOfWorkId": internal["id"]})
    for name in ("worker", "other"):
        make_user(ENTER_TIME_TRACK, username=name, assign_all=True)
    for user, day, task, minutes in (
        ("worker", "2025-03-03", "design", 60),
        ("worker", "2025-03-04", "build", 30),
        ("worker", "2025-03-05", "release", 45),
        ("worker", "2025-03-06", "migrate", 120),
        ("other", "2025-03-03", "design", 90),
        ("worker", "2025-04-01", "design", 10),
    ):
        admin.ok("patch", path(user, day, tasks[task]), {"time": minutes})
    customers = {name: c["id"] for name, c in catalogue["customers"].items()}
    projects = {name: p["id"] for name, p in catalogue["projects"].items()}
    return tasks, customers, projects


def records(admin, **args):
    """(user, date, taskId, time, billable, billed, invoiceId) of every record from March on."""
    query = "&".join(f"{k}={v}" for k, v in args.items())
    body = admin.ok(
        "get", f"/timetrack?dateFrom=2025-03-01&includeReferenced=billingStatus&{query}"
    )
    return [
        (d["userId"], d["date"], r["taskId"], r["time"], r["billable"], r["billed"], r["invoiceId"])
        for d in body["data"]
        for r in d["records"]
    ]


def billed_by(admin, invoice_id):
    return {(r[1], r[2]) for r in records(admin) if r[6] == invoice_id}


def test_lifecycle(admin, billing):
    tasks, customers, _ = billing
    acme = admin.ok(
        "post", "/invoices", {"number": "INV-1", **MARCH, "customerIds": [customers["acme"]]}
    )
    assert acme["records"] == 3 and acme["billedMinutes"] == 60 + 45 + 90
    assert (acme["number"], acme["dateFrom"], acme["dateTo"]) == ("INV-1", *MARCH.values())
    assert acme["customerIds"] == [customers["acme"]] and acme["userIds"] is None
    assert acme["createdBy"] == 1 and isinstance(acme["created"], int)
    assert billed_by(admin, acme["id"]) == {
        ("2025-03-03", tasks["design"]),
        ("2025-03-05", tasks["release"]),
    }
    assert admin.ok("get", f"/invoices/{acme['id']}") == acme

    # The number is taken, whatever its case: nothing is made, nothing billed.
    response = admin.post("/invoices", json={"number": "inv-1", **MARCH})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.invoice_exists"
    assert len(admin.ok("get", "/invoices")["items"]) == 1
    assert len(billed_by(admin, None)) == 3  # build, migrate, April's design

    # The rest of March: only what is billable and not billed yet.
    rest = admin.ok("post", "/invoices", {"number": "INV-2", **MARCH})
    assert (rest["records"], rest["billedMinutes"]) == (1, 120)
    again = admin.ok("post", "/invoices", {"number": "INV-3", **MARCH})
    assert (again["records"], again["billedMinutes"]) == (0, 0)

    listed = admin.ok("get", "/invoices?sort=-number&limit=2")["items"]
    assert [i["number"] for i in listed] == ["INV-3", "INV-2"]
    listed = admin.ok("get", f"/invoices?ids={acme['id']},{rest['id']}&sort=created&offset=1")
    assert [i["number"] for i in listed["items"]] == ["INV-2"]

    # Deleting releases the records; they can be billed again.
    admin.ok("delete", f"/invoices/{acme['id']}", status=204)
    assert admin.get(f"/invoices/{acme['id']}").status_code == 404
    assert billed_by(admin, acme["id"]) == set()
    anew = admin.ok("post", "/invoices", {"number": "INV-1", **MARCH})
    assert (anew["records"], anew["billedMinutes"]) == (3, 195)


def test_filters_of_an_invoice(admin, billing):
    tasks, customers, projects = billing
    worker_id = records(admin)[0][0]
    body = {
        "number": "P",
        **MARCH,
        "projectIds": [projects["app"]],
        "customerIds": [customers["globex"]],
    }
    # projectIds wins over customerIds, as in GET /timetrack.
    assert admin.ok("post", "/invoices", body)["billedMinutes"] == 45
    by_user = admin.ok("post", "/invoices", {"number": "U", **MARCH, "userIds": [worker_id]})
    assert by_user["billedMinutes"] == 60 + 120 and by_user["userIds"] == [worker_id]


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        (
            {"number": "X", "dateFrom": "2025-03-02", "dateTo": "2025-03-01"},
            400,
            "invalid_date_range",
        ),
        ({"number": " ", **MARCH}, 400, "invalid_argument"),
        ({**MARCH}, 400, "invalid_argument"),
        ({"number": "X", "dateFrom": "2025-03-01"}, 400, "invalid_argument"),
        ({"number": "X", **MARCH, "customerIds": []}, 400, "invalid_argument"),
        ({"number": "X", **MARCH, "customerIds": [999]}, 404, "object_not_found"),
        ({"number": "X", **MARCH, "projectIds": [999]}, 404, "object_not_found"),
        ({"number": "X", **MARCH, "userIds": [999]}, 404, "object_not_found"),
    ],
)
def test_bad_invoices_change_nothing(admin, billing, body, status, key):
    before = records(admin)
    response = admin.post("/invoices", json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["key"] == f"api.error.{key}"
    assert records(admin) == before
    assert admin.ok("get", "/invoices")["items"] == []


def test_invoices_are_not_modified(admin, billing):
    invoice = admin.ok("post", "/invoices", {"number": "INV-1", **MARCH})
    assert admin.patch(f"/invoices/{invoice['id']}", json={"number": "B"}).status_code == 405


def test_a_billed_record_refuses_every_change(admin, billing):
    tasks, *_ = billing
    admin.ok("post", "/invoices", {"number": "INV-1", **MARCH})
    before = records(admin)
    design = path("worker", "2025-03-03", tasks["design"])
    for suffix, body in (
        ("", {"time": 30}),
        ("", {"time": 0}),
        ("", {"comment": "late note"}),
        ("/time", {"delta": 5}),
        ("/time", {"delta": -60}),
    ):
        response = admin.patch(design + suffix, json=body)
        assert response.status_code == 403, body
        assert response.get_json()["key"] == "api.error.timetrack_billed"
    assert records(admin) == before
    # Unbilled records of the same user and day, and new ones, take changes.
    admin.ok("patch", path("worker", "2025-03-03", tasks["migrate"]), {"time": 15})
    admin.ok("patch", path("worker", "2025-03-04", tasks["build"]), {"time": 35})


@pytest.mark.parametrize("kind", ["task", "project", "customer"])
def test_billed_time_blocks_deleting_its_task_project_and_customer(admin, billing, kind):
    tasks, customers, projects = billing
    object_id = {"task": tasks["design"], "project": projects["web"], "customer": customers["acme"]}
    url = f"/{kind}s/{object_id[kind]}"
    invoice = admin.ok("post", "/invoices", {"number": "INV-1", **MARCH})
    before = records(admin)
    for query in ("", "?revokeApprovedWeeks=true"):
        response = admin.delete(url + query)
        assert response.status_code == 400
        assert response.get_json()["key"] == "api.error.billed_time"
    admin.ok("get", url)
    assert records(admin) == before
    admin.ok("delete", f"/invoices/{invoice['id']}", status=204)
    admin.ok("delete", url, status=204)


def test_a_user_with_billed_time_cannot_be_deleted(admin, billing):
    admin.ok("post", "/invoices", {"number": "INV-1", **MARCH})
    worker_id = records(admin)[0][0]
    response = admin.delete(f"/users/{worker_id}")
    assert response.get_json()["key"] == "api.error.user_has_data"


def test_timetrack_billing_filters(admin, billing):
    tasks, *_ = billing
    invoice = admin.ok("post", "/invoices", {"number": "INV-1", **MARCH, "dateTo": "2025-03-04"})
    everything = records(admin)
    assert {r[2] for r in everything if not r[4]} == {tasks["build"]}
    billed = records(admin, billed="true")
    assert {(r[1], r[2]) for r in billed} == {("2025-03-03", tasks["design"])}
    assert all(r[5] and r[6] == invoice["id"] for r in billed)
    unbilled = records(admin, billed="false", billable="true")
    assert [r[3] for r in unbilled] == [45, 120, 10]
    assert all(r[6] is None and not r[5] for r in unbilled)
    assert [r[3] for r in records(admin, billable="false")] == [30]
    # The filters apply in SQL: stopAfter counts only what they keep.
    body = admin.ok("get", "/timetrack?dateFrom=2025-03-01&billable=true&billed=false&stopAfter=2")
    assert [r["time"] for d in body["data"] for r in d["records"]] == [45, 120]
    assert body["nextDateFrom"] == "2025-04-01"
    assert admin.get("/timetrack?dateFrom=2025-03-01&billed=maybe").status_code == 400


def test_an_invoice_racing_a_change_of_time(unthrottled, write_window, make_user):
    """A change passes its checks and, while it is about to write, an invoice bills the
    record: the record ends either billed with the minutes the invoice counted, or changed and
    billed after the change, never changed after it was billed."""
    app, admin, task = unthrottled
    worker = make_user(ENTER_TIME_TRACK, username="worker", assign_all=True)
    worker.client = app.test_client()
    day = "2025-03-04"
    worker.ok("patch", path("worker", day, task), {"time": 60})
    key = (day_records.c.user_id == worker.id, day_records.c.task_id == task)

    checked = write_window

    def patch(answers, number):
        answers["patch"] = worker.patch(path("worker", day, task, "/time"), json={"delta": 1})

    def bill(answers, number):
        checked.wait(5)
        answers["invoice"] = admin.post("/invoices", json={"number": number, **MARCH})

    changed_after = 0
    for round_number in range(60):
        answers: dict[str, object] = {}
        threads = [
            threading.Thread(target=f, args=(answers, f"R{round_number}")) for f in (patch, bill)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        invoice = answers["invoice"]
        assert invoice.status_code == 200
        assert answers["patch"].status_code in (200, 403)
        with app.extensions["timetracker"]["engine"].connect() as conn:
            minutes, invoice_id = conn.execute(
                select(day_records.c.minutes, day_records.c.invoice_id).where(*key)
            ).one()
        assert invoice_id == invoice.get_json()["id"]
        if minutes != invoice.get_json()["billedMinutes"]:
            changed_after += 1
        admin.ok("delete", f"/invoices/{invoice_id}", status=204)
        checked.clear()
    assert changed_after == 0
