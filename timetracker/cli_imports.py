"""``timetracker import FORMAT FILE``: the exports of other time trackers (Toggl Track, Clockify,
Harvest, Kimai, TimeTagger) and this server's own entries CSV (``import entries``), one command
per format, all through ``services.imports`` (a dry run, re-run keys), with progress bars on
standard error."""

from __future__ import annotations

import sys

import click

from timetracker.cli import _import_as_administrator, db_option, import_group


class _Bars:
    """Progress bars on standard error, one stage after another: ``bars(label, length)``
    closes the bar before and opens the next, answering its update function."""

    def __init__(self):
        self.bar = None

    def __call__(self, label: str, length: int):
        self.close()
        self.bar = click.progressbar(length=length, label=label, file=sys.stderr)
        self.bar.__enter__()
        return self.bar.update

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _history_command(format_name: str, title: str) -> None:
    """``timetracker import FORMAT FILE`` of one format's file."""

    @import_group.command(format_name, help=f"Import the time entries of {title}; see the README.")
    @click.argument("export_file", type=click.File("rb"))
    @click.option("--dry-run", is_flag=True, help="Judge the file and show what it would create.")
    @click.option(
        "--create-users", is_flag=True, help="Create the users the file names that do not exist."
    )
    @click.option(
        "--assign/--no-assign",
        default=True,
        show_default=True,
        help="Assign each user the tasks of their lines first.",
    )
    @click.option(
        "--user", metavar="USERNAME", help="The user of a file that names none (TimeTagger)."
    )
    @db_option
    def command(export_file, dry_run, create_users, assign, user, db) -> None:
        from timetracker.errors import ApiError
        from timetracker.services import imports

        data = export_file.read()
        bars = _Bars()
        options = imports.Options(dry_run, create_users, assign, user)

        def run(connect, caller, config):
            options.max_rows = config["TIMETRACK_IMPORT_MAX_ROWS"]
            try:
                return imports.import_file(connect, caller, format_name, data, options, bars)
            finally:
                bars.close()

        try:
            result = _import_as_administrator(db, run, f"import {format_name}")
        except ApiError as exc:  # refused whole (not a file's lines)
            raise click.ClickException(exc.message) from exc
        verb = "Would create" if dry_run else "Created"
        click.echo(
            f"Read {result['lines']} lines: {verb.lower()} {result['entriesCreated']} entries "
            f"({result['minutesCreated']} minutes); {result['alreadyImported']} imported "
            f"before, {result['skipped']} with nothing to count."
        )
        for key, what in (
            ("usersCreated", "users"),
            ("customersCreated", "customers"),
            ("projectsCreated", "projects"),
            ("tasksCreated", "tasks"),
            ("tagsCreated", "tags"),
        ):
            if result[key]:
                click.echo(f"{verb} {len(result[key])} {what}: {', '.join(result[key])}")
        if result["tasksAssigned"]:
            click.echo(f"{verb} {result['tasksAssigned']} work assignments.")


def _history_commands() -> None:
    from timetracker.services.import_formats import FORMATS

    for name, fmt in FORMATS.items():
        title = "this server's entries CSV" if name == "entries" else f"an export of {fmt.title}"
        _history_command(name, title)


_history_commands()
