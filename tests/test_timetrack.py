"""Time-track records: set, shift, delete, validation, locks and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest

from timetracker.access import (
    ENTER_TIME_TRACK,
    LOCK_TIME_TRACK,
    MODIFY_APPROVE_TIME_TRACK,
)

DAY = "2025-03-04"


@pytest.fixture
def setup(worker, catalogue):
    """A worker assigned to the Website project (tasks Design and Build)."""
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    return worker, tasks


def path(user, task, day=DAY, suffix=""):
    return f"/timetrack/{user}/{day}/{task}{suffix}"


def test_set_read_and_delete(setup):
    worker, tasks = setup
    design = tasks["design"]
    assert worker.ok("get", path("worker", design)) == {"taskId": design, "time": 0}
    body = worker.ok(
        "patch", path("worker", design), {"time": "120", "comment": "completed the task"}
    )
    assert body == {"taskId": design, "time": 120, "comment": "completed the task"}
    assert worker.ok("get", path(worker.id, design)) == body
    assert (
        worker.ok("patch", path("worker", design), {"time": 90})["comment"] == "completed the task"
    )  # the comment stays when only time is sent
    assert worker.ok("patch", path("worker", design), {"comment": None}) == {
        "taskId": design,
        "time": 90,
    }
    assert worker.ok("patch", path("worker", design), {"time": 0}) == {"taskId": design, "time": 0}


def test_delta(setup):
    worker, tasks = setup
    build = tasks["build"]
    assert worker.ok("patch", path("worker", build, suffix="/time"), {"delta": 30})["time"] == 30
    assert worker.ok("patch", path("worker", build, suffix="/time"), {"delta": "-20"})["time"] == 10
    response = worker.patch(path("worker", build, suffix="/time"), json={"delta": -11})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.negative_time"
    assert worker.ok("get", path("worker", build))["time"] == 10  # refused, not clamped
    assert worker.ok("patch", path("worker", build, suffix="/time"), {"delta": 0})["time"] == 10


def test_a_day_holds_at_most_1440_minutes(setup):
    worker, tasks = setup
    worker.ok("patch", path("worker", tasks["design"]), {"time": 1000})
    response = worker.patch(path("worker", tasks["build"]), json={"time": 441})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.day_limit_exceeded"
    worker.ok("patch", path("worker", tasks["build"]), {"time": 440})
    response = worker.patch(path("worker", tasks["build"], suffix="/time"), json={"delta": 1})
    assert response.get_json()["key"] == "api.error.day_limit_exceeded"
    # Another day is another budget.
    worker.ok("patch", path("worker", tasks["build"], day="2025-03-05"), {"time": 1440})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time": -1}, "time"),
        ({"time": 1441}, "time"),
        ({"time": "2h"}, "time"),
        ({"time": 1.5}, "time"),
        ({"time": True}, "time"),
        ({"minutes": 5}, "minutes"),
    ],
)
def test_bad_bodies(setup, body, field):
    worker, tasks = setup
    response = worker.patch(path("worker", tasks["design"]), json=body)
    assert response.status_code == 400 and field in response.get_json()["fields"]


def test_paths_are_checked(setup):
    worker, tasks = setup
    assert worker.get(path("worker", tasks["design"], day="2025-02-30")).status_code == 400
    assert worker.get(path("worker", tasks["design"], day="03-04-2025")).status_code == 400
    assert worker.get(path("worker", 9999)).status_code == 404
    assert worker.get(path("nobody", tasks["design"])).status_code == 404


def test_today_is_the_users_day(setup):
    worker, tasks = setup
    worker.ok("patch", path("worker", tasks["design"], day="today"), {"time": 15})
    # The worker's time zone group is the default, America/New_York.
    import zoneinfo

    today = dt.datetime.now(zoneinfo.ZoneInfo("America/New_York")).date().isoformat()
    assert worker.ok("get", path("worker", tasks["design"], day=today))["time"] == 15


def test_only_assigned_tasks_within_employment(admin, setup):
    worker, tasks = setup
    response = worker.patch(path("worker", tasks["release"]), json={"time": 10})
    assert response.status_code == 403  # not the worker's task: not theirs to change
    # The administrator may change the worker's time (Modify & Approve with Manage Scope of
    # Work over the whole company), but only on tasks assigned to the worker.
    response = admin.patch(path("worker", tasks["release"]), json={"time": 10})
    assert response.status_code == 400
    assert response.get_json()["key"] == "api.error.task_not_assigned"
    admin.ok("patch", path("worker", tasks["design"]), {"time": 10})
    admin.ok("patch", f"/users/{worker.id}", {"hired": "2025-03-10"})
    response = worker.patch(path("worker", tasks["design"]), json={"time": 10})
    assert response.get_json()["key"] == "api.error.outside_employment"


def test_locks(admin, make_user, setup):
    worker, tasks = setup
    locker = make_user(LOCK_TIME_TRACK)
    worker.ok("patch", path("worker", tasks["design"]), {"time": 60})
    assert worker.post("/timetrack/lock", json={"dateFrom": DAY, "dateTo": DAY}).status_code == 403
    body = locker.ok("post", "/timetrack/lock", {"dateFrom": "2025-03-01", "dateTo": "2025-03-31"})
    # Everyone is locked; the answer names the users the locker may see: itself.
    assert body["userIds"] == [locker.id]
    for method, suffix, payload in (("patch", "", {"time": 30}), ("patch", "/time", {"delta": 5})):
        response = getattr(worker, method)(
            path("worker", tasks["design"], suffix=suffix), json=payload
        )
        assert response.status_code == 403
        assert response.get_json()["key"] == "api.error.timetrack_locked"
    assert worker.ok("get", path("worker", tasks["design"]))["time"] == 60  # unchanged
    # Unlock one day of one user inside the all-users lock.
    assert locker.ok(
        "post", "/timetrack/unlock", {"userIds": [worker.id], "dateFrom": DAY, "dateTo": DAY}
    ) == {"userIds": [worker.id]}
    worker.ok("patch", path("worker", tasks["design"]), {"time": 30})
    response = worker.patch(path("worker", tasks["design"], day="2025-03-05"), json={"time": 30})
    assert response.get_json()["key"] == "api.error.timetrack_locked"
    # A later lock of everyone covers the unlocked day again.
    locker.ok("post", "/timetrack/lock", {"dateFrom": DAY, "dateTo": DAY})
    assert worker.patch(path("worker", tasks["design"]), json={"time": 45}).status_code == 403
    locker.ok("post", "/timetrack/unlock", {"dateFrom": "2025-01-01", "dateTo": "2025-12-31"})
    worker.ok("patch", path("worker", tasks["design"]), {"time": 45})


def test_lock_arguments(make_user):
    locker = make_user(LOCK_TIME_TRACK)
    response = locker.post(
        "/timetrack/lock", json={"dateFrom": "2025-03-02", "dateTo": "2025-03-01"}
    )
    assert response.get_json()["key"] == "api.error.invalid_date_range"
    response = locker.post(
        "/timetrack/lock", json={"userIds": [999], "dateFrom": DAY, "dateTo": DAY}
    )
    assert response.status_code == 404
    assert locker.post("/timetrack/lock", json={"dateFrom": DAY}).status_code == 400


def test_locking_everyone_for_a_year_is_one_row(app, make_user):
    from sqlalchemy import func, select

    from timetracker.store.schema import lock_events

    locker = make_user(LOCK_TIME_TRACK)
    for _ in range(3):
        locker.ok("post", "/timetrack/lock", {"dateFrom": "2025-01-01", "dateTo": "2025-12-31"})
    with app.extensions["timetracker"]["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(lock_events)).scalar_one() == 1


def test_who_may_read_and_change(admin, make_user, setup, catalogue):
    worker, tasks = setup
    acme = catalogue["customers"]["acme"]["id"]
    approver = make_user(MODIFY_APPROVE_TIME_TRACK)  # without Manage Scope of Work
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [worker.id]})
    admin.ok("put", f"/users/{approver.id}/scope", {"customerIds": [acme]})
    outsider = make_user(MODIFY_APPROVE_TIME_TRACK)  # no team
    other_worker = make_user(ENTER_TIME_TRACK, assign_all=True)

    worker.ok("patch", path("worker", tasks["design"]), {"time": 60})
    assert approver.ok("get", path("worker", tasks["design"]))["time"] == 60
    approver.ok("patch", path("worker", tasks["design"], suffix="/time"), {"delta": 15})
    # Scope covers Release, but it is not among the worker's assignments: not for an approver
    # without Manage Scope of Work.
    assert approver.patch(path("worker", tasks["release"]), json={"time": 5}).status_code == 403
    assert outsider.get(path(worker.id, tasks["design"])).status_code == 403
    assert outsider.patch(path(worker.id, tasks["design"]), json={"time": 5}).status_code == 403
    assert other_worker.get(path(worker.id, tasks["design"])).status_code == 403
    # A username out of reach answers as an unknown one: no path tells which usernames exist.
    assert outsider.get(path("worker", tasks["design"])).status_code == 404
    assert outsider.get(path("nobody", tasks["design"])).status_code == 404
    assert worker.ok("get", path("worker", tasks["design"]))["time"] == 75


def test_users_with_time_cannot_be_deleted(admin, setup):
    worker, tasks = setup
    worker.ok("patch", path("worker", tasks["design"]), {"time": 60})
    response = admin.delete(f"/users/{worker.id}")
    assert response.get_json()["key"] == "api.error.user_has_data"


# --- GET /timetrack -------------------------------------------------------------------------


@pytest.fixture
def tracked(admin, make_user, setup):
    """The worker's time over three days, plus the admin's own on the first."""
    worker, tasks = setup
    entries = [
        ("2025-03-04", "design", 120, "kick-off"),
        ("2025-03-04", "build", 150, None),
        ("2025-03-05", "build", 290, None),
        ("2025-03-07", "design", 60, None),
    ]
    for day, task, minutes, comment in entries:
        body = {"time": minutes, **({"comment": comment} if comment else {})}
        worker.ok("patch", path("worker", tasks[task], day=day), body)
    admin.ok("patch", path("admin", tasks["release"], day="2025-03-04"), {"time": 30})
    return worker, tasks


def test_list_is_grouped_per_user_and_day(admin, tracked):
    worker, tasks = tracked
    body = worker.ok("get", "/timetrack?dateFrom=2025-03-04&dateTo=2025-03-06")
    assert body == {
        "dateFrom": "2025-03-04",
        "dateTo": "2025-03-06",
        "data": [
            {
                "userId": worker.id,
                "dayOffset": 0,
                "date": "2025-03-04",
                "records": [
                    {"taskId": tasks["design"], "time": 120},
                    {"taskId": tasks["build"], "time": 150},
                ],
            },
            {
                "userId": worker.id,
                "dayOffset": 1,
                "date": "2025-03-05",
                "records": [{"taskId": tasks["build"], "time": 290}],
            },
        ],
    }
    # The worker reads only their own time; the administrator reads everyone's.
    everyone = admin.ok("get", "/timetrack?dateFrom=2025-03-04&dateTo=2025-03-04")
    assert [d["userId"] for d in everyone["data"]] == [1, worker.id]


def test_list_without_date_to_runs_to_the_last_tracked_day(tracked):
    worker, _ = tracked
    body = worker.ok("get", "/timetrack?dateFrom=2025-03-05")
    assert body["dateTo"] == "2025-03-07"
    assert [d["date"] for d in body["data"]] == ["2025-03-05", "2025-03-07"]


def test_stop_after_keeps_whole_days(admin, tracked):
    worker, _ = tracked
    body = admin.ok("get", "/timetrack?dateFrom=2025-03-01&stopAfter=2")
    # 2025-03-04 holds 3 records (two of the worker's, one of the admin's): all of them come,
    # and the answer stops there.
    assert [(d["userId"], d["date"]) for d in body["data"]] == [
        (1, "2025-03-04"),
        (worker.id, "2025-03-04"),
    ]
    assert sum(len(d["records"]) for d in body["data"]) == 3
    assert (body["dateTo"], body["nextDateFrom"]) == ("2025-03-04", "2025-03-05")
    rest = admin.ok("get", f"/timetrack?dateFrom={body['nextDateFrom']}&stopAfter=2")
    assert [d["date"] for d in rest["data"]] == ["2025-03-05", "2025-03-07"]
    assert "nextDateFrom" not in rest
    # Exactly stopAfter records in all: everything, and nothing to continue from.
    exact = admin.ok("get", "/timetrack?dateFrom=2025-03-01&stopAfter=5")
    assert sum(len(d["records"]) for d in exact["data"]) == 5
    assert "nextDateFrom" not in exact
    assert exact["dateTo"] == "2025-03-07"


def test_filters_priority_comments_and_references(admin, tracked, catalogue):
    worker, tasks = tracked
    query = (
        f"/timetrack?dateFrom=2025-03-04&dateTo=2025-03-04&taskIds={tasks['design']}"
        f"&customerIds={catalogue['customers']['globex']['id']}"
    )
    body = admin.ok("get", query + "&includeReferenced=comments,tasks,users,projects")
    assert body["data"] == [
        {
            "userId": worker.id,
            "dayOffset": 0,
            "date": "2025-03-04",
            "records": [{"taskId": tasks["design"], "time": 120, "comment": "kick-off"}],
        }
    ]
    assert list(body["tasks"]) == [str(tasks["design"])]
    assert body["users"][str(worker.id)]["username"] == "worker"
    assert list(body["projects"]) == [str(catalogue["projects"]["web"]["id"])]
    by_project = admin.ok(
        "get",
        "/timetrack?dateFrom=2025-03-04&dateTo=2025-03-04"
        f"&projectIds={catalogue['projects']['app']['id']}",
    )
    assert [d["userId"] for d in by_project["data"]] == [1]
    by_user = admin.ok("get", f"/timetrack?dateFrom=2025-03-01&userIds={worker.id}")
    assert {d["userId"] for d in by_user["data"]} == {worker.id}


def test_every_kind_of_referenced_object_can_be_included(admin, tracked):
    worker, tasks = tracked
    kinds = [
        "tasks",
        "projects",
        "customers",
        "typesOfWork",
        "workflowStatuses",
        "users",
        "departments",
        "timeZoneGroups",
    ]
    body = admin.ok(
        "get",
        f"/timetrack?dateFrom=2025-03-04&dateTo=2025-03-04&userIds={worker.id}"
        f"&includeReferenced={','.join(kinds)}",
    )
    task = body["tasks"][str(tasks["design"])]
    assert body["workflowStatuses"][str(task["workflowStatusId"])]["name"] == "New"
    assert body["typesOfWork"][str(task["typeOfWorkId"])]["name"] == task["typeOfWorkName"]
    assert set(body["customers"]) == {str(task["customerId"])}
    assert set(body["departments"]) == set(body["timeZoneGroups"]) == {"-1"}
    for kind in kinds:
        assert body[kind], kind


def test_list_shows_locked_days(admin, make_user, tracked):
    worker, _ = tracked
    make_user(LOCK_TIME_TRACK, username="locker").ok(
        "post",
        "/timetrack/lock",
        {"userIds": [worker.id], "dateFrom": "2025-03-05", "dateTo": "2025-03-31"},
    )
    body = worker.ok("get", "/timetrack?dateFrom=2025-03-04&includeReferenced=lockStatus")
    assert [(d["date"], d["locked"]) for d in body["data"]] == [
        ("2025-03-04", False),
        ("2025-03-05", True),
        ("2025-03-07", True),
    ]


def test_list_arguments(admin):
    assert admin.get("/timetrack").status_code == 400  # dateFrom is required
    response = admin.get("/timetrack?dateFrom=2025-03-04&dateTo=2025-03-01")
    assert response.get_json()["key"] == "api.error.invalid_date_range"
    assert admin.get("/timetrack?dateFrom=2025-03-04&stopAfter=1001").status_code == 400
    assert admin.ok("get", "/timetrack?dateFrom=2025-03-04")["data"] == []


@pytest.mark.parametrize("day", ["9999-12-31", "1969-12-31", "3001-01-01", "2026-02-30"])
def test_a_path_date_outside_the_calendar_is_refused(setup, day):
    worker, tasks = setup
    response = worker.patch(path("worker", tasks["design"], day=day), json={"time": 5})
    assert response.status_code == 400
    assert response.get_json()["fields"] == "date"
    assert worker.ok("get", f"/timetrack?dateFrom=1970-01-01&userIds={worker.id}")["data"] == []
