"""The company's rounding of reported time: totals, the reports built on them and invoices
report rounded time (per entry, or per day and task); the stored minutes never change."""

from __future__ import annotations

import pytest

from timetracker.access import ENTER_TIME_TRACK

MINUTES = (7, 8, 15, 22)  # one day, one task: 52 minutes


@pytest.fixture
def design(admin, catalogue):
    task = catalogue["tasks"]["design"]["id"]
    type_of_work = admin.ok("get", f"/tasks/{task}")["typeOfWorkId"]
    admin.ok("patch", f"/typesOfWork/{type_of_work}", {"rate": 60})  # a minute earns 1
    return task


def track(admin, task, day="2026-03-02", minutes=MINUTES, **more):
    return [
        admin.ok("post", "/timeEntries", {"taskId": task, "date": day, "minutes": m, **more})
        for m in minutes
    ]


def round_as(admin, mode, minutes=15, scope="entry"):
    body = {"rounding": {"mode": mode, "minutes": minutes, "scope": scope}}
    return admin.ok("patch", "/timeEntrySettings", body)


def total(admin, query=""):
    path = f"/timetrack/totals?dateFrom=2026-01-01&dateTo=2026-12-31{query}"
    return admin.ok("get", path)["totals"]


def test_the_setting_defaults_to_none_and_changes_in_parts(admin):
    assert admin.ok("get", "/timeEntrySettings")["rounding"] == {
        "mode": "none",
        "minutes": 15,
        "scope": "entry",
    }
    changed = admin.ok("patch", "/timeEntrySettings", {"rounding": {"mode": "up"}})
    assert changed["rounding"] == {"mode": "up", "minutes": 15, "scope": "entry"}
    assert changed["allowOverlaps"] is True
    changed = admin.ok(
        "patch", "/timeEntrySettings", {"rounding": {"minutes": 6, "scope": "dayTask"}}
    )
    assert changed["rounding"] == {"mode": "up", "minutes": 6, "scope": "dayTask"}
    assert admin.ok("get", "/timeEntrySettings")["rounding"] == changed["rounding"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rounding": {"mode": "sideways"}},
        {"rounding": {"minutes": 0}},
        {"rounding": {"minutes": 61}},
        {"rounding": {"minutes": "15"}},
        {"rounding": {"minutes": 7.5}},
        {"rounding": {"scope": "week"}},
        {"rounding": {"mode": "up", "extra": 1}},
        {"rounding": "up"},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(admin, body):
    response = admin.patch("/api/v1/timeEntrySettings", json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["key"] == "api.error.invalid_argument"
    assert admin.ok("get", "/timeEntrySettings")["rounding"]["mode"] == "none"


def test_only_the_settings_managers_change_it(admin, make_user):
    worker = make_user(ENTER_TIME_TRACK)
    response = worker.patch("/api/v1/timeEntrySettings", json={"rounding": {"mode": "up"}})
    assert response.status_code == 403
    assert worker.ok("get", "/timeEntrySettings")["rounding"]["mode"] == "none"


@pytest.mark.parametrize(
    "mode, scope, expected",
    [
        ("none", "entry", 52),
        ("up", "entry", 15 + 15 + 15 + 30),
        ("down", "entry", 0 + 0 + 15 + 15),
        ("nearest", "entry", 0 + 15 + 15 + 15),  # 8 is past 7.5: up; 22 is before 22.5: down
        ("up", "dayTask", 60),
        ("down", "dayTask", 45),
        ("nearest", "dayTask", 45),
    ],
)
def test_totals_are_rounded_per_entry_or_per_day_and_task(admin, design, mode, scope, expected):
    track(admin, design)
    round_as(admin, mode, 15, scope)
    answered = total(admin)
    assert answered["totalMinutes"] == expected
    assert answered["billableMinutes"] == expected
    assert answered["revenue"] == float(expected)  # a rate of 60 per hour
    by_day = admin.ok("get", "/timetrack/totals?dateFrom=2026-03-01&dateTo=2026-03-31&groupBy=day")
    assert [g["totals"]["totalMinutes"] for g in by_day["groups"]] == [expected]
    summary = admin.ok("get", "/reports/summary?dateFrom=2026-01-01&dateTo=2026-12-31")
    assert summary["totals"]["totalMinutes"] == expected
    # What is stored stays as tracked.
    me = admin.ok("get", "/users/me")["id"]
    record = admin.ok("get", f"/timetrack/{me}/2026-03-02/{design}")
    assert record["time"] == 52
    listed = admin.ok("get", "/timeEntries?dateFrom=2026-03-02&dateTo=2026-03-02")["items"]
    assert sorted(e["minutes"] for e in listed) == sorted(MINUTES)


def test_values_on_a_multiple_stay(admin, design):
    track(admin, design, minutes=(30,))
    track(admin, design, day="2026-03-03", minutes=(45,))
    for mode in ("up", "down", "nearest"):
        for scope in ("entry", "dayTask"):
            round_as(admin, mode, 15, scope)
            assert total(admin)["totalMinutes"] == 75, (mode, scope)


def test_rounding_counts_billable_and_billed_parts_on_their_own(admin, design):
    track(admin, design, minutes=(10, 20))
    track(admin, design, minutes=(5,), billable=False)
    round_as(admin, "up", 15, "entry")
    answered = total(admin)
    assert (answered["totalMinutes"], answered["billableMinutes"]) == (15 + 30 + 15, 45)
    assert total(admin, "&billable=false")["totalMinutes"] == 15
    round_as(admin, "up", 15, "dayTask")
    answered = total(admin)
    # The day's 35 minutes round to 45; its billable 30 stay 30.
    assert (answered["totalMinutes"], answered["billableMinutes"]) == (45, 30)
    invoice = admin.ok(
        "post", "/invoices", {"number": "R-1", "dateFrom": "2026-03-01", "dateTo": "2026-03-31"}
    )
    assert (invoice["billedMinutes"], invoice["reportedMinutes"]) == (30, 30)
    assert total(admin)["billedMinutes"] == 30


def test_an_invoice_keeps_the_rounding_it_was_made_with(admin, design):
    track(admin, design)
    round_as(admin, "up", 15, "entry")
    invoice = admin.ok(
        "post", "/invoices", {"number": "R-1", "dateFrom": "2026-03-01", "dateTo": "2026-03-31"}
    )
    assert (invoice["billedMinutes"], invoice["reportedMinutes"]) == (52, 75)
    assert total(admin)["billedMinutes"] == 75
    round_as(admin, "none")
    again = admin.ok("get", f"/invoices/{invoice['id']}")
    assert (again["billedMinutes"], again["reportedMinutes"]) == (52, 75)
    assert total(admin)["billedMinutes"] == 52


def test_periods_across_months_and_tags_are_rounded_alike(admin, design):
    tag = admin.ok("post", "/tags", {"name": "Client"})["id"]
    track(admin, design, day="2026-02-27", minutes=(10,), tagIds=[tag])
    track(admin, design, day="2026-03-02", minutes=(10, 10))
    track(admin, design, day="2026-04-30", minutes=(50,), tagIds=[tag])
    round_as(admin, "up", 30, "dayTask")
    by_month = admin.ok("get", "/timetrack/totals?groupBy=month")
    assert {g["month"]: g["totals"]["totalMinutes"] for g in by_month["groups"]} == {
        "2026-02-01": 30,
        "2026-03-01": 30,
        "2026-04-01": 60,
    }
    by_tag = admin.ok("get", "/timetrack/totals?groupBy=tag")
    assert {g["tagId"]: g["totals"]["totalMinutes"] for g in by_tag["groups"]} == {
        tag: 30 + 60,
        None: 30,
    }
    round_as(admin, "up", 30, "entry")
    assert total(admin, "&tagIds=" + str(tag))["totalMinutes"] == 90
    assert total(admin)["totalMinutes"] == 30 * 3 + 60
