"""Initial schema: users and permissions, the work catalogue, workflow statuses, types of work.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

# A migration is frozen history: it spells out its tables in full, so tables of the same shape
# repeat here and in store/schema.py by design. tests/test_migrations.py checks that the
# migrations build exactly the tables store/schema.py declares.

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("username_key", sa.String(765), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=False),
        sa.Column("middle_name", sa.String(255)),
        sa.Column("last_name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("hired", sa.Date),
        sa.Column("release_date", sa.Date),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("uq_users_username_key", "users", ["username_key"], unique=True)

    op.create_table(
        "user_permissions",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("permission", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "permission", name="pk_user_permissions"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_user_permissions_user_id_users",
        ),
    )

    op.create_table(
        "workflow_statuses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("builtin", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_statuses"),
        sa.CheckConstraint("type IN ('open', 'completed')", name="ck_workflow_statuses_type"),
    )
    op.create_index("uq_workflow_statuses_name_key", "workflow_statuses", ["name_key"], unique=True)

    op.create_table(
        "types_of_work",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        sa.Column("rate", sa.Numeric(12, 2)),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("billable", sa.Boolean, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_types_of_work"),
    )
    op.create_index("uq_types_of_work_name_key", "types_of_work", ["name_key"], unique=True)

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_index("uq_customers_name_key", "customers", ["name_key"], unique=True)

    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            ondelete="CASCADE",
            name="fk_projects_customer_id_customers",
        ),
    )
    op.create_index(
        "uq_projects_customer_name_key", "projects", ["customer_id", "name_key"], unique=True
    )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("workflow_status_id", sa.Integer, nullable=False),
        sa.Column("type_of_work_id", sa.Integer, nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("estimated_time", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            ondelete="CASCADE",
            name="fk_tasks_project_id_projects",
        ),
        sa.ForeignKeyConstraint(
            ["workflow_status_id"],
            ["workflow_statuses.id"],
            name="fk_tasks_workflow_status_id_workflow_statuses",
        ),
        sa.ForeignKeyConstraint(
            ["type_of_work_id"],
            ["types_of_work.id"],
            name="fk_tasks_type_of_work_id_types_of_work",
        ),
    )
    op.create_index("uq_tasks_project_name_key", "tasks", ["project_id", "name_key"], unique=True)
    op.create_index("ix_tasks_workflow_status_id", "tasks", ["workflow_status_id"])
    op.create_index("ix_tasks_type_of_work_id", "tasks", ["type_of_work_id"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer),
        sa.Column("project_id", sa.Integer),
        sa.Column("task_id", sa.Integer),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("updated", sa.BigInteger, nullable=False),
        sa.Column("updating_user_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            ondelete="CASCADE",
            name="fk_comments_customer_id_customers",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            ondelete="CASCADE",
            name="fk_comments_project_id_projects",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], ondelete="CASCADE", name="fk_comments_task_id_tasks"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_comments_user_id_users"),
        sa.ForeignKeyConstraint(
            ["updating_user_id"], ["users.id"], name="fk_comments_updating_user_id_users"
        ),
        sa.CheckConstraint(
            "(CASE WHEN customer_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN task_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_comments_one_owner",
        ),
    )
    for column in ("customer_id", "project_id", "task_id", "user_id"):
        op.create_index(f"ix_comments_{column}", "comments", [column])

    # Built-in rows every installation has: the two workflow statuses that can never be deleted
    # (so each status type always has one) and the default type of work.
    statuses = sa.table(
        "workflow_statuses",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
        sa.column("type", sa.String),
        sa.column("builtin", sa.Boolean),
    )
    op.bulk_insert(
        statuses,
        [
            {"id": 1, "name": "New", "name_key": "new", "type": "open", "builtin": True},
            {
                "id": 2,
                "name": "Completed",
                "name_key": "completed",
                "type": "completed",
                "builtin": True,
            },
        ],
    )
    types = sa.table(
        "types_of_work",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key", sa.String),
        sa.column("rate", sa.Numeric),
        sa.column("archived", sa.Boolean),
        sa.column("billable", sa.Boolean),
        sa.column("is_default", sa.Boolean),
    )
    op.bulk_insert(
        types,
        [
            {
                "id": 1,
                "name": "General",
                "name_key": "general",
                "rate": None,
                "archived": False,
                "billable": True,
                "is_default": True,
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids above do not advance PostgreSQL sequences.
        op.execute("SELECT setval('workflow_statuses_id_seq', 2)")
        op.execute("SELECT setval('types_of_work_id_seq', 1)")


def downgrade() -> None:
    for table in (
        "comments",
        "tasks",
        "projects",
        "customers",
        "types_of_work",
        "workflow_statuses",
        "user_permissions",
        "users",
    ):
        op.drop_table(table)
