"""Online backups and restores of the whole database.

SQLite: the backup API copies the database page by page inside one read transaction, so the
copy is the consistent state of one moment while the server goes on writing (WAL lets writers
continue). PostgreSQL: ``pg_dump`` (custom format), which reads one snapshot; ``pg_restore``
puts it back. A restore goes only into an empty database: it never mixes two companies.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, inspect


class BackupError(Exception):
    """A backup or restore that could not be done, with the reason for a person."""


def _pg_url(engine: Engine) -> str:
    """The libpq form of the engine's URL (``postgresql://``, its options kept)."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (it comes with PostgreSQL's client tools)")
    return found


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (a new file)."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file")
    if engine.dialect.name == "sqlite":
        source = engine.raw_connection()
        try:
            with closing(sqlite3.connect(target)) as copy:
                source.driver_connection.backup(copy)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        finally:
            source.close()
        return
    done = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _pg_url(engine)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore(engine: Engine, source: Path) -> None:
    """Put the backup ``source`` into the engine's database, which must be empty."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not is_empty(engine):
        raise BackupError("The database is not empty: restore into a new, empty database")
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_copy:
            if backup_copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not a sound SQLite database")
            target = engine.raw_connection()
            try:
                backup_copy.backup(target.driver_connection)
            finally:
                target.close()
        return
    done = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_pg_url(engine)}",
         str(source)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
