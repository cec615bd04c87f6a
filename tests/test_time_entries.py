"""Time entries: the unit of tracked time; day records are their sums."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from timetracker.store import time_entries
from timetracker.store.migrate import alembic_config, upgrade

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
        return [dict(r._mapping) for r in rows]


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
    with engine.connect() as conn:
        command.downgrade(alembic_config(conn), "0013")
        conn.commit()
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
