"""REST hooks: subscriptions and their recent delivery attempts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("filter", sa.JSON),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("failing_since", sa.BigInteger),
        sa.Column("next_attempt", sa.BigInteger, nullable=False),
        sa.Column("claimed_until", sa.BigInteger),
        sa.Column("claimed_by", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_hooks"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_hooks_user_id_users"
        ),
    )
    op.create_index("ix_hooks_user_id", "hooks", ["user_id"])
    op.create_table(
        "hook_deliveries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("hook_id", sa.Integer, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("first_event_id", sa.Integer, nullable=False),
        sa.Column("last_event_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hook_deliveries"),
        sa.ForeignKeyConstraint(
            ["hook_id"], ["hooks.id"], ondelete="CASCADE", name="fk_hook_deliveries_hook_id_hooks"
        ),
    )
    op.create_index("ix_hook_deliveries_hook_id", "hook_deliveries", ["hook_id"])


def downgrade() -> None:
    op.drop_index("ix_hook_deliveries_hook_id", table_name="hook_deliveries")
    op.drop_table("hook_deliveries")
    op.drop_index("ix_hooks_user_id", table_name="hooks")
    op.drop_table("hooks")
