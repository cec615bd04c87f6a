"""A ``modified`` stamp on every listed object, kept by the database.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Triggers set it on every insert and update of the row, whatever makes the change (the API, an
import, a department's deletion moving its users, the command line), to the database's current
time in epoch milliseconds and never below the previous stamp plus one, so it always grows. A
change of what an object shows of another (a task's project, customer, workflow status and type
of work names, a project's customer) moves the stamps of the objects that show it. Existing rows
start at their ``created`` stamp, or at the time of the upgrade where a table has none.
"""

# A migration is frozen history: it spells out its tables in full.

import time

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = (
    "users",
    "departments",
    "time_zone_groups",
    "leave_types",
    "workflow_statuses",
    "types_of_work",
    "customers",
    "projects",
    "tasks",
)
CREATED = {"users", "customers", "projects", "tasks"}
# A change of these columns of a table changes what these objects show of it.
SHOWN_BY = (
    ("projects", ("name", "customer_id"), (("tasks", "project_id = NEW.id"),)),
    (
        "customers",
        ("name",),
        (
            ("projects", "customer_id = NEW.id"),
            ("tasks", "project_id IN (SELECT id FROM projects WHERE customer_id = NEW.id)"),
        ),
    ),
    ("workflow_statuses", ("name", "type"), (("tasks", "workflow_status_id = NEW.id"),)),
    ("types_of_work", ("name",), (("tasks", "type_of_work_id = NEW.id"),)),
)

# SQLite keeps 'now' to the millisecond; ROUND undoes the float's error in the conversion.
SQLITE_NOW = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"
POSTGRESQL_NOW = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    upgraded = int(time.time() * 1000)
    for table in TABLES:
        op.add_column(
            table, sa.Column("modified", sa.BigInteger, nullable=False, server_default="0")
        )
        start = "created" if table in CREATED else str(upgraded)
        op.execute(f"UPDATE {table} SET modified = {start}")
    op.create_index("ix_tasks_modified", "tasks", ["modified"])
    if dialect == "sqlite":
        for table in TABLES:
            # Never before the object's creation (stamped by the server's clock).
            first = f"max(NEW.created, {SQLITE_NOW})" if table in CREATED else SQLITE_NOW
            # An update inside a trigger does not fire it again (no recursive triggers), and
            # an update that sets the stamp itself is left alone.
            op.execute(
                f"CREATE TRIGGER {table}_modified_insert AFTER INSERT ON {table} "
                f"WHEN NEW.modified = 0 BEGIN UPDATE {table} SET modified = {first} "
                "WHERE id = NEW.id; END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_modified_update AFTER UPDATE ON {table} "
                f"WHEN NEW.modified = OLD.modified BEGIN UPDATE {table} "
                f"SET modified = max(OLD.modified + 1, {SQLITE_NOW}) WHERE id = NEW.id; END"
            )
        for table, columns, shown_by in SHOWN_BY:
            changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
            touch = " ".join(
                f"UPDATE {child} SET modified = max(modified + 1, {SQLITE_NOW}) WHERE {where};"
                for child, where in shown_by
            )
            op.execute(
                f"CREATE TRIGGER {table}_modified_shown AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} WHEN {changed} BEGIN {touch} END"
            )
    else:
        # The database's clock only (the server's, which stamps ``created``, may be on another
        # machine): one clock for every stamp.
        op.execute(
            "CREATE FUNCTION stamp_modified() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'INSERT' THEN "
            f"IF NEW.modified = 0 THEN NEW.modified := {POSTGRESQL_NOW}; END IF; "
            "ELSIF NEW.modified = OLD.modified THEN "
            f"NEW.modified := greatest(OLD.modified + 1, {POSTGRESQL_NOW}); END IF; "
            "RETURN NEW; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_modified BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION stamp_modified()"
            )
        for table, columns, shown_by in SHOWN_BY:
            changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
            touch = " ".join(
                f"UPDATE {child} SET modified = greatest(modified + 1, {POSTGRESQL_NOW}) "
                f"WHERE {where};"
                for child, where in shown_by
            )
            # The function finds its tables where it was made, whatever the session's path.
            op.execute(
                f"CREATE FUNCTION {table}_stamp_shown() RETURNS trigger LANGUAGE plpgsql "
                f"SET search_path FROM CURRENT AS $$ BEGIN {touch} RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_modified_shown AFTER UPDATE ON {table} "
                f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {table}_stamp_shown()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, _, _ in SHOWN_BY:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER {table}_modified_shown")
        else:
            op.execute(f"DROP TRIGGER {table}_modified_shown ON {table}")
            op.execute(f"DROP FUNCTION {table}_stamp_shown()")
    for table in TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER {table}_modified_insert")
            op.execute(f"DROP TRIGGER {table}_modified_update")
        else:
            op.execute(f"DROP TRIGGER {table}_modified ON {table}")
    if dialect != "sqlite":
        op.execute("DROP FUNCTION stamp_modified()")
    op.drop_index("ix_tasks_modified", table_name="tasks")
    for table in TABLES:
        # Not batch mode: on SQLite it would rebuild (drop) tables that others reference.
        if dialect == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN modified")
        else:
            op.drop_column(table, "modified")
