"""Writes and period actions racing on the same user: a write never lands in a week approved
(or a day locked) between its check and its commit. On PostgreSQL both sides lock the user's
row; on SQLite write transactions are serialized by the database's write lock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from timetracker.access import ENTER_TIME_TRACK
from timetracker.services import approval
from timetracker.store import timetrack as timetrack_store
from timetracker.store.schema import day_records

DAY = "2025-03-04"
ROUNDS = 200


@pytest.mark.parametrize(
    ("action", "undo", "observed", "period"),
    [
        ("approve", "revoke", (approval.store, "decide"), {"dateFrom": DAY, "dateTo": DAY}),
        ("lock", "unlock", (timetrack_store, "record_lock"), {"dateFrom": DAY, "dateTo": DAY}),
    ],
    ids=["approve", "lock"],
)
def test_a_period_action_racing_a_patch_leaves_no_change_after_it(
    unthrottled, write_window, make_user, monkeypatch, action, undo, observed, period
):
    """Each round revokes (or unlocks), then a PATCH passes its checks and, while it is about
    to write, the action runs. What the action saw when it decided must be what stays."""
    app, admin, task = unthrottled
    worker = make_user(ENTER_TIME_TRACK, username="worker", assign_all=True)
    worker.client = app.test_client()
    key = (day_records.c.user_id == worker.id, day_records.c.task_id == task)
    checked = write_window

    # What the action saw when it decided, read in its own transaction.
    seen: list[int | None] = []
    module, name = observed
    decide = getattr(module, name)

    def observed_decide(conn, *args, **kwargs):
        seen.append(conn.execute(select(day_records.c.minutes).where(*key)).scalar())
        return decide(conn, *args, **kwargs)

    monkeypatch.setattr(module, name, observed_decide)

    def patch(answers):
        path = f"/timetrack/worker/{DAY}/{task}/time"
        answers["patch"] = worker.patch(path, json={"delta": 1}).status_code

    def act(answers):
        checked.wait(5)
        answers[action] = admin.post(f"/timetrack/{action}", json=period).status_code

    changed_after = 0
    for _ in range(ROUNDS):
        admin.ok("post", f"/timetrack/{undo}", period)
        checked.clear()
        answers: dict[str, int] = {}
        threads = [threading.Thread(target=f, args=(answers,)) for f in (patch, act)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers[action] == 200
        assert answers["patch"] in (200, 403), answers
        with app.extensions["timetracker"]["engine"].connect() as conn:
            now = conn.execute(select(day_records.c.minutes).where(*key)).scalar()
        if now != seen[-1]:
            changed_after += 1
    assert changed_after == 0, f"{changed_after} of {ROUNDS} rounds changed after the {action}"
