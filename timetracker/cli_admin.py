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


def _check_records(engine, repair: bool) -> None:
    """The day records against their entries (see :func:`check`)."""
    from timetracker.store import kept_totals, time_entries

    with engine.connect() as conn:
        cells = time_entries.disagreeing_cells(conn, limit=21)
    if not cells:
        click.echo("Day records: every record equals the sum of its time entries.")
        return
    more = "more than 20" if len(cells) > 20 else str(len(cells))
    click.echo(f"Day records: {more} disagree with the sum of their time entries:")
    for user_id, day, task_id in cells[:20]:
        click.echo(f"  user {user_id}, {day}, task {task_id}")
    if not repair:
        click.echo("Run `timetracker check --repair` to write them again from the entries.")
        raise SystemExit(1)
    while cells:
        with kept_totals.repairing(engine) as conn:
            time_entries.resum_cells(conn, cells)
            cells = time_entries.disagreeing_cells(conn, limit=1000)
    click.echo("Repaired: the day records were written again from their entries.")


@main.command()
@click.option("--repair", is_flag=True, help="Write what disagrees again from the time entries.")
@db_option
def check(repair: bool, db: str | None) -> None:
    """Check what the database keeps beside the time entries against the entries themselves:
    every time-track record must be the sum of its day's and task's entries (minutes, what of
    them is marked billable or not, billed minutes, invoice), and the monthly totals (minutes,
    billed minutes, cost per user, task and month) the sums of the records. Exits 1 when
    something disagrees; --repair writes the records and the kept totals again from the entries
    (the entries are never changed). Safe while the server runs."""
    from timetracker.store import kept_totals

    engine = _engine(db)
    try:
        _check_records(engine, repair)
        with engine.connect() as conn:
            count, listed = kept_totals.differences(conn)
        if not count:
            click.echo("Kept totals: every row equals the sum of its records.")
            return
        click.echo(f"Kept totals: {count} row(s) disagree with the sum of their records:")
        for row in listed:
            kept = "none" if row.kept_minutes is None else f"{row.kept_minutes} min"
            summed = "none" if row.record_minutes is None else f"{row.record_minutes} min"
            click.echo(
                f"  {row.month:%Y-%m}, user {row.user_id}, task {row.task_id}: "
                f"kept {kept}, records {summed}"
            )
        if count > len(listed):
            click.echo(f"  ... and {count - len(listed)} more")
        if not repair:
            click.echo("Run `timetracker check --repair` to compute them again from the records.")
            raise SystemExit(1)
        with kept_totals.repairing(engine) as conn:
            kept_totals.rebuild(conn)
            count, _ = kept_totals.differences(conn)
        if count:  # the rebuild is the definition of the totals: this is a bug
            raise click.ClickException(f"{count} row(s) still disagree after the repair")
        click.echo("Repaired: the kept totals were computed again from the records.")
    finally:
        engine.dispose()
