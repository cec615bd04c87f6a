"""The transaction of a request: every write request is one transaction; a read on PostgreSQL
runs without one (each statement has a snapshot of its own under READ COMMITTED anyway), and
gets one after all if it asks to write."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, PG_URL, ApiClient
from timetracker.store import db
from timetracker.store.db import finish_request_transaction, get_db


def driver_in_transaction(conn) -> bool:
    """Whether the database connection itself is inside a transaction (not SQLAlchemy's idea
    of it)."""
    driver = conn.connection.driver_connection
    if PG_URL:
        from psycopg import pq

        return driver.info.transaction_status != pq.TransactionStatus.IDLE
    return driver.in_transaction


def tag_names(app) -> list[str]:
    with app.extensions["timetracker"]["engine"].connect() as conn:
        return [name for (name,) in conn.execute(text("SELECT name FROM tags ORDER BY name"))]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_request_reads_and_writes_in_one_transaction(app, method):
    with app.test_request_context("/api/v1/tags", method=method):
        conn = get_db(write=False)  # as authentication does first
        conn.execute(text("SELECT 1"))
        assert driver_in_transaction(conn)
        assert get_db() is conn
        conn.execute(text("SELECT 1"))
        assert driver_in_transaction(conn)
        finish_request_transaction(commit=False)


def test_a_read_on_postgresql_holds_no_transaction_and_on_sqlite_one(app):
    with app.test_request_context("/api/v1/tags", method="GET"):
        conn = get_db()
        assert conn.execute(text("SELECT count(*) FROM tags")).scalar() == 0
        assert driver_in_transaction(conn) is (PG_URL is None)
        finish_request_transaction(commit=True)


def test_a_read_that_asks_to_write_gets_a_transaction_that_can_roll_back(app):
    with app.test_request_context("/api/v1/tags", method="GET"):
        conn = get_db()
        conn.execute(text("SELECT count(*) FROM tags"))
        writer = get_db(write=True)
        assert writer is conn
        writer.execute(
            text(
                "INSERT INTO tags (name, name_key, color, created) VALUES ('a', 'a', '#000000', 0)"
            )
        )
        writer.execute(
            text(
                "INSERT INTO tags (name, name_key, color, created) VALUES ('b', 'b', '#000000', 0)"
            )
        )
        assert driver_in_transaction(writer)
        finish_request_transaction(commit=False)
    assert tag_names(app) == []
    with app.test_request_context("/api/v1/tags", method="GET"):
        get_db().execute(text("SELECT 1"))
        get_db(write=True).execute(
            text(
                "INSERT INTO tags (name, name_key, color, created) VALUES ('c', 'c', '#000000', 0)"
            )
        )
        finish_request_transaction(commit=True)
    assert tag_names(app) == ["c"]


def test_reads_and_writes_through_http_after_one_another(admin):
    """The same pooled connections serve reads without a transaction and writes with one."""
    for n in range(5):
        admin.ok("post", "/tags", {"name": f"t{n}"})
        assert len(admin.ok("get", "/tags")["items"]) == n + 1
    response = admin.post("/tags", {"name": "t0"})
    assert response.status_code == 400
    assert [t["name"] for t in admin.ok("get", "/tags")["items"]] == [f"t{n}" for n in range(5)]


def backend_pid(app) -> int:
    """The server process behind the app's one pooled connection."""
    with app.extensions["timetracker"]["engine"].connect() as conn:
        return conn.connection.driver_connection.info.backend_pid


@pytest.mark.skipif(PG_URL is None, reason="SQLite has no connection to lose")
def test_a_connection_lost_while_idle_is_replaced_before_a_request_gets_it(
    make_app, monkeypatch, pg_admin_engine
):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    app = make_app()
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    admin.ok("get", "/users/me")
    lost = backend_pid(app)
    with pg_admin_engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    assert admin.ok("get", "/users/me")["username"] == "admin"
    assert admin.ok("post", "/tags", {"name": "after"})["name"] == "after"
    assert backend_pid(app) != lost


@pytest.mark.skipif(PG_URL is None, reason="SQLite has no connection to lose")
def test_a_connection_lost_within_the_moment_fails_one_request_with_503(
    make_app, monkeypatch, pg_admin_engine
):
    """A connection given back a moment ago is handed out untried: if it died in that moment,
    its request answers 503 in the error shape (nothing saved), and the next one is served."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    app = make_app()
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    admin.ok("get", "/users/me")
    with pg_admin_engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid(app)})
    response = admin.post("/tags", {"name": "lost"})
    assert response.status_code == 503
    assert response.get_json()["key"] == "api.error.database_unavailable"
    assert admin.ok("post", "/tags", {"name": "kept"})["name"] == "kept"
    assert [t["name"] for t in admin.ok("get", "/tags")["items"]] == ["kept"]
