"""Time entries: what is tracked; day records become their sums.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

The table of day records (minutes per user, day and task) was named ``time_entries``; it is
renamed ``day_records`` and a new ``time_entries`` holds entries (an id, the day, an optional
start and end, minutes, a description, a billable flag, soft deletion). Every existing day
record becomes one untimed entry of its minutes, billed by the record's invoice, so every sum
stays what it was. The totals triggers follow the renamed table.

Going back drops the entries and keeps the day records, which hold their sums.
"""

# A migration is frozen history: it spells out its tables in full.

import time

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD, NEW = "time_entries", "day_records"
# Index names after the table's name; the constraints' names are renamed where the database can
# (PostgreSQL). SQLite keeps constraint names inside the table's definition, where nothing
# reads them.
INDEXES = (
    ("date_user_id", ["date", "user_id"]),
    ("task_id", ["task_id"]),
    ("invoice_id", ["invoice_id"]),
)
# (The check's name took the naming convention twice when 0003 made it.)
CONSTRAINTS = ("pk_{0}", "fk_{0}_user_id_users", "fk_{0}_task_id_tasks", "ck_{0}_ck_{0}_minutes")
CONSTRAINTS += ("fk_{0}_invoice_id_invoices",)
RUNNING = "started IS NOT NULL AND ended IS NULL AND deleted IS NULL"


def _rename_day_records(old: str, new: str) -> None:
    dialect = op.get_bind().dialect.name
    for suffix, _ in INDEXES:
        if dialect == "sqlite":
            op.drop_index(f"ix_{old}_{suffix}", table_name=old)
    # SQLite (3.26 and later) rewrites the totals triggers to name the new table; PostgreSQL's
    # trigger belongs to the table whatever its name.
    op.rename_table(old, new)
    for suffix, columns in INDEXES:
        if dialect == "sqlite":
            op.create_index(f"ix_{new}_{suffix}", new, columns)
        else:
            op.execute(f"ALTER INDEX ix_{old}_{suffix} RENAME TO ix_{new}_{suffix}")
    if dialect != "sqlite":
        for name in CONSTRAINTS:
            op.execute(
                f"ALTER TABLE {new} RENAME CONSTRAINT {name.format(old)} TO {name.format(new)}"
            )


def upgrade() -> None:
    _rename_day_records(OLD, NEW)
    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("started", sa.BigInteger),
        sa.Column("ended", sa.BigInteger),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("billable", sa.Boolean),
        sa.Column("invoice_id", sa.Integer),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("modified", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.BigInteger),
        sa.PrimaryKeyConstraint("id", name="pk_time_entries"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_time_entries_user_id_users"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], ondelete="CASCADE", name="fk_time_entries_task_id_tasks"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_time_entries_invoice_id_invoices"
        ),
        sa.CheckConstraint("minutes >= 0 AND minutes <= 1440", name="ck_time_entries_minutes"),
        sa.CheckConstraint("ended IS NULL OR started IS NOT NULL", name="ck_time_entries_interval"),
        sa.CheckConstraint("ended IS NULL OR ended >= started", name="ck_time_entries_order"),
    )
    now = int(time.time() * 1000)
    # One untimed entry per day record, in the order a list by date shows them.
    op.execute(
        "INSERT INTO time_entries (user_id, task_id, date, minutes, invoice_id, created, "
        f"modified) SELECT user_id, task_id, date, minutes, invoice_id, {now}, {now} "
        "FROM day_records ORDER BY date, user_id, task_id"
    )
    # Indexes after the rows: one sort each instead of a growing tree.
    op.create_index("ix_time_entries_user_id", "time_entries", ["user_id", "date"])
    op.create_index("ix_time_entries_date", "time_entries", ["date"])
    op.create_index("ix_time_entries_task_id", "time_entries", ["task_id", "user_id", "date"])
    op.create_index("ix_time_entries_invoice_id", "time_entries", ["invoice_id"])
    op.create_index("ix_time_entries_modified", "time_entries", ["modified"])
    op.create_index(
        "uq_time_entries_running",
        "time_entries",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )


def downgrade() -> None:
    op.drop_table("time_entries")
    _rename_day_records(NEW, OLD)
