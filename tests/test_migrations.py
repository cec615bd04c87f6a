"""The migrations build exactly the tables the code declares, and can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from timetracker.store.db import make_engine
from timetracker.store.migrate import downgrade, upgrade
from timetracker.store.schema import metadata


def test_migrations_match_the_declared_schema(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent_and_downgrade_removes_everything(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_sqlite_connections_are_configured(tmp_path):
    engine = make_engine(str(tmp_path / "pragma.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_modified_stamps_start_from_created_and_go_away_with_the_data_kept(database_url):
    """Upgrading a database with objects to 0011 stamps them; going back keeps every row."""
    engine = make_engine(database_url)
    upgrade(engine, "0010")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (name, name_key, archived, created) "
                "VALUES ('Acme', 'acme', false, 1700000000000)"
            )
        )
    upgrade(engine, "0011")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT modified FROM customers")).scalar() == 1700000000000
        assert conn.execute(text("SELECT min(modified) FROM departments")).scalar() > 0
        conn.execute(text("UPDATE customers SET description = 'x'"))
        assert conn.execute(text("SELECT modified FROM customers")).scalar() > 1700000000000
        conn.execute(
            text(
                "INSERT INTO customers (name, name_key, archived, created) "
                "VALUES ('Globex', 'globex', false, 1)"
            )
        )
        assert conn.execute(text("SELECT min(modified) FROM customers")).scalar() > 1
        users = conn.execute(text("SELECT count(*) FROM users")).scalar()
    downgrade(engine, "0010")
    assert "modified" not in {c["name"] for c in inspect(engine).get_columns("customers")}
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == users
        conn.execute(text("UPDATE customers SET description = 'y'"))  # no trigger left behind
    engine.dispose()


def test_a_large_cache_lasts_one_checkout(tmp_path):
    from timetracker.store.db import CACHE_KIB, LARGE_CACHE_KIB, large_cache

    engine = make_engine(str(tmp_path / "cache.db"), pool_size=1)
    with engine.connect() as conn:
        large_cache(conn)
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -LARGE_CACHE_KIB
    with engine.connect() as conn:  # the same pooled connection, back to the default
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -CACHE_KIB
    engine.dispose()
