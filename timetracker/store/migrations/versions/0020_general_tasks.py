"""A project's general task: the task that holds time logged on the project without a task.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

``tasks.general`` marks it (false for every existing task); a partial unique index keeps one
per project. Going back drops the index and the column (the tasks stay, as ordinary tasks).
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tasks", sa.Column("general", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.create_index(
        "uq_tasks_general",
        "tasks",
        ["project_id"],
        unique=True,
        sqlite_where=sa.text("general"),
        postgresql_where=sa.text("general"),
    )


def downgrade() -> None:
    op.drop_index("uq_tasks_general", table_name="tasks")
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: on SQLite it would rebuild (drop) tasks, which entries reference.
        op.execute("ALTER TABLE tasks DROP COLUMN general")
    else:
        op.drop_column("tasks", "general")
