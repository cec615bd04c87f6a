"""``timetracker backup``, ``restore`` and ``migrate``: looking after the database.

These commands open the database without starting the application, so that a restore finds the
database as empty as it is and a migration goes exactly where it is told."""

from __future__ import annotations

from pathlib import Path

import click

from timetracker.cli import db_option, main


def _engine(db: str | None):
    from timetracker.config import SettingError, load_config
    from timetracker.store.db import make_engine

    try:
        config = load_config({"DATABASE_URL": db} if db else None)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from exc
    return make_engine(config["DATABASE_URL"])


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def backup(file: Path, db: str | None) -> None:
    """Write a consistent copy of the database to FILE while the server runs.

    SQLite: the online backup API (the copy is the database of one moment). PostgreSQL: pg_dump
    in its custom format.
    """
    from timetracker.store.backup import BackupError
    from timetracker.store.backup import backup as take_backup

    engine = _engine(db)
    try:
        take_backup(engine, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"Backed up to {file}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def restore(file: Path, db: str | None) -> None:
    """Put the backup FILE into an empty database (a new SQLite file, or an empty PostgreSQL
    database), then bring its schema up to date."""
    from timetracker.store.backup import BackupError
    from timetracker.store.backup import restore as put_back
    from timetracker.store.migrate import upgrade

    engine = _engine(db)
    try:
        put_back(engine, file)
        upgrade(engine)  # a backup of an older version gets this version's schema
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"Restored {file}")


@main.command()
@click.option("--to", "revision", default="head", show_default=True, help="Schema revision.")
@db_option
def migrate(revision: str, db: str | None) -> None:
    """Upgrade the database schema (or, with --to REV, go to that revision: a downgrade when it
    is older; base: no schema). For operators who set TIMETRACKER_AUTO_MIGRATE=false."""
    from timetracker.store.migrate import current_revision, downgrade, revisions, upgrade

    order = ["base", *revisions()]
    target = order[-1] if revision == "head" else revision
    if target not in order:
        raise click.ClickException(f"No revision {revision}: one of {', '.join(order)} or head")
    engine = _engine(db)
    try:
        before = current_revision(engine) or "base"
        if order.index(target) >= order.index(before):
            upgrade(engine, target if target != "base" else "base")
        else:
            downgrade(engine, target)
        click.echo(f"Schema revision: {before} -> {current_revision(engine) or 'base'}")
    finally:
        engine.dispose()
