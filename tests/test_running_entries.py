"""Timers are running time entries: a start and no end, one per user, counting nothing until
a stop ends them, one entry per local day."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.test_time_entries import one_truth, record_time, stored_entries
from timetracker.store.migrate import downgrade, upgrade


def test_a_running_entry_counts_nothing_until_it_stops(app, tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    running = tokyo_worker.ok(
        "post", "/timeEntries/start", {"taskId": design, "description": "Sketches"}
    )
    assert (running["running"], running["end"], running["minutes"]) == (True, None, 0)
    assert (running["start"], running["date"]) == ("2026-03-02T00:00:00Z", "2026-03-02")
    assert tokyo_worker.ok("get", "/timeEntries/current") == running
    assert record_time(tokyo_worker, "me", design, "2026-03-02") == 0
    assert [t["taskId"] for t in tokyo_worker.ok("get", "/timers")["items"]] == [design]
    # A running entry takes no change but a stop (or being thrown away).
    response = tokyo_worker.patch(f"/timeEntries/{running['id']}", json={"minutes": 5})
    assert (response.status_code, response.get_json()["key"]) == (409, "api.error.entry_running")

    clock.at(2026, 3, 2, 10, 30, 40)
    [stopped] = tokyo_worker.ok("post", "/timeEntries/stop")["items"]
    assert stopped["id"] == running["id"]
    assert (stopped["running"], stopped["minutes"], stopped["end"]) == (
        False,
        91,
        "2026-03-02T01:30:40Z",
    )
    assert stopped["description"] == "Sketches"
    assert record_time(tokyo_worker, "me", design, "2026-03-02") == 91
    # The entry's description stays on the entry: the record's comment is its own.
    assert "comment" not in tokyo_worker.ok("get", f"/timetrack/me/2026-03-02/{design}")
    assert tokyo_worker.get("/timeEntries/current").status_code == 404
    assert tokyo_worker.post("/timeEntries/stop").status_code == 404
    one_truth(app)


def test_a_stop_makes_one_entry_per_local_day(app, tokyo_worker, catalogue, clock):
    build = catalogue["tasks"]["build"]["id"]
    clock.at(2026, 3, 2, 23, 30)
    tokyo_worker.ok("post", "/timeEntries/start", {"taskId": build})
    clock.at(2026, 3, 4, 0, 15)
    parts = tokyo_worker.ok("post", "/timeEntries/stop")["items"]
    assert [(p["date"], p["minutes"]) for p in parts] == [
        ("2026-03-02", 30),
        ("2026-03-03", 1440),
        ("2026-03-04", 15),
    ]
    # Each part starts where the one before ended: at the user's midnights.
    assert [(p["start"], p["end"]) for p in parts] == [
        ("2026-03-02T14:30:00Z", "2026-03-02T15:00:00Z"),
        ("2026-03-02T15:00:00Z", "2026-03-03T15:00:00Z"),
        ("2026-03-03T15:00:00Z", "2026-03-03T15:15:00Z"),
    ]
    assert record_time(tokyo_worker, "me", build, "2026-03-03") == 1440
    one_truth(app)


def test_starting_another_stops_the_running_one_and_one_runs_per_user(
    app, tokyo_worker, catalogue, clock
):
    design, build = (catalogue["tasks"][name]["id"] for name in ("design", "build"))
    clock.at(2026, 3, 2, 9, 0)
    first = tokyo_worker.ok("post", "/timeEntries/start", {"taskId": design})
    clock.at(2026, 3, 2, 9, 20)
    second = tokyo_worker.ok("post", "/timeEntries/start", {"taskId": build})
    assert tokyo_worker.ok("get", f"/timeEntries/{first['id']}")["minutes"] == 20
    assert tokyo_worker.ok("get", "/timeEntries/current")["id"] == second["id"]
    # The database itself refuses a second running entry of one user.
    engine = app.extensions["timetracker"]["engine"]
    with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.text(
                "INSERT INTO time_entries (user_id, task_id, date, started, minutes, "
                "created, modified) VALUES (:u, :t, '2026-03-02', 1, 0, 1, 1)"
            ),
            {"u": tokyo_worker.id, "t": design},
        )


def test_a_refused_stop_keeps_the_timer_running(app, admin, tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    clock.at(2026, 3, 2, 9, 0)
    running = tokyo_worker.ok("post", "/timeEntries/start", {"taskId": design})
    admin.ok("post", "/timetrack/lock", {"dateFrom": "2026-03-02", "dateTo": "2026-03-02"})
    clock.at(2026, 3, 2, 9, 30)
    response = tokyo_worker.post("/timeEntries/stop")
    assert (response.status_code, response.get_json()["key"]) == (
        403,
        "api.error.timetrack_locked",
    )
    assert tokyo_worker.ok("get", "/timeEntries/current")["id"] == running["id"]
    # Thrown away instead: deleted, and no day record changes.
    tokyo_worker.ok("delete", f"/timeEntries/{running['id']}", status=204)
    assert tokyo_worker.get("/timeEntries/current").status_code == 404
    assert record_time(admin, tokyo_worker.id, design, "2026-03-02") == 0
    one_truth(app)


def test_who_may_run_whose_timer_entry(app, admin, make_user, tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    outsider = make_user("enterTimeTrack", assign_all=True)
    clock.at(2026, 3, 2, 9, 0)
    body = {"taskId": design, "userId": tokyo_worker.id}
    assert outsider.post("/timeEntries/start", json=body).status_code == 403
    admin.ok("post", "/timeEntries/start", body)
    assert outsider.get(f"/timeEntries/current?userId={tokyo_worker.id}").status_code == 404
    assert outsider.post(f"/timeEntries/stop?userId={tokyo_worker.id}").status_code == 404
    clock.at(2026, 3, 2, 10, 0)
    [stopped] = admin.ok("post", f"/timeEntries/stop?userId={tokyo_worker.id}")["items"]
    assert (stopped["userId"], stopped["minutes"]) == (tokyo_worker.id, 60)


def test_a_user_whose_only_entry_runs_can_be_deleted(app, admin, tokyo_worker, catalogue, clock):
    clock.at(2026, 3, 2, 9, 0)
    tokyo_worker.ok("post", "/timeEntries/start", {"taskId": catalogue["tasks"]["design"]["id"]})
    admin.ok("delete", f"/users/{tokyo_worker.id}", status=204)
    assert stored_entries(app) == []


def test_running_timers_become_running_entries_and_back(app, tokyo_worker, catalogue, clock):
    design = catalogue["tasks"]["design"]["id"]
    clock.at(2026, 3, 2, 8, 0)
    tokyo_worker.ok("post", "/timers", {"taskId": design, "comment": "Early"})
    engine = app.extensions["timetracker"]["engine"]
    downgrade(engine, "0014")
    with engine.connect() as conn:
        timers = conn.execute(sa.text("SELECT user_id, task_id, comment FROM timers")).all()
        assert [tuple(t) for t in timers] == [(tokyo_worker.id, design, "Early")]
        assert conn.execute(sa.text("SELECT count(*) FROM time_entries")).scalar() == 0
    upgrade(engine)
    current = tokyo_worker.ok("get", "/timeEntries/current")
    # 08:00 in Tokyo is still March 1 in UTC: the day is the user's.
    assert (current["date"], current["description"]) == ("2026-03-02", "Early")
    assert current["start"] == "2026-03-01T23:00:00Z"
