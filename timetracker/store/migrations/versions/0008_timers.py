"""Running timers: at most one per user.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("started", sa.BigInteger, nullable=False),
        sa.Column("started_by", sa.Integer),
        sa.PrimaryKeyConstraint("user_id", name="pk_timers"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_timers_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], ondelete="CASCADE", name="fk_timers_task_id_tasks"
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], ondelete="SET NULL", name="fk_timers_started_by_users"
        ),
    )
    op.create_index("ix_timers_task_id", "timers", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_timers_task_id", table_name="timers")
    op.drop_table("timers")
