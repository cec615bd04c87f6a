"""The event log: every change writes an event in its own transaction, nothing of a change that
rolled back; the changes feed and the audit log read it."""

from __future__ import annotations

import json

import pytest

from timetracker.access import ENTER_TIME_TRACK, MANAGE_COST_BILLING, MODIFY_APPROVE_TIME_TRACK


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


# (permissions, team, scope): None is the whole company / catalogue; names of users, customers.
INVOICE_READERS = {
    "admin": None,
    "bills everything": ((MANAGE_COST_BILLING,), None, None),
    "bills the worker": ((MANAGE_COST_BILLING,), ["worker"], None),
    "bills Acme": ((MANAGE_COST_BILLING,), None, ["acme"]),
    "bills the worker on Acme": ((MANAGE_COST_BILLING,), ["worker"], ["acme"]),
    "approves everyone": ((MODIFY_APPROVE_TIME_TRACK,), None, None),
    "tracks time": ((ENTER_TIME_TRACK,), None, None),
}


@pytest.mark.parametrize("reader", INVOICE_READERS)
def test_invoice_events_reach_whoever_may_get_the_invoice(admin, make_user, catalogue, reader):
    """An invoice's events, in the feed, reach exactly those whom ``GET /invoices/{id}``
    answers; the event of a deleted invoice, those whom it answered before the deletion."""
    tasks = {name: t["id"] for name, t in catalogue["tasks"].items()}
    users = {
        name: make_user(ENTER_TIME_TRACK, username=name, assign_all=True).id
        for name in ("worker", "other")
    }
    for day in ("2026-03-02", "2026-03-09"):
        for user, task in (("worker", "design"), ("other", "migrate"), ("worker", "migrate")):
            admin.ok("patch", f"/timetrack/{users[user]}/{day}/{tasks[task]}", {"time": 60})
    client = admin
    if INVOICE_READERS[reader] is not None:
        permissions, team, scope = INVOICE_READERS[reader]
        client = make_user(*permissions, username="reader")
        admin.ok(
            "put",
            f"/users/{client.id}/team",
            {"allUsers": True} if team is None else {"userIds": [users[u] for u in team]},
        )
        customers = catalogue["customers"]
        admin.ok(
            "put",
            f"/users/{client.id}/scope",
            {"allScope": True}
            if scope is None
            else {"customerIds": [customers[c]["id"] for c in scope]},
        )
    start = feed(admin)["cursor"]
    made = {}
    acme = catalogue["customers"]["acme"]["id"]
    first_week = {"dateFrom": "2026-03-01", "dateTo": "2026-03-05"}
    for number, args in (
        ("worker-acme", {**first_week, "userIds": [users["worker"]], "customerIds": [acme]}),
        ("other-globex", {**first_week, "userIds": [users["other"]]}),
        ("everyone", {"dateFrom": "2026-03-06", "dateTo": "2026-03-12"}),
        ("nothing", {"dateFrom": "2027-01-01", "dateTo": "2027-01-31"}),
    ):
        body = {"number": number, **args}
        made[number] = admin.ok("post", "/invoices", body)["id"]
    could_get = {n: client.get(f"/invoices/{i}").status_code == 200 for n, i in made.items()}
    admin.ok("delete", f"/invoices/{made['everyone']}", status=204)
    if client is not admin:
        assert client.get(f"/invoices/{made['everyone']}").status_code in (403, 404)

    by_id = {str(i): n for n, i in made.items()}
    seen = [(e["name"], by_id[e["objectId"]]) for e in feed(client, start)["items"]
            if e["name"].startswith("invoice.")]  # fmt: skip
    expected = [("invoice.create", n) for n in made if could_get[n]]
    if could_get["everyone"]:
        expected.append(("invoice.delete", "everyone"))
    assert seen == expected
    assert could_get == {
        "admin": dict.fromkeys(made, True),
        "bills everything": dict.fromkeys(made, True),
        "bills the worker": {"worker-acme": True, "other-globex": False, "everyone": False,
                             "nothing": True},
        "bills Acme": {"worker-acme": True, "other-globex": False, "everyone": False,
                       "nothing": True},
        "bills the worker on Acme": {"worker-acme": True, "other-globex": False,
                                     "everyone": False, "nothing": True},
        "approves everyone": dict.fromkeys(made, False),
        "tracks time": dict.fromkeys(made, False),
    }[reader]  # fmt: skip


def test_the_upgrade_judges_invoice_events_already_logged(app, admin, make_user, catalogue):
    """Invoice events logged before ``event_subjects`` existed get the records their invoice
    bills; those of an invoice deleted since reach only whoever bills everything."""
    from sqlalchemy import text

    from timetracker.store.migrate import downgrade, upgrade

    design = catalogue["tasks"]["design"]["id"]
    worker = make_user(ENTER_TIME_TRACK, username="worker", assign_all=True)
    worker.ok("patch", f"/timetrack/me/2026-03-02/{design}", {"time": 60})
    worker.ok("patch", f"/timetrack/me/2026-03-09/{design}", {"time": 60})
    biller = make_user(MANAGE_COST_BILLING, username="biller", scope_all=True)
    admin.ok("put", f"/users/{biller.id}/team", {"userIds": [worker.id]})
    kept = admin.ok("post", "/invoices", {"number": "K", "dateFrom": "2026-03-01",
                                          "dateTo": "2026-03-05"})  # fmt: skip
    gone = admin.ok("post", "/invoices", {"number": "G", "dateFrom": "2026-03-06",
                                          "dateTo": "2026-03-12"})  # fmt: skip
    admin.ok("delete", f"/invoices/{gone['id']}", status=204)
    invoice_events = [
        (e["name"], e["objectId"])
        for e in feed(biller)["items"]
        if e["name"].startswith("invoice.")
    ]
    assert invoice_events == [
        ("invoice.create", str(kept["id"])),
        ("invoice.create", str(gone["id"])),
        ("invoice.delete", str(gone["id"])),
    ]
    engine = app.extensions["timetracker"]["engine"]
    downgrade(engine, "0011")
    upgrade(engine)
    with engine.connect() as conn:
        subjects = conn.execute(
            text("SELECT user_id, task_id FROM event_subjects ORDER BY event_id")
        ).all()
    assert [tuple(s) for s in subjects] == [(worker.id, design), (0, 0), (0, 0)]
    seen = [(e["name"], e["objectId"]) for e in feed(biller)["items"]
            if e["name"].startswith("invoice.")]  # fmt: skip
    assert seen == [("invoice.create", str(kept["id"]))]
    assert len([e for e in feed(admin)["items"] if e["name"].startswith("invoice.")]) == 3
