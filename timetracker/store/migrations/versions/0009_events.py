"""The event log: every change, in the transaction of the change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(128), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("method", sa.String(8)),
        sa.Column("path", sa.Text),
        sa.Column("batch_id", sa.String(32)),
        sa.Column("user_id", sa.Integer),
        sa.Column("task_id", sa.Integer),
        sa.Column("project_id", sa.Integer),
        sa.Column("customer_id", sa.Integer),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("changes", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_created", "events", ["created"])


def downgrade() -> None:
    op.drop_index("ix_events_created", table_name="events")
    op.drop_table("events")
