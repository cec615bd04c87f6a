"""Running timers become running time entries (a start and no end).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Each running timer becomes an entry on the local day of its start (in its user's time zone
group) with the timer's comment as its description; the ``timers`` table goes. Going back makes
the running entries timers again.
"""

# A migration is frozen history: it spells out its tables in full.

import datetime as dt
import time
import zoneinfo

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

RUNNING = "started IS NOT NULL AND ended IS NULL AND deleted IS NULL"


def upgrade() -> None:
    conn = op.get_bind()
    timers = conn.execute(
        sa.text(
            "SELECT t.user_id, t.task_id, t.comment, t.started, g.time_zone_id FROM timers t "
            "JOIN users u ON u.id = t.user_id "
            "JOIN time_zone_groups g ON g.id = u.time_zone_group_id"
        )
    ).all()
    now = int(time.time() * 1000)
    for user_id, task_id, comment, started, zone in timers:
        day = dt.datetime.fromtimestamp(started / 1000, zoneinfo.ZoneInfo(zone)).date()
        conn.execute(
            sa.text(
                "INSERT INTO time_entries (user_id, task_id, date, started, minutes, "
                "description, created, modified) VALUES (:user_id, :task_id, :date, :started, "
                "0, :comment, :started, :now)"
            ),
            {
                "user_id": user_id,
                "task_id": task_id,
                "date": day,
                "started": started,
                "comment": comment,
                "now": now,
            },
        )
    op.drop_index("ix_timers_task_id", table_name="timers")
    op.drop_table("timers")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO timers (user_id, task_id, comment, started) "
        f"SELECT user_id, task_id, description, started FROM time_entries WHERE {RUNNING}"
    )
    op.execute(f"DELETE FROM time_entries WHERE {RUNNING}")
