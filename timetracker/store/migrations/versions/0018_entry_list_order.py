"""The indexes of time entries by user and by day follow the entry list's order.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

``ix_time_entries_user_id`` (user, date) and ``ix_time_entries_date`` (date) gain the list's
order within a day: untimed entries first, then by start (``coalesce(started, -1)``), then id.
A page of one user's month or of one day is then read from the index in order and stops at its
limit, where the database sorted every matching entry for each page before. Their leading
columns stay, so every query they served they still serve.

Going back restores the two indexes as they were.
"""

# A migration is frozen history: it spells out its indexes in full.

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

START_ORDER = sa.text("coalesce(started, -1)")


def upgrade() -> None:
    op.drop_index("ix_time_entries_user_id", "time_entries")
    op.drop_index("ix_time_entries_date", "time_entries")
    op.create_index(
        "ix_time_entries_user_id", "time_entries", ["user_id", "date", START_ORDER, "id"]
    )
    op.create_index("ix_time_entries_date", "time_entries", ["date", START_ORDER, "id"])


def downgrade() -> None:
    op.drop_index("ix_time_entries_user_id", "time_entries")
    op.drop_index("ix_time_entries_date", "time_entries")
    op.create_index("ix_time_entries_user_id", "time_entries", ["user_id", "date"])
    op.create_index("ix_time_entries_date", "time_entries", ["date"])
