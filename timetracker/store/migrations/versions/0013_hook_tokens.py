"""REST hooks remember the API token that made them, so that they end with it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

Hooks made before this revision were made with a password or a token nobody can tell now:
they keep ``token_id`` NULL, as if made with a password.
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hooks", sa.Column("token_id", sa.Integer))
    op.create_index("ix_hooks_token_id", "hooks", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_hooks_token_id", table_name="hooks")
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: on SQLite it would rebuild (drop) hooks, which deliveries reference.
        op.execute("ALTER TABLE hooks DROP COLUMN token_id")
    else:
        op.drop_column("hooks", "token_id")
