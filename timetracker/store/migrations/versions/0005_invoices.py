"""Invoices, and the invoice that billed each time-track record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

# A migration is frozen history: it spells out its tables in full, so tables of the same shape
# repeat here and in store/schema.py by design. tests/test_migrations.py checks that the
# migrations build exactly the tables store/schema.py declares.

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("number", sa.String(255), nullable=False),
        sa.Column("number_key", sa.String(765), nullable=False),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("date_to", sa.Date, nullable=False),
        sa.Column("customer_ids", sa.JSON),
        sa.Column("project_ids", sa.JSON),
        sa.Column("user_ids", sa.JSON),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], ondelete="SET NULL", name="fk_invoices_created_by_users"
        ),
        sa.CheckConstraint("date_from <= date_to", name="ck_invoices_range"),
    )
    op.create_index("uq_invoices_number_key", "invoices", ["number_key"], unique=True)

    # SQLite adds a column with its foreign key in one ALTER TABLE (it cannot add a constraint
    # to an existing table); PostgreSQL adds the constraint separately.
    fk = "fk_time_entries_invoice_id_invoices"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE time_entries ADD COLUMN invoice_id INTEGER "
            f"CONSTRAINT {fk} REFERENCES invoices (id)"
        )
    else:
        op.add_column("time_entries", sa.Column("invoice_id", sa.Integer))
        op.create_foreign_key(fk, "time_entries", "invoices", ["invoice_id"], ["id"])
    op.create_index("ix_time_entries_invoice_id", "time_entries", ["invoice_id"])


def downgrade() -> None:
    op.drop_index("ix_time_entries_invoice_id", table_name="time_entries")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE time_entries DROP COLUMN invoice_id")
    else:
        op.drop_constraint("fk_time_entries_invoice_id_invoices", "time_entries")
        op.drop_column("time_entries", "invoice_id")
    op.drop_table("invoices")
