"""Importing time-track from CSV: each line judged as a change of its record would be, all or
nothing, over HTTP and from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from tests.conftest import ADMIN_PASSWORD, PG_URL, ApiClient
from tests.test_task_import import every_row, line, problems
from timetracker.access import MODIFY_APPROVE_TIME_TRACK
from timetracker.cli import main
from timetracker.services import timetrack_import

HEADER = "username,date,customer,project,task,minutes,comment\n"
DESIGN = "Acme,Website,Design"
BUILD = "Acme,Website,Build"
RELEASE = "Acme,Mobile app,Release"


def import_csv(client, text, query="", content_type="text/csv"):
    body = text.encode() if isinstance(text, str) else text
    return client.client.post(
        "/api/v1/timetrack/import" + query,
        data=body,
        headers={**client.headers, "Content-Type": content_type},
    )


def record(client, user, day, task_id):
    return client.ok("get", f"/timetrack/{user}/{day}/{task_id}")


@pytest.fixture
def tasks(catalogue):
    return {name: t["id"] for name, t in catalogue["tasks"].items()}


def test_lines_add_to_the_records(admin, worker, tasks):
    worker.ok(
        "patch", f"/timetrack/worker/2025-03-03/{tasks['design']}", {"time": 30, "comment": "old"}
    )
    text = (
        HEADER
        + f"worker,2025-03-03,{DESIGN},60,\n"  # adds to the stored 30; keeps its comment
        + "WORKER,2025-03-04,acme,website,design,45,first\n"
        + f"worker,2025-03-04,{DESIGN},15,second\n"  # the same record: adds, last comment wins
        + f"worker,2025-03-04,{BUILD},120,\n"
        + f"worker,2025-03-05,{BUILD},1440,\n"
    )
    response = import_csv(worker, text)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "imported": 5,
        "recordsCreated": 3,
        "recordsUpdated": 1,
        "tasksAssigned": 0,
    }
    assert record(worker, "worker", "2025-03-03", tasks["design"]) == {
        "taskId": tasks["design"],
        "time": 90,
        "comment": "old",
    }
    assert record(worker, "worker", "2025-03-04", tasks["design"]) == {
        "taskId": tasks["design"],
        "time": 60,
        "comment": "second",
    }
    assert record(worker, "worker", "2025-03-04", tasks["build"])["time"] == 120
    assert record(worker, "worker", "2025-03-05", tasks["build"])["time"] == 1440
    # Importing again adds again (historical data is added, never replaced).
    assert import_csv(worker, HEADER + f"worker,2025-03-03,{DESIGN},10,\n").status_code == 200
    assert record(worker, "worker", "2025-03-03", tasks["design"])["time"] == 100


def test_every_rule_is_a_line_error_and_nothing_is_imported(app, admin, worker, tasks):
    leave_type = admin.ok("get", "/leaveTypes")["items"][0]["id"]
    admin.ok("patch", f"/users/{worker.id}", {"hired": "2025-01-01", "releaseDate": "2030-12-31"})
    admin.ok("patch", f"/timetrack/worker/2025-03-06/{tasks['design']}", {"time": 1000})
    admin.ok("patch", f"/leavetime/worker/2025-03-06/{leave_type}", {"leaveTime": 300})
    admin.ok("patch", f"/timetrack/worker/2025-02-03/{tasks['build']}", {"time": 60})
    admin.ok(
        "post", "/invoices", {"number": "FEB", "dateFrom": "2025-02-01", "dateTo": "2025-02-28"}
    )
    admin.ok("post", "/timetrack/lock", {"dateFrom": "2025-04-01", "dateTo": "2025-04-30"})
    admin.ok(
        "post",
        "/timetrack/unlock",
        {"userIds": [worker.id], "dateFrom": "2025-04-15", "dateTo": "2025-04-15"},
    )
    admin.ok(
        "post",
        "/timetrack/approve",
        {"dateFrom": "2025-05-07", "dateTo": "2025-05-07", "userIds": [worker.id]},
    )
    before = every_row(app)
    text = (
        HEADER
        + f"worker,2025-03-03,{DESIGN},60,fine\n"  # 2: fine
        + f"nobody,2025-03-03,{DESIGN},60,\n"  # 3
        + f"worker,2025-02-30,{DESIGN},60,\n"  # 4
        + "worker,2025-03-03,Acme,Website,Deploy,60,\n"  # 5
        + f"worker,2025-03-03,{BUILD},0,\n"  # 6
        + f"worker,2025-03-04,{BUILD},1441,\n"  # 7
        + f"worker,2025-03-04,{BUILD},1.5,\n"  # 8
        + f"worker,2025-03-04,{RELEASE},30,\n"  # 9: not assigned
        + f"worker,2024-12-31,{DESIGN},30,\n"  # 10: before hired
        + f"worker,2031-01-01,{DESIGN},30,\n"  # 11: after the release date
        + f"worker,2025-04-14,{DESIGN},30,\n"  # 12: locked
        + f"worker,2025-04-15,{DESIGN},30,\n"  # 13: unlocked inside the lock: fine
        + f"worker,2025-05-08,{DESIGN},30,\n"  # 14: approved week
        + f"worker,2025-02-03,{BUILD},30,\n"  # 15: billed
        + f"worker,2025-03-06,{BUILD},100,\n"  # 16: 1000 + 300 stored + 100: fine
        + f"worker,2025-03-06,{BUILD},40,\n"  # 17: 1440: fine
        + f"worker,2025-03-06,{DESIGN},1,\n"  # 18: one minute too many
        + f"worker,2025-03-07,{DESIGN},30,a\x00b\n"  # 19
        + f"admin,2025-03-07,{DESIGN},30,\n"  # 20: someone else's time
        + f"worker,2025-03-07,{DESIGN},30,,\n"  # 21: more values than columns
        + f"worker,2025-03-07,{DESIGN},30,{'x' * 10_001}\n"  # 22
        + f",2025-03-07,{DESIGN},30,\n"  # 23
    )
    message = problems(import_csv(worker, text))
    for fine in (2, 13, 16, 17):
        assert f"Line {fine}:" not in message, fine
    assert line(message, 3) == "username: no user 'nobody'"
    assert line(message, 4) == "date: '2025-02-30' is not a date from 1970-01-01 to 3000-12-31"
    assert line(message, 5) == "task: no task 'Deploy' in project 'Website' of customer 'Acme'"
    assert line(message, 6) == line(message, 7) == line(message, 8)
    assert line(message, 6) == "minutes: not a whole number from 1 to 1440"
    # Not the worker's task (PATCH answers 403 for it): the line says why.
    assert line(message, 9) == "task: not among worker's work assignments"
    assert "outside the user's employment" in line(message, 10)
    assert "outside the user's employment" in line(message, 11)
    assert line(message, 12) == "date: the user's time-track for this day is locked"
    assert "approved" in line(message, 14)
    assert "billed by invoice" in line(message, 15)
    assert line(message, 18) == (
        "minutes: the user's day 2025-03-06 would hold 1441 minutes (1300 stored, lines 16, 17 "
        "of this file); a day holds 1440"
    )
    assert "NUL" in line(message, 19)
    assert line(message, 20) == "you may not change admin's time on this task"
    assert line(message, 21) == "more values than columns"
    assert line(message, 22) == "comment: longer than 10000 characters"
    assert line(message, 23) == "username: missing"
    assert every_row(app) == before


def test_the_day_limit_counts_the_whole_file(admin, worker, tasks):
    # 700 + 700 + 41 on one day, in lines far apart: the third line goes beyond.
    text = (
        HEADER
        + f"worker,2025-03-03,{DESIGN},700,\n"
        + f"worker,2025-03-04,{DESIGN},700,\n"
        + f"worker,2025-03-03,{BUILD},700,\n"
        + f"worker,2025-03-03,{DESIGN},41,\n"
    )
    message = problems(import_csv(worker, text))
    assert (
        "Line 5: minutes: the user's day 2025-03-03 would hold 1441 minutes (0 stored, lines 2, 4"
        in message
    )
    assert message.count("Line ") == 1
    assert import_csv(worker, text.replace(",41,", ",40,")).status_code == 200


def test_assign_assigns_where_the_importer_may(admin, make_user, worker, tasks, catalogue):
    text = HEADER + f"worker,2025-03-03,{RELEASE},30,\nworker,2025-03-04,{RELEASE},30,\n"
    message = problems(import_csv(admin, text))
    assert (
        line(message, 2)
        == "task: not among worker's work assignments (the import's assign option assigns it)"
    )
    # An approver on the worker and Acme, without Manage Scope of Work: may not assign.
    approver = make_user(MODIFY_APPROVE_TIME_TRACK)
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [worker.id]})
    admin.ok(
        "put",
        f"/users/{approver.id}/scope",
        {"customerIds": [catalogue["customers"]["acme"]["id"]]},
    )
    message = problems(import_csv(approver, text, "?assign=true"))
    assert (
        line(message, 2) == "task: not among worker's work assignments, and you may not assign it"
    )
    response = import_csv(admin, text, "?assign=true")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["tasksAssigned"] == 1
    assert worker.id in admin.ok("get", f"/tasks/{tasks['release']}/assignedUsers")["userIds"]
    assert record(worker, "worker", "2025-03-04", tasks["release"])["time"] == 30
    # Assigned now: the worker may import on it without assign.
    assert import_csv(worker, HEADER + f"worker,2025-03-05,{RELEASE},30,\n").status_code == 200
    bad = import_csv(admin, text, "?assign=maybe")
    assert bad.status_code == 400 and bad.get_json()["fields"] == "assign"


def test_an_approver_imports_the_teams_time(admin, make_user, worker, tasks, catalogue):
    approver = make_user(MODIFY_APPROVE_TIME_TRACK)
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [worker.id]})
    admin.ok(
        "put",
        f"/users/{approver.id}/scope",
        {"customerIds": [catalogue["customers"]["acme"]["id"]]},
    )
    response = import_csv(approver, HEADER + f"worker,2025-03-03,{DESIGN},30,\n")
    assert response.status_code == 200, response.get_json()
    assert record(worker, "worker", "2025-03-03", tasks["design"])["time"] == 30


def test_nobody_without_a_time_track_permission_may_import(make_user, catalogue):
    user = make_user("manageAccounts", "manageScopeOfWork", "lockTimeTrack")
    response = import_csv(user, HEADER + f"admin,2025-03-03,{DESIGN},30,\n")
    assert response.status_code == 403
    assert response.get_json()["key"] == "api.error.access_denied"


def test_bad_files_are_refused_with_a_clear_message(app, admin, worker):
    before = every_row(app)
    cases = {
        "": "The file is empty",
        HEADER: "The file has no records",
        "username,date,task,minutes\nworker,2025-03-03,Design,30\n": (
            "missing required columns customer, project"
        ),
        HEADER.replace("comment", "note"): "unknown columns note",
        b"username,date\n\xc3\x28": "not UTF-8",
        b"\xff\xfe\x00\x81junk": "not UTF-8",
    }
    for text, expected in cases.items():
        message = problems(import_csv(admin, text))
        assert expected in message, (text, message)
    assert import_csv(admin, HEADER + "x\n", content_type="application/json").status_code == 415
    assert every_row(app) == before


def test_row_and_size_limits(make_app, catalogue):
    app = make_app(
        MAX_CONTENT_LENGTH=1_000, IMPORT_MAX_CONTENT_LENGTH=50_000, TIMETRACK_IMPORT_MAX_ROWS=500
    )
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    lines = "".join(f"admin,2025-03-{1 + n % 28:02d},{DESIGN},1,\n" for n in range(500))
    assert len(lines) > 1_000  # more than a JSON body may hold
    response = import_csv(admin, HEADER + lines)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["recordsCreated"] == 28
    message = problems(import_csv(admin, HEADER + lines + lines[:100]))
    assert "Line 502: more than 500 records: split the file" in message
    assert import_csv(admin, HEADER + lines * 3).status_code == 413


def test_statements_do_not_grow_with_the_lines(app, admin, worker, tasks):
    engine = app.extensions["timetracker"]["engine"]
    counted = []
    event.listen(engine, "before_cursor_execute", lambda *args: counted.append(1))

    def statements(year: int, days: int) -> int:
        counted.clear()
        text = HEADER + "".join(
            f"worker,{year}-{1 + d // 28:02d}-{1 + d % 28:02d},{task},{m},\n"
            for d in range(days)
            for task, m in ((DESIGN, 30), (BUILD, 20))
        )
        assert import_csv(admin, text).status_code == 200
        return len(counted)

    # 300 and 600 records (more than a statement of SQLite's bulk inserts carries, and some
    # left after the last whole one) take the same statements; 4 records no more.
    assert statements(2023, 2) <= statements(2024, 150) == statements(2025, 300)


def test_the_template_imports(admin):
    customer = admin.ok("post", "/customers", {"name": "Acme"})
    project = admin.ok("post", "/projects", {"customerId": customer["id"], "name": "Web"})
    task = admin.ok("post", "/tasks", {"projectId": project["id"], "name": "Build"})
    assert import_csv(admin, timetrack_import.TEMPLATE).get_json()["imported"] == 1
    assert record(admin, "admin", "2026-03-02", task["id"]) == {
        "taskId": task["id"],
        "time": 90,
        "comment": "Code review",
    }


def test_cli_import(migrated_database_url, tmp_path, app, admin, worker, tasks):
    path = tmp_path / "time.csv"
    path.write_text(HEADER + f"worker,2025-03-03,{RELEASE},30,\nworker,2025-03-04,{DESIGN},45,\n")
    args = ["import", "timetrack", str(path), "--db", migrated_database_url]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1
    assert (
        "Line 2: task: not among worker's work assignments (the import's assign option assigns it)"
        in refused.output
    )
    assert "Nothing was imported: 1 problem(s)." in refused.output
    assert record(worker, "worker", "2025-03-04", tasks["design"])["time"] == 0
    result = CliRunner().invoke(main, [*args, "--assign"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 lines: 2 new records, 0 records added to, 1 tasks assigned." in result.output
    assert record(worker, "worker", "2025-03-03", tasks["release"])["time"] == 30


@pytest.mark.skipif(PG_URL is not None, reason="SQLite's database-wide write lock")
def test_a_file_with_bad_cells_never_waits_for_the_write_lock(make_app, monkeypatch, catalogue):
    import sqlite3
    import time

    from timetracker.store import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 2_000)
    app = make_app()
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    admin.ok("get", "/users/me")  # logged in before the lock is taken
    writer = sqlite3.connect(app.config["DATABASE_URL"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        started = time.perf_counter()
        response = import_csv(admin, HEADER + f"admin,2025-02-30,{DESIGN},30,\n")
        assert "date:" in line(problems(response), 2)
        assert time.perf_counter() - started < 1.0
        tasks_seen = admin.ok("get", "/tasks")["items"]  # reads go on meanwhile
        assert {t["name"] for t in tasks_seen} >= {"Design"}
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_the_collector_pause_is_counted_and_restores_the_collector():
    import gc

    from timetracker.services.csv_import import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # another import at the same time
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first one is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # turned off by someone else: left off
    finally:
        gc.enable()


def test_an_import_writes_the_events_a_patch_writes(admin, worker, catalogue, tasks):
    """The import makes its events' text in bulk: the same content as a PATCH's event, with
    names and comments that JSON must escape."""
    design = catalogue["tasks"]["design"]
    admin.ok("patch", f"/tasks/{design['id']}", {"name": 'Design "UX" – ü\\'})
    worker.ok("patch", f"/timetrack/me/2025-03-03/{design['id']}", {"time": 30, "comment": "é"})
    worker.ok("patch", f"/timetrack/me/2025-03-03/{design['id']}", {"time": 0})
    by_patch = admin.ok("get", "/changes?since=0")["items"][-2:]
    cursor = admin.ok("get", "/changes?since=0")["cursor"]
    quoted = 'Acme,Website,"Design ""UX"" – ü\\"'
    text = HEADER + f'worker,2025-03-03,{quoted},30,é\nworker,2025-03-04,{quoted},15,"a,""b"""\n'
    assert import_csv(worker, text).status_code == 200
    worker.ok("patch", f"/timetrack/me/2025-03-04/{design['id']}", {"time": 45, "comment": None})
    by_import = admin.ok("get", f"/changes?since={cursor}")["items"]
    assert len(by_import) == 3
    assert {e["name"] for e in by_patch + by_import} == {"timetrack.update"}
    shown = [(e["objectId"], e["data"]) for e in (by_patch[0], *by_import[:2])]
    assert shown[0] == shown[1]  # the import of what the first PATCH did: the same event
    assert shown[2] == (
        f"{worker.id}/2025-03-04/{design['id']}",
        {
            "userId": worker.id,
            "taskId": design["id"],
            "taskName": 'Design "UX" – ü\\',
            "time": 15,
            "comment": 'a,"b"',
            "date": "2025-03-04",
            "projectId": design["projectId"],
            "customerId": design["customerId"],
        },
    )
    audit = admin.ok("get", "/auditLog?kinds=timetrack")["items"]  # newest first
    assert [e["changes"] for e in audit[:3]] == [
        {"time": [15, 45], "comment": ['a,"b"', None]},
        {"time": [0, 15], "comment": [None, 'a,"b"']},
        {"time": [0, 30], "comment": [None, "é"]},
    ]
    assert audit[4]["changes"] == {"time": [0, 30], "comment": [None, "é"]}  # the first PATCH
