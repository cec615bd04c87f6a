"""Leave time: set, shift, list; the shared 1440-minute day, locks and who may do what."""

from __future__ import annotations

import pytest

from timetracker.access import (
    ENTER_TIME_TRACK,
    LOCK_TIME_TRACK,
    MANAGE_ACCOUNTS,
    MANAGE_PTO_SICK,
    MODIFY_APPROVE_TIME_TRACK,
)

DAY = "2025-03-04"


@pytest.fixture
def leave_types(admin):
    return {t["name"]: t["id"] for t in admin.ok("get", "/leaveTypes")["items"]}


def path(user, leave_type, day=DAY, suffix=""):
    return f"/leavetime/{user}/{day}/{leave_type}{suffix}"


def error_key(response):
    return response.status_code, response.get_json()["key"]


def test_set_shift_read_and_delete(worker, leave_types):
    sick = leave_types["Sick Leave"]
    record = {"userId": worker.id, "date": DAY, "leaveTypeId": sick}
    assert worker.ok("get", path("worker", sick)) == {**record, "leaveTime": 0}
    assert worker.ok("patch", path("worker", sick), {"leaveTime": "240"}) == {
        **record,
        "leaveTime": 240,
    }
    assert (
        worker.ok("patch", path(worker.id, sick, suffix="/time"), {"delta": 60})["leaveTime"] == 300
    )
    response = worker.patch(path("worker", sick, suffix="/time"), json={"delta": -301})
    assert error_key(response) == (400, "api.error.negative_time")
    assert worker.ok("get", path("worker", sick))["leaveTime"] == 300  # refused, not clamped
    assert worker.ok("patch", path("worker", sick), {"leaveTime": 0})["leaveTime"] == 0
    assert worker.ok("get", "/leavetime?dateFrom=2025-03-01")["data"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "leaveTime"),
        ({"leaveTime": -1}, "leaveTime"),
        ({"leaveTime": 1441}, "leaveTime"),
        ({"leaveTime": "1h"}, "leaveTime"),
        ({"leaveTime": 1.5}, "leaveTime"),
        ({"time": 60}, "time"),
    ],
)
def test_bad_bodies(worker, leave_types, body, field):
    response = worker.patch(path("worker", leave_types["Vacation"]), json=body)
    assert error_key(response) == (400, "api.error.invalid_argument")
    assert field in response.get_json()["fields"]


def test_paths_are_checked(worker, leave_types):
    assert worker.get(path("worker", 999)).status_code == 404
    assert worker.get(path("nobody", leave_types["Vacation"])).status_code == 404
    response = worker.get(path("worker", leave_types["Vacation"], day="2025-02-30"))
    assert error_key(response) == (400, "api.error.invalid_argument")
    assert worker.get(path("worker", leave_types["Vacation"], day="today")).status_code == 200


def test_work_and_leave_share_the_day(worker, catalogue, leave_types):
    design = catalogue["tasks"]["design"]["id"]
    worker.ok("patch", f"/timetrack/worker/{DAY}/{design}", {"time": 1000})
    response = worker.patch(path("worker", leave_types["Vacation"]), json={"leaveTime": 441})
    assert error_key(response) == (400, "api.error.day_limit_exceeded")
    worker.ok("patch", path("worker", leave_types["Vacation"]), {"leaveTime": 440})
    response = worker.patch(f"/timetrack/worker/{DAY}/{design}/time", json={"delta": 1})
    assert error_key(response) == (400, "api.error.day_limit_exceeded")
    # Less is always fine.
    worker.ok("patch", f"/timetrack/worker/{DAY}/{design}/time", {"delta": -100})
    worker.ok("patch", path("worker", leave_types["Sick Leave"]), {"leaveTime": 100})


def test_locks_cover_leave(make_user, worker, leave_types):
    locker = make_user(LOCK_TIME_TRACK)
    vacation = leave_types["Vacation"]
    worker.ok("patch", path("worker", vacation), {"leaveTime": 480})
    locker.ok("post", "/timetrack/lock", {"dateFrom": DAY, "dateTo": DAY})
    for suffix, body in (("", {"leaveTime": 0}), ("/time", {"delta": -60})):
        response = worker.patch(path("worker", vacation, suffix=suffix), json=body)
        assert error_key(response) == (403, "api.error.timetrack_locked")
    assert worker.ok("get", path("worker", vacation))["leaveTime"] == 480
    worker.ok("patch", path("worker", vacation, day="2025-03-05"), {"leaveTime": 60})
    listed = worker.ok("get", "/leavetime?dateFrom=2025-03-01&includeReferenced=lockStatus")
    assert [(r["date"], r["locked"]) for r in listed["data"]] == [
        (DAY, True),
        ("2025-03-05", False),
    ]
    locker.ok("post", "/timetrack/unlock", {"dateFrom": DAY, "dateTo": DAY})
    worker.ok("patch", path("worker", vacation), {"leaveTime": 0})


def test_employment_and_archived_leave_types(admin, worker, leave_types):
    admin.ok("patch", f"/users/{worker.id}", {"hired": "2025-03-01"})
    response = worker.patch(
        path("worker", leave_types["Vacation"], day="2025-02-28"), json={"leaveTime": 60}
    )
    assert error_key(response) == (400, "api.error.outside_employment")
    unpaid = leave_types["Unpaid Leave"]
    worker.ok("patch", path("worker", unpaid), {"leaveTime": 120})
    admin.ok("patch", f"/leaveTypes/{unpaid}", {"archived": True})
    response = worker.patch(path("worker", unpaid, suffix="/time"), json={"delta": 1})
    assert error_key(response) == (400, "api.error.leave_type_archived")
    worker.ok("patch", path("worker", unpaid, suffix="/time"), {"delta": -20})  # less is fine
    assert worker.ok("get", path("worker", unpaid))["leaveTime"] == 100


def test_users_with_leave_cannot_be_deleted(admin, worker, leave_types):
    worker.ok("patch", path("worker", leave_types["Vacation"]), {"leaveTime": 60})
    assert error_key(admin.delete(f"/users/{worker.id}")) == (400, "api.error.user_has_data")


def test_who_may_read_and_change(admin, make_user, worker, leave_types):
    """Section 3.11: own (Enter Time-Track), all (PTO & Sick; M.A.&P. and see-all read only),
    team (Modify & Approve)."""
    sick = leave_types["Sick Leave"]
    worker.ok("patch", path("worker", sick), {"leaveTime": 60})
    pto_manager = make_user(MANAGE_PTO_SICK)
    accounts = make_user(MANAGE_ACCOUNTS)
    sees_all = make_user(ENTER_TIME_TRACK, sees_all_data=True)
    approver = make_user(MODIFY_APPROVE_TIME_TRACK)
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [worker.id]})
    stranger = make_user(MODIFY_APPROVE_TIME_TRACK)
    colleague = make_user(ENTER_TIME_TRACK)

    expectations = {  # who: (may read, may change)
        pto_manager: (True, True),
        accounts: (True, False),
        sees_all: (True, False),
        approver: (True, True),
        stranger: (False, False),
        colleague: (False, False),
    }
    for who, (may_read, may_change) in expectations.items():
        assert who.get(path(worker.id, sick)).status_code == (200 if may_read else 403)
        # A username out of reach answers as an unknown one: no path tells which exist.
        assert who.get(path("worker", sick)).status_code == (200 if may_read else 404)
        response = who.patch(path("worker", sick, suffix="/time"), json={"delta": 1})
        expected = 200 if may_change else 403 if may_read else 404
        assert response.status_code == expected, who.username
        listed = who.ok("get", "/leavetime?dateFrom=2025-03-01")["data"]
        assert (worker.id in {r["userId"] for r in listed}) == may_read, who.username
    assert worker.ok("get", path("worker", sick))["leaveTime"] == 62
    # Without Enter Time-Track one cannot enter one's own leave.
    manager_only = make_user(MODIFY_APPROVE_TIME_TRACK)
    assert manager_only.patch(path(manager_only.id, sick), json={"leaveTime": 5}).status_code == 403


def test_list_is_flat_per_user_day_and_leave_type(admin, worker, leave_types):
    sick, vacation = leave_types["Sick Leave"], leave_types["Vacation"]
    worker.ok("patch", path("worker", vacation, day="2025-03-04"), {"leaveTime": 480})
    worker.ok("patch", path("worker", sick, day="2025-03-04"), {"leaveTime": 60})
    worker.ok("patch", path("worker", vacation, day="2025-03-06"), {"leaveTime": 240})
    admin.ok("patch", path("admin", vacation, day="2025-03-05"), {"leaveTime": 120})

    body = admin.ok("get", "/leavetime?dateFrom=2025-03-03&dateTo=2025-03-10")
    assert body == {
        "dateFrom": "2025-03-03",
        "dateTo": "2025-03-10",
        "data": [
            {
                "userId": worker.id,
                "dayOffset": 1,
                "date": "2025-03-04",
                "leaveTypeId": sick,
                "leaveTime": 60,
            },
            {
                "userId": worker.id,
                "dayOffset": 1,
                "date": "2025-03-04",
                "leaveTypeId": vacation,
                "leaveTime": 480,
            },
            {
                "userId": 1,
                "dayOffset": 2,
                "date": "2025-03-05",
                "leaveTypeId": vacation,
                "leaveTime": 120,
            },
            {
                "userId": worker.id,
                "dayOffset": 3,
                "date": "2025-03-06",
                "leaveTypeId": vacation,
                "leaveTime": 240,
            },
        ],
    }
    # Filters, and dateTo defaulting to the last day with leave.
    body = admin.ok(
        "get", f"/leavetime?dateFrom=2025-03-01&userIds={worker.id}&leaveTypeIds={vacation}"
    )
    assert [(r["date"], r["leaveTime"]) for r in body["data"]] == [
        ("2025-03-04", 480),
        ("2025-03-06", 240),
    ]
    assert body["dateTo"] == "2025-03-06"
    # stopAfter keeps whole days and says where to go on.
    body = admin.ok("get", "/leavetime?dateFrom=2025-03-01&stopAfter=1")
    assert [r["date"] for r in body["data"]] == ["2025-03-04", "2025-03-04"]
    assert (body["dateTo"], body["nextDateFrom"]) == ("2025-03-04", "2025-03-05")
    # The worker sees only their own leave.
    assert {r["userId"] for r in worker.ok("get", "/leavetime?dateFrom=2025-03-01")["data"]} == {
        worker.id
    }


def test_list_references(admin, worker, leave_types):
    worker.ok("patch", path("worker", leave_types["Vacation"]), {"leaveTime": 480})
    body = admin.ok(
        "get",
        "/leavetime?dateFrom=2025-03-01&includeReferenced=users,departments,timeZoneGroups,leaveTypes",
    )
    assert list(body["users"]) == [str(worker.id)]
    assert body["users"][str(worker.id)]["username"] == "worker"
    assert list(body["departments"]) == ["-1"]
    assert list(body["timeZoneGroups"]) == ["-1"]
    vacation = body["leaveTypes"][str(leave_types["Vacation"])]
    assert vacation.pop("modified") > 0
    assert body["leaveTypes"] == {
        str(leave_types["Vacation"]): {
            "id": leave_types["Vacation"],
            "name": "Vacation",
            "balance": "PTO",
            "rateFactor": 1.0,
            "archived": False,
        }
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "dateFrom=2025-03-02&dateTo=2025-03-01",
        "dateFrom=2025-03-01&stopAfter=1001",
        "dateFrom=2025-03-01&includeReferenced=tasks",
        "dateFrom=2025-03-01&leaveTypeId=1",
    ],
)
def test_list_arguments(admin, query):
    assert admin.get(f"/leavetime?{query}").status_code == 400


def test_info_reports_leave_time(admin):
    assert admin.ok("get", "/info")["features"]["leavetimeRegistration"] is True
