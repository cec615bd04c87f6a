"""Backups while the server writes, restores into empty databases, and schema migrations from
the command line."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from contextlib import closing

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, PG_URL, ApiClient, app_settings
from timetracker.cli import main
from timetracker.startup import prepare_database
from timetracker.store.db import make_engine

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="a SQLite file's backup")


@sqlite_only
def test_a_backup_taken_during_writes_holds_every_write_acknowledged_before_it(
    make_app, migrated_database_url, tmp_path
):
    app = make_app(RATELIMIT_PER_SECOND=1_000_000, RATELIMIT_PER_MINUTE=1_000_000)
    admin = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
    acknowledged: list[str] = []
    stop = threading.Event()

    def write():
        client = ApiClient(app.test_client(), "admin", ADMIN_PASSWORD)
        n = 0
        while not stop.is_set():
            name = f"Customer {n}"
            if client.post("/customers", json={"name": name}).status_code == 200:
                acknowledged.append(name)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(acknowledged) < 50:
            stop.wait(0.01)
        before = list(acknowledged)
        copy = tmp_path / "copy.db"
        result = CliRunner().invoke(main, ["backup", str(copy), "--db", migrated_database_url])
        assert result.exit_code == 0, result.output
        during = len(acknowledged)
    finally:
        stop.set()
        writer.join()
    assert len(acknowledged) > during or during > len(before)  # writes went on throughout
    restored = tmp_path / "restored.db"
    result = CliRunner().invoke(main, ["restore", str(copy), "--db", str(restored)])
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(restored)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = {r[0] for r in conn.execute("SELECT name FROM customers")}
    assert set(before) <= names
    assert names <= set(acknowledged)
    # The restored database serves: the same admin logs in and sees the customers.
    restored_app = make_app(DATABASE_URL=str(restored))
    listed = ApiClient(restored_app.test_client(), "admin", ADMIN_PASSWORD).ok("get", "/customers")
    assert {c["name"] for c in listed["items"]} == names
    assert admin.ok("get", "/customers")["items"]  # the source kept working


@sqlite_only
def test_backup_and_restore_refuse_to_overwrite(migrated_database_url, tmp_path):
    copy = tmp_path / "copy.db"
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(copy), "--db", migrated_database_url]).exit_code == 0
    again = runner.invoke(main, ["backup", str(copy), "--db", migrated_database_url])
    assert again.exit_code == 1 and "exists already" in again.output
    into_full = runner.invoke(main, ["restore", str(copy), "--db", migrated_database_url])
    assert into_full.exit_code == 1 and "not empty" in into_full.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    bad = runner.invoke(main, ["restore", str(junk), "--db", str(tmp_path / "new.db")])
    assert bad.exit_code == 1


def test_migrate_goes_to_the_revision_it_is_told(database_url):
    runner = CliRunner()
    up = runner.invoke(main, ["migrate", "--db", database_url])
    assert up.exit_code == 0 and "base -> 0" in up.output, up.output
    head = up.output.strip().rsplit(" ", 1)[1]
    down = runner.invoke(main, ["migrate", "--to", "0005", "--db", database_url])
    assert down.exit_code == 0 and down.output.strip().endswith(f"{head} -> 0005"), down.output
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0005"
    engine.dispose()
    assert runner.invoke(main, ["migrate", "--db", database_url]).output.strip().endswith(head)
    unknown = runner.invoke(main, ["migrate", "--to", "9999", "--db", database_url])
    assert unknown.exit_code == 1 and "No revision 9999" in unknown.output


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's pg_dump and pg_restore")
def test_postgresql_backup_and_restore(pg_admin_engine, tmp_path, make_app):
    names = [f"tt_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    autocommit = pg_admin_engine.execution_options(isolation_level="AUTOCOMMIT")
    base = PG_URL.rsplit("/", 1)[0]
    with autocommit.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        source, target = (f"{base}/{name}" for name in names)
        prepare_database(app_settings(source))
        app = make_app(DATABASE_URL=source)
        ApiClient(app.test_client(), "admin", ADMIN_PASSWORD).ok(
            "post", "/customers", {"name": "Acme"}
        )
        app.extensions["timetracker"]["engine"].dispose()
        dump = tmp_path / "company.dump"
        runner = CliRunner()
        assert runner.invoke(main, ["backup", str(dump), "--db", source]).exit_code == 0
        restored = runner.invoke(main, ["restore", str(dump), "--db", target])
        assert restored.exit_code == 0, restored.output
        again = make_app(DATABASE_URL=target)
        listed = ApiClient(again.test_client(), "admin", ADMIN_PASSWORD).ok("get", "/customers")
        assert [c["name"] for c in listed["items"]] == ["Acme"]
        again.extensions["timetracker"]["engine"].dispose()
    finally:
        with autocommit.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
