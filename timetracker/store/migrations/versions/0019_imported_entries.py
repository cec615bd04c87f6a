"""Where imported time entries came from.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

``imported_entries`` links a time entry to the line of another product's export that made it
(``source``, ``source_key``; unique together), so that importing the same file again creates
nothing twice. Deleting the entry deletes its link.

Going back drops the table.
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_entries",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("time_entry_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("source", "source_key", name="pk_imported_entries"),
        sa.ForeignKeyConstraint(
            ["time_entry_id"],
            ["time_entries.id"],
            ondelete="CASCADE",
            name="fk_imported_entries_time_entry_id_time_entries",
        ),
    )
    op.create_index("ix_imported_entries_time_entry_id", "imported_entries", ["time_entry_id"])


def downgrade() -> None:
    op.drop_table("imported_entries")
