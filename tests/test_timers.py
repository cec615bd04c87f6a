"""Timers: the elapsed minutes go to the records through the rules of a delta, split at the
user's local midnight; a refused stop leaves everything as it was."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from timetracker.access import ENTER_TIME_TRACK, MODIFY_APPROVE_TIME_TRACK
from timetracker.services import timers as timer_rules


def record(client, user, day, task):
    return client.ok("get", f"/timetrack/{user}/{day}/{task}")["time"]


def test_start_list_and_stop(tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    started = tokyo_worker.ok("post", "/timers", {"taskId": design, "comment": "Sketches"})
    assert started["userId"] == tokyo_worker.id and started["elapsedMinutes"] == 0
    clock.at(2026, 3, 2, 10, 29, 31)  # 89.5 minutes: 90
    (running,) = tokyo_worker.ok("get", "/timers")["items"]
    assert running["taskId"] == design and running["elapsedMinutes"] == 89
    stopped = tokyo_worker.ok("post", "/timers/me/stop")
    assert stopped["minutes"] == 90
    assert stopped["records"] == [
        {"date": "2026-03-02", "taskId": design, "time": 90, "added": 90, "comment": "Sketches"}
    ]
    assert record(tokyo_worker, "me", "2026-03-02", design) == 90
    assert tokyo_worker.ok("get", "/timers")["items"] == []
    assert tokyo_worker.post("/timers/me/stop").status_code == 404


def test_a_timer_is_split_at_the_users_midnight_and_adds_to_the_record(
    tokyo_worker, catalogue, clock
):
    build = catalogue["tasks"]["build"]["id"]
    tokyo_worker.ok("patch", f"/timetrack/me/2026-03-02/{build}", {"time": 60, "comment": "Am"})
    clock.at(2026, 3, 2, 23, 30)
    tokyo_worker.ok("post", "/timers", {"taskId": build, "comment": "Late"})
    clock.at(2026, 3, 3, 0, 45)
    stopped = tokyo_worker.ok("post", f"/timers/{tokyo_worker.id}/stop")
    assert [(r["date"], r["added"], r["time"]) for r in stopped["records"]] == [
        ("2026-03-02", 30, 90),
        ("2026-03-03", 45, 45),
    ]
    assert tokyo_worker.ok("get", f"/timetrack/me/2026-03-02/{build}")["comment"] == "Am\nLate"


def test_a_short_timer_counts_one_minute(tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    tokyo_worker.ok("post", "/timers", {"taskId": design})
    clock.at(2026, 3, 2, 9, 0, 10)
    assert tokyo_worker.ok("post", "/timers/me/stop")["minutes"] == 1


def test_starting_another_timer_stops_the_running_one(tokyo_worker, catalogue, clock):
    design, build = catalogue["tasks"]["design"]["id"], catalogue["tasks"]["build"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    tokyo_worker.ok("post", "/timers", {"taskId": design})
    clock.at(2026, 3, 2, 9, 40)
    tokyo_worker.ok("post", "/timers", {"taskId": build})
    assert record(tokyo_worker, "me", "2026-03-02", design) == 40
    (running,) = tokyo_worker.ok("get", "/timers")["items"]
    assert running["taskId"] == build


@pytest.mark.parametrize("rule", ["locked", "day_limit"])
def test_a_refused_stop_changes_nothing(admin, tokyo_worker, catalogue, clock, rule):
    design, build = catalogue["tasks"]["design"]["id"], catalogue["tasks"]["build"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    tokyo_worker.ok("post", "/timers", {"taskId": design})
    if rule == "locked":
        admin.ok("post", "/timetrack/lock", {"dateFrom": "2026-03-02", "dateTo": "2026-03-02"})
        expected = (403, "api.error.timetrack_locked")
    else:
        tokyo_worker.ok("patch", f"/timetrack/me/2026-03-02/{build}", {"time": 1430})
        expected = (400, "api.error.day_limit_exceeded")
    clock.at(2026, 3, 2, 9, 20)
    for attempt in (
        lambda: tokyo_worker.post("/timers/me/stop"),
        lambda: tokyo_worker.post("/timers", json={"taskId": build}),
    ):
        refused = attempt()
        assert (refused.status_code, refused.get_json()["key"]) == expected
        assert refused.get_json()["message"].startswith("The timer keeps running")
    (running,) = tokyo_worker.ok("get", "/timers")["items"]
    assert running["taskId"] == design
    assert record(admin, tokyo_worker.id, "2026-03-02", design) == 0


def test_discarding_adds_no_time(tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    tokyo_worker.ok("post", "/timers", {"taskId": design})
    clock.at(2026, 3, 2, 11, 0)
    tokyo_worker.ok("delete", "/timers/me", status=204)
    assert tokyo_worker.ok("get", "/timers")["items"] == []
    assert record(tokyo_worker, "me", "2026-03-02", design) == 0
    assert tokyo_worker.delete("/timers/me").status_code == 404


def test_who_may_run_whose_timer(admin, make_user, tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    migrate = catalogue["tasks"]["migrate"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    # Not assigned: refused; unknown task: 404.
    refused = tokyo_worker.post("/timers", json={"taskId": migrate})
    assert refused.status_code == 403
    assert tokyo_worker.post("/timers", json={"taskId": 999_999}).status_code == 404
    approver = make_user(MODIFY_APPROVE_TIME_TRACK, username="approver", scope_all=True)
    outsider = make_user(ENTER_TIME_TRACK, username="outsider")
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [tokyo_worker.id]})
    started = approver.ok("post", "/timers", {"taskId": design, "userId": tokyo_worker.id})
    assert started["userId"] == tokyo_worker.id
    assert outsider.ok("get", "/timers")["items"] == []
    assert [t["userId"] for t in approver.ok("get", "/timers")["items"]] == [tokyo_worker.id]
    assert outsider.post(f"/timers/{tokyo_worker.id}/stop").status_code == 404
    assert (
        outsider.post("/timers", json={"taskId": design, "userId": tokyo_worker.id}).status_code
        == 403
    )
    clock.at(2026, 3, 2, 10, 0)
    assert approver.ok("post", f"/timers/{tokyo_worker.id}/stop")["minutes"] == 60


def test_split_at_midnight_adds_up():
    zone = zoneinfo.ZoneInfo("Europe/Berlin")

    def at(day, hour):
        return int(dt.datetime(2026, 3, day, hour, 0, tzinfo=zone).timestamp() * 1000)

    assert timer_rules.split_at_midnight(at(28, 22), at(29, 1), zone) == [
        (dt.date(2026, 3, 28), 120),
        (dt.date(2026, 3, 29), 60),
    ]
    # The clocks go forward at 02:00 on the 29th: 23:00 to 04:00 is four hours, not five.
    assert timer_rules.split_at_midnight(at(28, 23), at(29, 4), zone) == [
        (dt.date(2026, 3, 28), 60),
        (dt.date(2026, 3, 29), 180),
    ]
    three_days = timer_rules.split_at_midnight(at(28, 22), at(28, 22) + 50 * 3_600_000, zone)
    assert [d for d, _ in three_days] == [dt.date(2026, 3, d) for d in (28, 29, 30, 31)]
    assert sum(m for _, m in three_days) == 3000
