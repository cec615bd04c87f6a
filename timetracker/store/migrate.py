"""Schema upgrades through Alembic, run programmatically (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", "timetracker.store:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; a no-op when it is already there."""
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()
