"""Time-track: time entries (minutes per user, day and task) and lock events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

# A migration is frozen history: it spells out its tables in full, so tables of the same shape
# repeat here and in store/schema.py by design. tests/test_migrations.py checks that the
# migrations build exactly the tables store/schema.py declares.

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_entries",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.PrimaryKeyConstraint("user_id", "date", "task_id", name="pk_time_entries"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_time_entries_user_id_users"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], ondelete="CASCADE", name="fk_time_entries_task_id_tasks"
        ),
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440", name="ck_time_entries_minutes"),
    )
    op.create_index("ix_time_entries_date_user_id", "time_entries", ["date", "user_id"])
    op.create_index("ix_time_entries_task_id", "time_entries", ["task_id"])

    # Locking and unlocking are recorded as events over date ranges; a (user, day) is locked
    # when the latest event covering it (for that user or for all users) is a lock. Locking
    # everyone for a year is one row, not a row per user per day.
    op.create_table(
        "lock_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("date_to", sa.Date, nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lock_events"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_lock_events_user_id_users"
        ),
        sa.CheckConstraint("date_from <= date_to", name="ck_lock_events_range"),
    )
    op.create_index("ix_lock_events_user_id", "lock_events", ["user_id"])


def downgrade() -> None:
    op.drop_table("lock_events")
    op.drop_table("time_entries")
