"""Every failure answers in the one error shape, and a failed request changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_PASSWORD, PG_URL, ApiClient
from timetracker.services import catalogue


def assert_error(response, status, key):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["key"] == key
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"key", "message", "fields", "requestId"}
    assert body["requestId"] == response.headers["X-Request-Id"]
    return body


def test_unknown_path(admin):
    assert_error(admin.get("/nothing/here"), 404, "api.error.not_found")


def test_method_not_allowed(admin):
    response = admin.client.put("/api/v1/customers", headers=admin.headers, json={})
    assert_error(response, 405, "api.error.method_not_allowed")
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("body", ["{oops", "[1, 2]", '"text"', "42", "null"])
def test_bodies_that_are_not_a_json_object(admin, body):
    response = admin.client.post(
        "/api/v1/customers",
        data=body,
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "api.error.invalid_argument")


def test_body_that_is_not_json(admin):
    response = admin.client.post(
        "/api/v1/customers",
        data="name=Acme",
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 415, "api.error.unsupported_media_type")
    assert admin.ok("get", "/customers")["items"] == []


def test_oversized_body(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    response = admin.post("/customers", json={"name": "A", "description": "x" * 5000})
    assert_error(response, 413, "api.error.request_too_large")
    assert admin.ok("get", "/customers")["items"] == []


def test_validation_names_every_bad_field(admin):
    body = assert_error(
        admin.post("/tasks", json={"name": "", "estimatedTime": -1}),
        400,
        "api.error.invalid_argument",
    )
    assert set(body["fields"].split(", ")) == {"name", "estimatedTime", "projectId"}


def test_internal_errors_leak_nothing_and_roll_back(admin, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("secret detail from deep inside")

    # The customer is inserted, then reading it back fails: the insert must not survive.
    monkeypatch.setattr(catalogue.customers, "find", fail)
    response = admin.post("/customers", json={"name": "Half done"})
    body = assert_error(response, 500, "api.error.internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["message"] == "Internal server error"
    monkeypatch.undo()
    assert admin.ok("get", "/customers")["items"] == []


def test_a_refused_write_leaves_no_trace(admin, catalogue):
    web = catalogue["projects"]["web"]
    before = admin.ok("get", "/tasks")
    response = admin.post("/tasks", json={"projectId": web["id"], "name": "Build"})
    assert_error(response, 400, "api.error.task_exists")
    assert admin.ok("get", "/tasks") == before


def test_unrouted_method_with_a_body_is_405_not_415(admin):
    response = admin.client.put(
        "/api/v1/users/import", data="x", headers={**admin.headers, "Content-Type": "text/plain"}
    )
    assert_error(response, 405, "api.error.method_not_allowed")


def test_writes_need_a_body(admin, catalogue):
    customer = catalogue["customers"]["acme"]
    response = admin.client.patch(f"/api/v1/customers/{customer['id']}", headers=admin.headers)
    assert_error(response, 400, "api.error.invalid_argument")
    assert admin.ok("patch", f"/customers/{customer['id']}", {}) == admin.ok(
        "get", f"/customers/{customer['id']}"
    )


class _Failure(Exception):
    def __init__(self, sqlstate: str | None):
        super().__init__(f"commit refused ({sqlstate})")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "status", "key"),
    [
        (None, 503, "api.error.database_unavailable"),  # e.g. a full disk
        ("40001", 409, "api.error.write_conflict"),  # PostgreSQL serialization failure
        ("40P01", 409, "api.error.write_conflict"),  # deadlock detected
    ],
)
def test_a_failed_commit_is_never_reported_as_success(
    admin, catalogue, monkeypatch, sqlstate, status, key
):
    from sqlalchemy.engine import Connection
    from sqlalchemy.exc import OperationalError

    acme = catalogue["customers"]["acme"]["id"]

    real_commit = Connection.commit

    def refuse(self):
        """Fail the commit of the request's write transaction (not its authentication read)."""
        if not self.get_execution_options().get("write"):
            return real_commit(self)
        raise OperationalError("COMMIT", {}, _Failure(sqlstate))

    monkeypatch.setattr(Connection, "commit", refuse)
    response = admin.patch(f"/customers/{acme}", json={"name": "Renamed"})
    monkeypatch.undo()
    body = assert_error(response, status, key)
    assert "nothing was saved" in body["message"]
    assert "Retry-After" in response.headers
    assert admin.ok("get", f"/customers/{acme}")["name"] == "Acme"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/customers/{acme}?x=1"),
        ("get", "/customers/{acme}?archived=true"),
        ("get", "/users/me?verbose=1"),
        ("delete", "/customers/{acme}?force=true"),
    ],
)
def test_an_operation_without_query_arguments_refuses_any(admin, catalogue, method, path):
    acme = catalogue["customers"]["acme"]["id"]
    kwargs = {"json": {"name": "Renamed"}} if method == "patch" else {}
    response = getattr(admin, method)(path.format(acme=acme), **kwargs)
    assert_error(response, 400, "api.error.invalid_argument")
    assert admin.ok("get", f"/customers/{acme}")["name"] == "Acme"


@pytest.mark.parametrize(
    "query", ["ids={a}&ids={b}", "limit=1&limit=2", "archived=true&archived=false"]
)
def test_a_repeated_query_parameter_is_refused(admin, catalogue, query):
    a, b = (c["id"] for c in catalogue["customers"].values())
    response = admin.get("/customers?" + query.format(a=a, b=b))
    body = assert_error(response, 400, "api.error.invalid_argument")
    assert "more than once" in body["message"]
    assert [c["id"] for c in admin.ok("get", f"/customers?ids={a},{b}")["items"]] == [a, b]


def test_a_database_that_stays_locked_answers_503(admin, monkeypatch):
    """SQLite's write lock still held by another connection after the busy timeout: the
    request answers 503 in the error shape, not 500, and saves nothing."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from timetracker.services import catalogue

    def locked(*_args, **_kwargs):
        raise OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
        )

    monkeypatch.setattr(catalogue.customers, "create", locked)
    response = admin.post("/customers", json={"name": "Acme"})
    assert response.status_code == 503
    assert response.get_json()["key"] == "api.error.database_unavailable"
    assert response.headers["Retry-After"] == "1"
    monkeypatch.undo()
    assert admin.ok("get", "/customers")["items"] == []


@pytest.mark.skipif(PG_URL is not None, reason="SQLite's database-wide write lock")
def test_a_write_lock_held_past_the_busy_timeout_answers_503(make_app, monkeypatch):
    """Another connection holds SQLite's write lock for longer than the busy timeout: the
    request's BEGIN IMMEDIATE gives up, and the answer is 503 in the error shape."""
    import sqlite3

    from timetracker.store import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    app = make_app()
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    admin.ok("get", "/customers")
    path = app.extensions["timetracker"]["engine"].url.database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = admin.post("/customers", json={"name": "Acme"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["key"] == "api.error.database_unavailable"
    assert admin.ok("get", "/customers")["items"] == []


# --- JSON bodies beyond the limits of what the server reads ------------------------------------


def nested(levels: int) -> bytes:
    """A body ``{"name": [[...]]}`` whose arrays and objects nest ``levels`` deep in all."""
    inner = levels - 1
    return b'{"name": ' + b"[" * inner + b"]" * inner + b"}"


def no_time_tracked(admin) -> bool:
    days = admin.ok("get", "/timetrack?dateFrom=2026-03-02")["data"]
    return all(day["records"] == [] for day in days)


def send_json(admin, method: str, path: str, body: bytes):
    return admin.client.open(
        "/api/v1" + path,
        method=method,
        data=body,
        headers={**admin.headers, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize("levels", [65, 10_000])
def test_a_body_nested_too_deep_is_refused(admin, worker, catalogue, levels):
    task = catalogue["tasks"]["design"]["id"]
    for method, path, body in (
        ("POST", "/customers", nested(levels)),
        ("PATCH", f"/timetrack/worker/2026-03-02/{task}", nested(levels).replace(b"name", b"time")),
    ):
        answer = assert_error(
            send_json(admin, method, path, body), 400, "api.error.invalid_argument"
        )
        assert "more than 64 levels" in answer["message"], answer
    assert len(admin.ok("get", "/customers")["items"]) == 2
    assert no_time_tracked(admin)


def test_a_body_nested_64_deep_is_read(admin):
    """The limit is on the body, not what the schema makes of it: 64 levels are parsed, and the
    field that cannot take an array says so."""
    answer = assert_error(
        send_json(admin, "POST", "/customers", nested(64)), 400, "api.error.invalid_argument"
    )
    assert answer["fields"] == "name"


@pytest.mark.parametrize("digits", [101, 5_000])
@pytest.mark.parametrize("sign", ["", "-"], ids=["positive", "negative"])
def test_an_integer_of_more_than_100_digits_is_refused(admin, worker, catalogue, digits, sign):
    task = catalogue["tasks"]["design"]["id"]
    number = (sign + "9" * digits).encode()
    for method, path, body in (
        ("POST", "/customers", b'{"name": "Initech", "description": ' + number + b"}"),
        ("PATCH", f"/timetrack/worker/2026-03-02/{task}", b'{"time": ' + number + b"}"),
    ):
        answer = assert_error(
            send_json(admin, method, path, body), 400, "api.error.invalid_argument"
        )
        assert "more than 100 digits" in answer["message"], answer
    assert len(admin.ok("get", "/customers")["items"]) == 2
    assert no_time_tracked(admin)


def test_an_integer_of_100_digits_reaches_the_field(admin):
    body = b'{"name": "Initech", "description": ' + b"9" * 100 + b"}"
    answer = assert_error(
        send_json(admin, "POST", "/customers", body), 400, "api.error.invalid_argument"
    )
    assert answer["fields"] == "description"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1E+999"])
def test_a_number_that_is_not_finite_is_refused(admin, number):
    body = b'{"name": "Initech", "description": ' + number.encode() + b"}"
    answer = assert_error(
        send_json(admin, "POST", "/customers", body), 400, "api.error.invalid_argument"
    )
    assert "not finite" in answer["message"], answer
    assert admin.ok("get", "/customers")["items"] == []


def test_brackets_and_digits_inside_strings_are_only_text(admin):
    """The limits look at the JSON's structure, not at text that looks like it (escaped quotes
    and backslashes included)."""
    description = "[" * 100 + "{" * 100 + '"[' + "7" * 200 + "\\"
    body = json.dumps({"name": "Initech", "description": description, "x": [[1]]})
    response = send_json(admin, "POST", "/customers", body.encode())
    assert response.status_code == 400  # x is not a field: the body was read
    assert response.get_json()["fields"] == "x"
    response = admin.post("/customers", json={"name": "Initech", "description": description})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["description"] == description


def test_the_applications_json_loading_keeps_the_same_limits(app):
    """request.get_json (which no view uses yet) reads through the same limits: a 400."""
    from flask import request
    from werkzeug.exceptions import BadRequest

    def body_of(data: bytes):
        return app.test_request_context(
            "/", method="POST", data=data, content_type="application/json"
        )

    for data in (nested(10_000), b'{"a": ' + b"9" * 5_000 + b"}", b'{"a": NaN}'):
        with body_of(data), pytest.raises(BadRequest):
            request.get_json()
    with body_of(nested(64)):
        assert len(json.dumps(request.get_json())) == len(nested(64))
