"""The ``timetracker`` command: serve, create-user, set-password, demo, import, export."""

from __future__ import annotations

import errno
import logging
import sys

import click

from timetracker.access import PERMISSIONS


def _app(db: str | None):
    from timetracker import create_app
    from timetracker.config import SettingError

    try:
        return create_app({"DATABASE_URL": db} if db else None)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from exc


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
    chunks of a streamed answer, waitress's output buffers) come from per-thread heaps that it
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
    "--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Worker threads."
)
def serve(host: str, port: int, db: str | None, threads: int) -> None:
    """Run the API server (waitress), upgrading the database first."""
    import waitress

    _return_large_blocks()
    app = _app(db)
    logging.basicConfig()  # as waitress.serve does, so its messages are shown
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=threads, ident="timetracker"
        )
    except OSError as exc:
        reason = "the address is already in use" if exc.errno == errno.EADDRINUSE else exc
        raise click.ClickException(f"Cannot listen on {host}:{port}: {reason}") from None
    click.echo(
        f"timetracker listening on http://{host}:{port}/api/v1 "
        f"(Swagger UI: http://{host}:{port}/api/v1/swagger)",
        err=True,
    )
    server.print_listen("Serving on http://{}:{}")
    server.run()


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


@main.command()
@db_option
def demo(db: str | None) -> None:
    """Load a small demo company (customers, projects, tasks, statuses, types of work)."""
    from timetracker import demo as demo_data
    from timetracker.store.catalogue import CUSTOMERS
    from timetracker.store.db import write_transaction
    from timetracker.store.entities import count_where

    app = _app(db)
    engine = app.extensions["timetracker"]["engine"]
    with app.app_context(), write_transaction(engine) as conn:
        if count_where(conn, CUSTOMERS) > 0:
            raise click.ClickException(
                "This database already has customers; the demo loads into an empty database "
                "(use --db to choose another file)."
            )
        counts = demo_data.load(conn, hash_method=app.config["PASSWORD_HASH_METHOD"])
    click.echo("Loaded the demo company: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    click.echo("Every demo user's password is their username (for example jsmith / jsmith).")
    if not app.extensions["timetracker"].get("admin_created"):
        click.echo(
            "'admin' keeps the password it was given when this database was created "
            "(TIMETRACKER_ADMIN_PASSWORD applies only then); "
            "'timetracker set-password admin' sets a new one."
        )
    elif app.config["ADMIN_PASSWORD"]:
        click.echo("Log in as 'admin' with the password in TIMETRACKER_ADMIN_PASSWORD.")
    else:
        click.echo("Log in as 'admin' with the password printed above.")


@main.group("import")
def import_group() -> None:
    """Import data from files."""


@import_group.command("users")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
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


@main.group("export")
def export_group() -> None:
    """Export data as CSV: the same files the API answers with format=csv."""


output_option = click.option(
    "-o",
    "--output",
    type=click.File("wb", lazy=True),
    default="-",
    show_default=True,
    help="CSV file to write; - is standard output.",
)


def _write_csv(output, header, rows, total: int, label: str) -> None:
    """Write the CSV of ``rows`` with a progress bar on standard error."""
    from timetracker.api.csv_stream import CHUNK_ROWS, csv_chunks

    written = 0
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        chunks = csv_chunks(header, rows)
        output.write(next(chunks).encode())  # the header line
        for chunk in chunks:
            output.write(chunk.encode())
            step = min(CHUNK_ROWS, total - written)  # only the last chunk is short
            written += step
            bar.update(step)
    output.flush()


def _as_admin(db: str | None):
    """The app and the administrator as a caller (what admin may see through the API)."""
    from timetracker.services.accounts import admin_caller

    app = _app(db)
    try:
        return app, admin_caller(app.extensions["timetracker"]["engine"])
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@export_group.command("detailed")
@click.option("--date-from", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option("--date-to", metavar="YYYY-MM-DD", help="Last day [default: no end].")
@click.option("--user-id", "user_ids", multiple=True, type=int, help="Only this user; repeat.")
@click.option("--customer-id", "customer_ids", multiple=True, type=int, help="Only this customer.")
@click.option("--project-id", "project_ids", multiple=True, type=int, help="Only this project.")
@click.option("--task-id", "task_ids", multiple=True, type=int, help="Only this task.")
@click.option("--type-of-work-id", "type_of_work_ids", multiple=True, type=int)
@click.option("--department-id", "department_ids", multiple=True, type=int)
@click.option("--billable/--not-billable", default=None, help="Only (not) billable records.")
@click.option("--billed/--not-billed", default=None, help="Only (not) billed records.")
@output_option
@db_option
def export_detailed(output, db: str | None, **options) -> None:
    """The detailed report: one line per time-track record (GET /reports/detailed)."""
    from flask import g
    from marshmallow import ValidationError

    from timetracker.errors import ApiError
    from timetracker.schemas.reports import DetailedReportArgs
    from timetracker.services import reports

    # The API's own argument schema checks the options, so both accept the same.
    query = {
        "dateFrom": options["date_from"],
        "dateTo": options["date_to"],
        "userIds": options["user_ids"],
        "customerIds": options["customer_ids"],
        "projectIds": options["project_ids"],
        "taskIds": options["task_ids"],
        "typeOfWorkIds": options["type_of_work_ids"],
        "departmentIds": options["department_ids"],
        "billable": options["billable"],
        "billed": options["billed"],
    }
    query = {
        key: ",".join(map(str, value)) if isinstance(value, tuple) else value
        for key, value in query.items()
        if value not in (None, ())
    }
    app, caller = _as_admin(db)
    engine = app.extensions["timetracker"]["engine"]
    with app.app_context():
        g.caller = caller
        try:
            args = DetailedReportArgs().load(query)
            with engine.connect() as conn:
                total = reports.detailed_count(conn, caller, args)
            rows = reports.detailed_rows(engine, caller, args)
        except ValidationError as exc:
            raise click.UsageError(_problems(exc.messages)) from exc
        except ApiError as exc:
            raise click.UsageError(exc.message) from exc
    _write_csv(output, reports.DETAILED_HEADER, rows, total, "Time-track records")


def _problems(messages) -> str:
    """marshmallow's messages ({field: [problem, ...]}) on one line."""
    return "; ".join(f"{field}: {' '.join(map(str, why))}" for field, why in messages.items())


def _add_catalogue_export(collection: str) -> None:
    @export_group.command(
        collection,
        help=f"Every {collection[:-1]}, in id order (GET /{collection}?format=csv).",
    )
    @output_option
    @db_option
    def export_level(output, db: str | None) -> None:
        from timetracker.api.catalogue import CSV_COLUMNS
        from timetracker.services import catalogue

        service = catalogue.LEVELS[collection[:-1]]
        columns = CSV_COLUMNS[collection]
        app, caller = _as_admin(db)
        engine = app.extensions["timetracker"]["engine"]
        with app.app_context(), engine.connect() as conn:
            total = service.count(conn, caller, {})
        rows = service.export(engine, caller, {}, [key for _, key in columns])
        _write_csv(output, [name for name, _ in columns], rows, total, collection.capitalize())


for _collection in ("customers", "projects", "tasks"):
    _add_catalogue_export(_collection)
