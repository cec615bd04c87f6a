"""The ``timetracker`` command: serve, create-user, set-password, demo, routes, import, export,
backup, restore, migrate, check."""

from __future__ import annotations

import functools
import logging
import sys
from contextlib import contextmanager

import click

from timetracker.access import PERMISSIONS


def _started_app(db: str | None):
    """The database readied as a start readies it (migrated, the administrator created on the
    first start), then the app: the app, and whether this start created the administrator."""
    from timetracker import create_app
    from timetracker.config import SettingError
    from timetracker.startup import prepare_database

    settings = {"DATABASE_URL": db} if db else None
    try:
        admin_created = prepare_database(settings)
        return create_app(settings), admin_created
    except SettingError as exc:
        raise click.ClickException(str(exc)) from exc


def _app(db: str | None):
    """The app of a command or the server, on a database readied by :func:`_started_app`."""
    return _started_app(db)[0]


@click.group()
@click.version_option(package_name="timetracker")
def main() -> None:
    """Self-hosted time-tracking server with an actiTIME-style REST API."""


db_option = click.option(
    "--db",
    metavar="PATH_OR_URL",
    help="SQLite file or database URL [default: TIMETRACKER_DATABASE_URL or data/timetracker.db]",
)


def _password(given: str | None, prompt: str) -> str:
    """The ``--password`` given, or one asked for (twice) on a terminal; never empty."""
    if given is None:
        if not sys.stdin.isatty():
            raise click.UsageError("--password is required when not run interactively")
        given = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    if not given:
        raise click.UsageError("The password must not be empty")
    return given


def _return_large_blocks() -> None:
    """Fix glibc's mmap threshold at its default (128 KiB).

    glibc raises the threshold each time a large block is freed; from then on large blocks (the
    chunks of a streamed answer) come from per-thread heaps that it
    does not give back, so every worker thread kept some 20 MB after one large CSV export. A
    fixed threshold keeps large blocks mapped on their own and returned when freed. Elsewhere
    (no glibc) there is nothing to do.
    """
    import ctypes

    m_mmap_threshold = -3  # glibc's malloc.h
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(m_mmap_threshold, 128 * 1024)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@db_option
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Worker threads (of each process): more help only while requests wait (on "
    "PostgreSQL's round trips, SQLite's write lock, slow readers of long exports).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (granian workers); more than 1 needs the rate limits in Redis.",
)
def serve(host: str, port: int, db: str | None, threads: int, workers: int) -> None:
    """Run the API server (granian), upgrading the database first
    (once, before any worker starts). SIGTERM stops it gracefully."""
    from timetracker import serving
    from timetracker.access_log import log_to_stderr
    from timetracker.config import SettingError, load_config

    try:
        problem = serving.multiprocess_problem(load_config(), workers)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from exc
    if problem:
        raise click.ClickException(problem)
    _return_large_blocks()
    logging.basicConfig()  # so that the server's warnings are shown
    log_to_stderr()

    def listening() -> None:
        click.echo(
            f"timetracker listening on http://{host}:{port}/api/v1 "
            f"(Swagger UI: http://{host}:{port}/api/v1/swagger)",
            err=True,
        )

    try:
        serving.serve(functools.partial(_app, db), host, port, threads, workers, listening)
    except serving.CannotListen as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc}") from None


@main.command("create-user")
@click.argument("username")
@click.option("--password", help="Password; asked for when omitted.")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    type=click.Choice(sorted(PERMISSIONS)),
    help="Permission to grant; repeat for several.",
)
@click.option("--first-name", help="First name [default: the username].")
@click.option("--last-name", default="", help="Last name.")
@db_option
def create_user(username, password, permissions, first_name, last_name, db) -> None:
    """Create a user who can log in with HTTP Basic auth."""
    from timetracker.services.accounts import create_user as create

    password = _password(password, "Password")
    app = _app(db)
    try:
        user_id = create(
            app.extensions["timetracker"]["engine"],
            username,
            password,
            permissions,
            app.config["PASSWORD_HASH_METHOD"],
            first_name=first_name,
            last_name=last_name,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Created user '{username}' (id {user_id}) with permissions: "
        f"{', '.join(permissions) or 'none'}"
    )


@main.command("set-password")
@click.argument("username")
@click.option("--password", help="The new password; asked for when omitted.")
@db_option
def set_password(username: str, password: str | None, db: str | None) -> None:
    """Give an existing user (for example admin) a new password."""
    from timetracker.services.accounts import set_password as set_new

    password = _password(password, "New password")
    app = _app(db)
    try:
        set_new(
            app.extensions["timetracker"]["engine"],
            username,
            password,
            app.config["PASSWORD_HASH_METHOD"],
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Set a new password for '{username}'.")


@contextmanager
def command_context(app, command: str, caller):
    """A request context for a command that works through the services as ``caller``: the
    rules' per-call memory, and the event log's record of which command made the changes."""
    from flask import g

    from timetracker.services.events import COMMAND

    with app.test_request_context("/api/v1/", environ_base={COMMAND: command}):
        g.caller = caller
        yield


@main.command()
@db_option
def demo(db: str | None) -> None:
    """Load a small demo company (customers, projects, tasks, statuses, types of work)."""
    from timetracker import demo as demo_data
    from timetracker.store.catalogue import CUSTOMERS
    from timetracker.store.db import write_transaction
    from timetracker.store.entities import count_where

    app, admin_created = _started_app(db)
    engine = app.extensions["timetracker"]["engine"]
    with command_context(app, "demo", demo_data.LOADER), write_transaction(engine) as conn:
        if count_where(conn, CUSTOMERS) > 0:
            raise click.ClickException(
                "This database already has customers; the demo loads into an empty database "
                "(use --db to choose another file)."
            )
        counts = demo_data.load(conn, hash_method=app.config["PASSWORD_HASH_METHOD"])
    click.echo("Loaded the demo company: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    click.echo("Every demo user's password is their username (for example jsmith / jsmith).")
    if not admin_created:
        click.echo(
            "'admin' keeps the password it was given when this database was created "
            "(TIMETRACKER_ADMIN_PASSWORD applies only then); "
            "'timetracker set-password admin' sets a new one."
        )
    elif app.config["ADMIN_PASSWORD"]:
        click.echo("Log in as 'admin' with the password in TIMETRACKER_ADMIN_PASSWORD.")
    else:
        click.echo("Log in as 'admin' with the password printed above.")


@main.command()
@click.option("--markdown", is_flag=True, help="As the Markdown page docs/routes.md.")
def routes(markdown: bool) -> None:
    """Print every route: method, path, the view that answers it, and the service functions
    that view calls.

    The service functions are read from each view's code: every call it makes into
    timetracker.services, as a module's function (totals.of_object), a service object's method
    (service.list on timetracker.services.catalogue.customers) or a function imported by name.
    Nothing is declared for it, so a new view is indexed as it is written; a view that calls no
    service (the health check, the document) shows none. Opens no database.
    """
    import tempfile

    from timetracker import create_app, route_index
    from timetracker.config import SettingError

    with tempfile.TemporaryDirectory() as unused:
        # Every route the server can answer: the metrics' too.
        settings = {
            "DATABASE_URL": f"{unused}/unused.db",
            "METRICS": "token",
            "METRICS_TOKEN": "x" * 32,
        }
        try:
            app = create_app(settings)
        except SettingError as exc:
            raise click.ClickException(str(exc)) from exc
        app.extensions["timetracker"]["engine"].dispose()
    found = route_index.routes(app)
    for line in route_index.markdown(found) if markdown else route_index.text_table(found):
        click.echo(line)


@main.group("import")
def import_group() -> None:
    """Import data from files."""


@import_group.command("users")
@click.argument("csv_file", type=click.File("rb"))
@db_option
def import_users(csv_file, db: str | None) -> None:
    """Import users from a CSV file (see the README for the template).

    Every row is checked first; if any row is bad, every problem is listed with its line
    number and nothing is imported.
    """
    from timetracker.errors import ApiError
    from timetracker.services import user_import
    from timetracker.store.db import write_transaction

    app = _app(db)
    engine = app.extensions["timetracker"]["engine"]
    with engine.connect() as conn:
        plan = user_import.plan(conn, csv_file.read())
    if plan.errors:
        for error in plan.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"Nothing was imported: {len(plan.errors)} problem(s).")
    with click.progressbar(length=len(plan.rows), label="Hashing passwords") as bar:
        user_import.hash_passwords(plan.rows, app.config["PASSWORD_HASH_METHOD"], bar.update)
    try:
        with write_transaction(engine) as conn:
            user_ids = user_import.create_users(conn, plan.rows)
    except ApiError as exc:  # the re-check found a username taken meanwhile
        raise click.ClickException(exc.message) from exc
    click.echo(f"Imported {len(user_ids)} users.")


def _import_as_administrator(db: str | None, run, command: str) -> dict:
    """``run(connect, caller)`` in one write transaction, as the administrator, in a request
    context of its own (the rules' per-call memory; the event log names the command). A
    refused file prints every problem and changes nothing."""
    from timetracker.permissions import COMMAND_LINE
    from timetracker.services.csv_import import CsvRefused
    from timetracker.store.db import write_transaction

    app = _app(db)
    engine = app.extensions["timetracker"]["engine"]
    try:
        with command_context(app, command, COMMAND_LINE), write_transaction(engine) as conn:
            return run(lambda write: conn, COMMAND_LINE, app.config)
    except CsvRefused as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"Nothing was imported: {len(exc.errors)} problem(s).") from exc
    finally:
        engine.dispose()


@import_group.command("tasks")
@click.argument("csv_file", type=click.File("rb"))
@db_option
def import_tasks(csv_file, db: str | None) -> None:
    """Import tasks, with their projects and customers, from a CSV file (see the README).

    Missing customers and projects are created; a task that exists already is a line error.
    Every line is checked first; if any is bad, every problem is listed with its line number
    and nothing is imported.
    """
    from timetracker.services import task_import

    data = csv_file.read()
    result = _import_as_administrator(
        db,
        lambda connect, caller, config: task_import.import_csv(connect, caller, data),
        "import tasks",
    )
    click.echo(
        f"Imported {result['imported']} tasks (created {len(result['customerIds'])} customers "
        f"and {len(result['projectIds'])} projects)."
    )


@import_group.command("timetrack")
@click.argument("csv_file", type=click.File("rb"))
@click.option(
    "--assign", is_flag=True, help="Assign each task to its user first where it is not yet."
)
@db_option
def import_timetrack(csv_file, assign: bool, db: str | None) -> None:
    """Import time-track records from a CSV file (see the README).

    Each line adds its minutes to the user's record on that task and day. Every line is checked
    as a change through the API would be (assignments, employment, locks, approved weeks,
    billed records, 1440 minutes a day); if any is bad, every problem is listed with its line
    number and nothing is imported.
    """
    from timetracker.services import timetrack_import

    data = csv_file.read()
    result = _import_as_administrator(
        db,
        lambda connect, caller, config: timetrack_import.import_csv(
            connect, caller, data, assign=assign, max_rows=config["TIMETRACK_IMPORT_MAX_ROWS"]
        ),
        "import timetrack",
    )
    click.echo(
        f"Imported {result['imported']} lines: {result['recordsCreated']} new records, "
        f"{result['recordsUpdated']} records added to, {result['tasksAssigned']} tasks assigned."
    )


# The export, administration and history import commands (``import entries`` among the
# latter) live in their own modules; importing them adds them to ``main``.
from timetracker import cli_admin, cli_export, cli_imports  # noqa: E402, F401
