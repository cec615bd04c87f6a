"""Approval per user and week: approve, reject, revoke; approved weeks refuse changes."""

from __future__ import annotations

import pytest

from timetracker.access import MODIFY_APPROVE_TIME_TRACK

TUESDAY = "2025-03-04"  # the company week starts on Monday: 2025-03-03 .. 2025-03-09
NEXT_MONDAY = "2025-03-10"


@pytest.fixture
def team(worker, admin, make_user, catalogue):
    """A worker with time on Tuesday and next Monday, and an approver whose team holds them."""
    approver = make_user(MODIFY_APPROVE_TIME_TRACK, username="approver", scope_all=True)
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [worker.id]})
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    for day in (TUESDAY, NEXT_MONDAY):
        worker.ok("patch", f"/timetrack/worker/{day}/{tasks['design']}", {"time": 60})
    return worker, approver, tasks


def approve(who, status=200, **body):
    return who.ok(
        "post",
        "/timetrack/approve",
        {"dateFrom": TUESDAY, "dateTo": TUESDAY, **body},
        status=status,
    )


def key(response):
    return response.status_code, response.get_json()["key"]


def test_approving_locks_the_whole_week(team, admin):
    worker, approver, tasks = team
    assert approve(approver, userIds=[worker.id]) == {
        "userIds": [worker.id],
        "dateFrom": "2025-03-03",
        "dateTo": "2025-03-09",
    }
    vacation = admin.ok("get", "/leaveTypes?name=Vacation")["items"][0]["id"]
    for day in ("2025-03-03", TUESDAY, "2025-03-09"):
        for url, body in (
            (f"/timetrack/worker/{day}/{tasks['design']}", {"time": 30}),
            (f"/timetrack/worker/{day}/{tasks['build']}/time", {"delta": 5}),
            (f"/leavetime/worker/{day}/{vacation}", {"leaveTime": 60}),
        ):
            assert key(worker.patch(url, json=body)) == (403, "api.error.timetrack_approved")
            # Nobody may change it, not even the approver.
            assert approver.patch(url, json=body).status_code == 403
    assert worker.ok("get", f"/timetrack/worker/{TUESDAY}/{tasks['design']}")["time"] == 60
    # The next week is open.
    worker.ok("patch", f"/timetrack/worker/{NEXT_MONDAY}/{tasks['design']}", {"time": 90})
    # Revoking opens the week again.
    approver.ok("post", "/timetrack/revoke", {"dateFrom": TUESDAY, "dateTo": TUESDAY})
    worker.ok("patch", f"/timetrack/worker/{TUESDAY}/{tasks['design']}", {"time": 30})


def test_list_filter_and_status(team):
    worker, approver, tasks = team
    approve(approver)  # userIds omitted: the approver's team
    query = "/timetrack?dateFrom=2025-03-01&dateTo=2025-03-31"
    approved = approver.ok("get", query + "&approved=true")["data"]
    assert [(d["userId"], d["date"]) for d in approved] == [(worker.id, TUESDAY)]
    pending = approver.ok("get", query + "&approved=false")["data"]
    assert [(d["userId"], d["date"]) for d in pending] == [(worker.id, NEXT_MONDAY)]
    days = approver.ok("get", query + "&includeReferenced=approvalStatus")["data"]
    assert [(d["date"], d["approved"]) for d in days] == [(TUESDAY, True), (NEXT_MONDAY, False)]
    assert "rejected" not in days[0]

    approver.ok(
        "post",
        "/timetrack/reject",
        {
            "userIds": [worker.id],
            "dateFrom": NEXT_MONDAY,
            "dateTo": NEXT_MONDAY,
            "comment": "Design took 30 minutes, not 60",
        },
    )
    days = worker.ok("get", query + "&includeReferenced=approvalStatus")["data"]
    assert days[1] == {
        "userId": worker.id,
        "dayOffset": 9,
        "date": NEXT_MONDAY,
        "records": [{"taskId": tasks["design"], "time": 60}],
        "approved": False,
        "rejected": True,
        "rejectionComment": "Design took 30 minutes, not 60",
    }
    # A rejected week stays open to fix it.
    worker.ok("patch", f"/timetrack/worker/{NEXT_MONDAY}/{tasks['design']}", {"time": 30})
    # A rejection replaces an approval, and a revoke clears either.
    approver.ok("post", "/timetrack/reject", {"dateFrom": TUESDAY, "dateTo": TUESDAY})
    worker.ok("patch", f"/timetrack/worker/{TUESDAY}/{tasks['design']}", {"time": 45})
    approver.ok("post", "/timetrack/revoke", {"dateFrom": "2025-03-01", "dateTo": "2025-03-31"})
    days = worker.ok("get", query + "&includeReferenced=approvalStatus")["data"]
    assert [d["approved"] for d in days] == [False, False]
    assert not any("rejected" in d for d in days)


def test_who_may_approve(team, admin, make_user):
    worker, approver, _ = team
    for who in (worker, make_user(MODIFY_APPROVE_TIME_TRACK)):  # no permission; not their team
        response = who.post(
            "/timetrack/approve",
            json={"userIds": [worker.id], "dateFrom": TUESDAY, "dateTo": TUESDAY},
        )
        assert key(response) == (403, "api.error.access_denied")
    # The approver's own weeks are not theirs to approve.
    response = approver.post(
        "/timetrack/approve",
        json={"userIds": [approver.id], "dateFrom": TUESDAY, "dateTo": TUESDAY},
    )
    assert response.status_code == 403
    # A manager with no team approves nobody when userIds is omitted.
    assert approve(make_user(MODIFY_APPROVE_TIME_TRACK))["userIds"] == []
    # The administrator's team is the whole company.
    assert set(approve(admin)["userIds"]) >= {1, worker.id, approver.id}


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"dateFrom": "2025-03-05", "dateTo": "2025-03-04"}, 400, "api.error.invalid_date_range"),
        ({"dateFrom": "2025-01-01", "dateTo": "2026-02-01"}, 400, "api.error.invalid_date_range"),
        ({"dateFrom": TUESDAY}, 400, "api.error.invalid_argument"),
        (
            {"dateFrom": TUESDAY, "dateTo": TUESDAY, "userIds": [999]},
            404,
            "api.error.object_not_found",
        ),
        (
            {"dateFrom": TUESDAY, "dateTo": TUESDAY, "comment": "x"},
            400,
            "api.error.invalid_argument",
        ),  # a comment belongs to a rejection
    ],
)
def test_arguments(admin, body, status, error):
    assert key(admin.post("/timetrack/approve", json=body)) == (status, error)


def test_weeks_follow_the_company_week_start(app, admin, team):
    from sqlalchemy import update

    from timetracker.store.schema import company_settings

    worker, approver, tasks = team
    with app.extensions["timetracker"]["engine"].begin() as conn:
        conn.execute(
            update(company_settings)
            .where(company_settings.c.key == "day_of_week_start")
            .values(value="0")
        )
    assert admin.ok("get", "/info")["format"]["dayOfWeekStart"] == 0
    body = approve(approver)
    assert (body["dateFrom"], body["dateTo"]) == ("2025-03-02", "2025-03-08")
    response = worker.patch(f"/timetrack/worker/2025-03-09/{tasks['design']}", json={"time": 5})
    assert response.status_code == 200  # Sunday 9 March starts the next week


@pytest.mark.parametrize("kind", ["task", "project", "customer"])
def test_deleting_approved_time_needs_revoke(team, admin, catalogue, kind):
    worker, approver, tasks = team
    target = {
        "task": f"/tasks/{tasks['design']}",
        "project": f"/projects/{catalogue['projects']['web']['id']}",
        "customer": f"/customers/{catalogue['customers']['acme']['id']}",
    }[kind]
    approve(approver)
    response = admin.delete(target)
    assert key(response) == (400, "api.error.approved_time")
    assert admin.get(target).status_code == 200  # nothing deleted
    admin.ok("delete", target + "?revokeApprovedWeeks=true", status=204)
    assert admin.get(target).status_code == 404
    # The week's approval is gone: it takes changes again.
    vacation = admin.ok("get", "/leaveTypes?name=Vacation")["items"][0]["id"]
    worker.ok("patch", f"/leavetime/worker/{TUESDAY}/{vacation}", {"leaveTime": 60})


def test_deleting_without_approved_time_needs_no_flag(team, admin, catalogue):
    worker, approver, tasks = team
    approver.ok(
        "post", "/timetrack/approve", {"dateFrom": "2025-04-01", "dateTo": "2025-04-30"}
    )  # weeks without time on the task
    admin.ok("delete", f"/tasks/{tasks['design']}", status=204)
