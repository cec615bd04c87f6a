"""Every answer carries a request id; every request writes one access log line."""

from __future__ import annotations

import json
import logging


def test_every_answer_carries_a_request_id(client, admin):
    ok = admin.get("/customers")
    refused = client.get("/api/v1/customers")
    missing = admin.get("/customers/999999")
    ids = [r.headers["X-Request-Id"] for r in (ok, refused, missing)]
    assert [r.status_code for r in (ok, refused, missing)] == [200, 401, 404]
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)
    # A proxy's id is kept when it is sensible, replaced when not.
    kept = client.get("/api/v1/health", headers={"X-Request-Id": "edge-42.a_b"})
    assert kept.headers["X-Request-Id"] == "edge-42.a_b"
    for bad in ("x" * 129, "with space", "new\\nline"):
        replaced = client.get("/api/v1/health", headers={"X-Request-Id": bad})
        assert replaced.headers["X-Request-Id"] != bad


def test_one_log_line_per_request(admin, caplog):
    with caplog.at_level(logging.INFO, logger="timetracker.access"):
        response = admin.get("/customers/999999")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "timetracker.access"]
    assert "GET /api/v1/customers/999999 404" in line
    assert "user=admin" in line and f"id={response.headers['X-Request-Id']}" in line


def test_json_lines(make_app, caplog):
    from tests.conftest import ADMIN_PASSWORD, ApiClient

    app = make_app(LOG_FORMAT="json")
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    with caplog.at_level(logging.INFO, logger="timetracker.access"):
        response = admin.post("/customers", json={"name": "Acme"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "timetracker.access"]
    entry = json.loads(line)
    assert entry["method"] == "POST" and entry["path"] == "/api/v1/customers"
    assert entry["status"] == 200 and entry["user"] == "admin"
    assert entry["requestId"] == response.headers["X-Request-Id"]
    assert entry["ms"] >= 0 and entry["time"].endswith("+00:00")


def test_no_log_when_turned_off(make_app, caplog):
    app = make_app(ACCESS_LOG=False)
    with caplog.at_level(logging.INFO, logger="timetracker.access"):
        assert app.test_client().get("/api/v1/health").headers["X-Request-Id"]
    assert not [r for r in caplog.records if r.name == "timetracker.access"]
