"""Leave time (minutes per user, day and leave type) and week approvals.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

# A migration is frozen history: it spells out its tables in full, so tables of the same shape
# repeat here and in store/schema.py by design. tests/test_migrations.py checks that the
# migrations build exactly the tables store/schema.py declares.

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leave_entries",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("leave_type_id", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "date", "leave_type_id", name="pk_leave_entries"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_leave_entries_user_id_users"),
        sa.ForeignKeyConstraint(
            ["leave_type_id"],
            ["leave_types.id"],
            name="fk_leave_entries_leave_type_id_leave_types",
        ),
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440", name="ck_leave_entries_minutes"),
    )
    op.create_index("ix_leave_entries_date_user_id", "leave_entries", ["date", "user_id"])

    op.create_table(
        "week_approvals",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("week_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("decided_by", sa.Integer),
        sa.Column("decided", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "week_start", name="pk_week_approvals"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_week_approvals_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            ondelete="SET NULL",
            name="fk_week_approvals_decided_by_users",
        ),
        sa.CheckConstraint("status IN ('approved', 'rejected')", name="ck_week_approvals_status"),
        sa.CheckConstraint("week_start <= week_end", name="ck_week_approvals_week"),
    )


def downgrade() -> None:
    op.drop_table("week_approvals")
    op.drop_table("leave_entries")
