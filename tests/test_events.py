"""The event log: every change writes an event in its own transaction, nothing of a change that
rolled back; the changes feed and the audit log read it."""

from __future__ import annotations

import json

import pytest

from timetracker.access import ENTER_TIME_TRACK, MODIFY_APPROVE_TIME_TRACK


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)


def feed(client, since=0, limit=1000):
    return client.ok("get", f"/changes?since={since}&limit={limit}")


def names(client, since=0):
    return [e["name"] for e in feed(client, since)["items"]]


def test_every_kind_of_change_writes_an_event(admin, worker, catalogue):
    start = feed(admin)["cursor"]
    tasks = catalogue["tasks"]
    design, build = tasks["design"]["id"], tasks["build"]["id"]
    web, app_project = catalogue["projects"]["web"]["id"], catalogue["projects"]["app"]["id"]
    new = admin.ok("post", "/tasks", {"projectId": web, "name": "Plan"})
    admin.ok("patch", f"/tasks/{new['id']}", {"description": "First"})
    admin.ok("patch", f"/tasks/{new['id']}", {"projectId": app_project})
    admin.ok("delete", f"/tasks/{new['id']}", status=204)
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}", {"time": 60})
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}/time", {"delta": -15})
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}", {"time": 0})
    leave_type = admin.ok("get", "/leaveTypes")["items"][0]["id"]
    worker.ok("patch", f"/leavetime/me/2026-03-03/{leave_type}", {"leaveTime": 240})
    admin.ok("patch", f"/users/{worker.id}", {"firstName": "Wendy"})
    answers = admin.ok(
        "post",
        "/batch",
        [{"method": "PATCH", "relativeUrl": f"timetrack/{worker.id}/2026-03-04/{build}",
          "body": {"time": 30}}],
    )  # fmt: skip
    assert answers[0]["status"] == 200
    assert names(admin, start) == [
        "task.create",
        "task.update",
        "task.move",
        "task.delete",
        "timetrack.update",
        "timetrack.update",
        "timetrack.update",
        "leaveTime.update",
        "user.update",
        "timetrack.update",
    ]
    log = admin.ok("get", "/auditLog?limit=3")["items"]
    assert (
        log[0]["batchId"] and log[0]["path"] == f"/api/v1/timetrack/{worker.id}/2026-03-04/{build}"
    )
    assert log[1]["name"] == "user.update"
    assert log[1]["changes"] == {"firstName": ["worker", "Wendy"], "fullName": ["worker", "Wendy"]}
    record = feed(admin, start)["items"][4]
    assert record["data"] == {
        "userId": worker.id,
        "taskId": design,
        "taskName": "Design",
        "time": 60,
        "comment": None,
        "date": "2026-03-02",
        "projectId": web,
        "customerId": catalogue["customers"]["acme"]["id"],
    }


def test_a_refused_change_writes_no_event(admin, worker, catalogue, monkeypatch):
    design = catalogue["tasks"]["design"]["id"]
    start = feed(admin)["cursor"]
    assert (
        worker.patch(f"/timetrack/me/2026-03-02/{design}", json={"time": 2000}).status_code == 400
    )
    assert admin.post("/customers", json={"name": "Acme"}).status_code == 400  # taken
    # A change whose commit fails is not in the log either.
    from sqlalchemy.engine import Connection
    from sqlalchemy.exc import OperationalError

    real_commit = Connection.commit

    def refuse(self):
        if not self.get_execution_options().get("write"):
            return real_commit(self)
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Connection, "commit", refuse)
    failed = worker.patch(f"/timetrack/me/2026-03-02/{design}", json={"time": 30})
    monkeypatch.undo()
    assert failed.status_code == 503
    assert feed(admin, start)["items"] == []


def test_the_feed_pages_by_cursor(admin):
    start = feed(admin)["cursor"]
    for name in ("A", "B", "C"):
        admin.ok("post", "/customers", {"name": name})
    first = feed(admin, start, limit=2)
    assert [e["data"]["name"] for e in first["items"]] == ["A", "B"] and first["hasMore"]
    second = feed(admin, first["cursor"], limit=2)
    assert [e["data"]["name"] for e in second["items"]] == ["C"] and not second["hasMore"]
    assert feed(admin, second["cursor"])["items"] == []
    assert feed(admin, second["cursor"])["cursor"] == second["cursor"]


def test_the_feed_shows_what_the_caller_may_see(admin, make_user, worker, catalogue):
    design = catalogue["tasks"]["design"]["id"]
    migrate = catalogue["tasks"]["migrate"]["id"]
    other = make_user(ENTER_TIME_TRACK, username="other", assign_all=True)
    start = feed(admin)["cursor"]
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}", {"time": 60})
    other.ok("patch", f"/timetrack/me/2026-03-02/{migrate}", {"time": 60})
    admin.ok("patch", f"/tasks/{design}", {"description": "Seen by the worker"})
    admin.ok("patch", f"/tasks/{migrate}", {"description": "Not seen by the worker"})
    admin.ok("delete", f"/tasks/{catalogue['tasks']['build']['id']}", status=204)
    admin.ok("post", "/workflowStatuses", {"name": "Doing", "type": "open"})
    seen = [(e["name"], e["objectId"]) for e in feed(worker, start)["items"]]
    assert seen == [
        ("timetrack.update", f"{worker.id}/2026-03-02/{design}"),
        ("task.update", str(design)),
        ("task.delete", str(catalogue["tasks"]["build"]["id"])),
        ("workflowStatus.create", seen[-1][1]),
    ]
    approver = make_user(MODIFY_APPROVE_TIME_TRACK, username="approver", scope_all=True)
    admin.ok("put", f"/users/{approver.id}/team", {"userIds": [worker.id]})
    theirs = [e["name"] for e in feed(approver, start)["items"] if e["name"] == "timetrack.update"]
    assert theirs == ["timetrack.update"]  # the worker's, not the other user's
    assert len(names(admin, start)) > len(seen)


def test_the_audit_log_is_for_administrators_and_keeps_no_secret(admin, make_user, worker):
    assert worker.get("/auditLog").status_code == 403
    admin.ok("patch", f"/users/{worker.id}", {"password": "n3w-s3cret"})
    made = admin.ok("post", "/users/me/tokens", {"name": "CI", "scope": "read"})
    admin.ok("post", "/customers", {"name": "Initech"})
    everything = json.dumps(admin.ok("get", "/auditLog")["items"])
    assert "n3w-s3cret" not in everything and made["token"] not in everything
    assert "password" not in everything.lower()
    mine = admin.ok("get", f"/auditLog?userIds={worker.id}")["items"]
    assert mine == []
    customers = admin.ok("get", "/auditLog?kinds=customer&limit=1")["items"]
    assert [(e["name"], e["data"]["name"]) for e in customers] == [("customer.create", "Initech")]
    one = admin.ok("get", f"/auditLog?objectId={customers[0]['objectId']}&kinds=customer")
    assert one["items"] == customers
    assert admin.ok("get", "/auditLog?dateFrom=1990-01-01&dateTo=1990-12-31")["items"] == []
    assert admin.get("/auditLog?kinds=planet").status_code == 400


@pytest.mark.parametrize(
    "value", [{"a": [1, None, "caf\u00e9"], "b": 1.5}, {"big": 2**70}, {"lone": "\ud800"}]
)
def test_json_columns_hold_what_was_given(value):
    """JSON columns are written by orjson; what it refuses (an integer beyond 64 bits, a lone
    surrogate) by the standard library: either way the text reads back as the value."""
    from timetracker.store.db import json_text

    assert json.loads(json_text(value)) == value
