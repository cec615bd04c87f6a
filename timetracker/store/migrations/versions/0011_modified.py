"""A ``modified`` stamp on every listed object, kept by the database.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Triggers set it on every insert and update of the row, whatever makes the change (the API, an
import, a department's deletion moving its users, the command line), to the current time in epoch
milliseconds and never below the previous stamp plus one, so it always grows. Existing rows start
at their ``created`` stamp, or at the time of the upgrade where a table has none.
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
    else:
        for table in TABLES:
            # Never before the object's creation (stamped by the server's clock, which need
            # not be the database's).
            first = (
                f"greatest(NEW.created, {POSTGRESQL_NOW})" if table in CREATED else POSTGRESQL_NOW
            )
            op.execute(
                f"CREATE FUNCTION {table}_stamp_modified() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN IF TG_OP = 'INSERT' THEN "
                f"IF NEW.modified = 0 THEN NEW.modified := {first}; END IF; "
                "ELSIF NEW.modified = OLD.modified THEN "
                f"NEW.modified := greatest(OLD.modified + 1, {POSTGRESQL_NOW}); END IF; "
                "RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_modified BEFORE INSERT OR UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_stamp_modified()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER {table}_modified_insert")
            op.execute(f"DROP TRIGGER {table}_modified_update")
        else:
            op.execute(f"DROP TRIGGER {table}_modified ON {table}")
            op.execute(f"DROP FUNCTION {table}_stamp_modified()")
    op.drop_index("ix_tasks_modified", table_name="tasks")
    for table in TABLES:
        # Not batch mode: on SQLite it would rebuild (drop) tables that others reference.
        if dialect == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN modified")
        else:
            op.drop_column(table, "modified")
