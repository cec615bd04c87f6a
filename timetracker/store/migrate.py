"""Schema upgrades through Alembic, run programmatically (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from timetracker.store.db import write_transaction

# The PostgreSQL advisory lock that schema upgrades take turns on (any constant will do).
UPGRADE_LOCK = 7_462_317


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", "timetracker.store:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; a no-op when it is already there.

    Server processes starting together on one database take turns: the upgrade runs in one
    transaction that first takes a lock held until it commits (on PostgreSQL an advisory lock,
    on SQLite the database's write lock, ``BEGIN IMMEDIATE``), so the later processes find the
    schema up to date and do nothing.
    """
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``base``: nothing), under the same lock."""
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]
