"""What an event about many records concerns: for an invoice's events, every user and task it
billed (with the task's project and customer then), so that a reader is judged by each of them
as ``GET /invoices/{id}`` judges the invoice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

The invoice events already logged get the records their invoice bills now; those of an invoice
deleted since get one row naming no user and no task (ids 0), which only a reader who may bill
everything reaches: what such an invoice billed is no longer known.
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_subjects",
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("project_id", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("event_id", "user_id", "task_id", name="pk_event_subjects"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            ondelete="CASCADE",
            name="fk_event_subjects_event_id_events",
        ),
    )
    invoice_id = "CAST(ev.object_id AS INTEGER)"
    op.execute(
        "INSERT INTO event_subjects (event_id, user_id, task_id, project_id, customer_id) "
        "SELECT DISTINCT ev.id, e.user_id, e.task_id, p.id, p.customer_id FROM events ev "
        f"JOIN time_entries e ON e.invoice_id = {invoice_id} "
        "JOIN tasks t ON t.id = e.task_id JOIN projects p ON p.id = t.project_id "
        "WHERE ev.name LIKE 'invoice.%'"
    )
    op.execute(
        "INSERT INTO event_subjects (event_id, user_id, task_id, project_id, customer_id) "
        "SELECT ev.id, 0, 0, 0, 0 FROM events ev WHERE ev.name LIKE 'invoice.%' "
        f"AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = {invoice_id})"
    )


def downgrade() -> None:
    op.drop_table("event_subjects")
