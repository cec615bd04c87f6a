"""People: departments, time zone groups, teams, scopes of work, work assignments, schedules,
leave types, user rates and company settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

# A migration is frozen history: it spells out its tables in full, so tables of the same shape
# repeat here and in store/schema.py by design. tests/test_migrations.py checks that the
# migrations build exactly the tables store/schema.py declares.

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _named(name, *columns, **kw):
    return op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        # SQLite would number the row after the built-in -1 as 0; AUTOINCREMENT with a
        # seeded sequence starts user-made rows at 1, as on PostgreSQL.
        sqlite_autoincrement=True,
        **kw,
    )


def upgrade() -> None:
    departments = _named("departments", sa.Column("is_default", sa.Boolean, nullable=False))
    op.create_index("uq_departments_name_key", "departments", ["name_key"], unique=True)
    zones = _named(
        "time_zone_groups",
        sa.Column("time_zone_id", sa.String(64), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
    )
    op.create_index("uq_time_zone_groups_name_key", "time_zone_groups", ["name_key"], unique=True)
    leave_types = _named(
        "leave_types",
        sa.Column("balance", sa.String(8), nullable=False),
        sa.Column("rate_factor", sa.Numeric(6, 3), nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.CheckConstraint("balance IN ('None', 'Sick', 'PTO')", name="ck_leave_types_balance"),
    )
    op.create_index("uq_leave_types_name_key", "leave_types", ["name_key"], unique=True)

    op.bulk_insert(
        departments,
        [
            {
                "id": -1,
                "name": "Users without department",
                "name_key": "users without department",
                "is_default": True,
            }
        ],
    )
    op.bulk_insert(
        zones,
        [
            {
                "id": -1,
                "name": "New York",
                "name_key": "new york",
                "time_zone_id": "America/New_York",
                "is_default": True,
            }
        ],
    )
    op.bulk_insert(
        leave_types,
        [
            {
                "id": 1,
                "name": "Sick Leave",
                "name_key": "sick leave",
                "balance": "Sick",
                "rate_factor": 1,
                "archived": False,
            },
            {
                "id": 2,
                "name": "Vacation",
                "name_key": "vacation",
                "balance": "PTO",
                "rate_factor": 1,
                "archived": False,
            },
            {
                "id": 3,
                "name": "Unpaid Leave",
                "name_key": "unpaid leave",
                "balance": "None",
                "rate_factor": 0,
                "archived": False,
            },
        ],
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES "
            "('departments', 0), ('time_zone_groups', 0)"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('departments_id_seq', 1, false)")
        op.execute("SELECT setval('time_zone_groups_id_seq', 1, false)")
        op.execute("SELECT setval('leave_types_id_seq', 3)")

    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("department_id", sa.Integer, nullable=False, server_default="-1")
        )
        batch.add_column(
            sa.Column("time_zone_group_id", sa.Integer, nullable=False, server_default="-1")
        )
        # The company setting "allow selected users to see all users' data".
        batch.add_column(
            sa.Column("sees_all_data", sa.Boolean, nullable=False, server_default=sa.false())
        )
        # Whole company as assigned team / scope of work / work assignments.
        batch.add_column(
            sa.Column("team_all", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("scope_all", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("assign_all", sa.Boolean, nullable=False, server_default=sa.false())
        )
        # Weekly schedule in minutes, Sunday first, comma-separated; NULL: company default.
        batch.add_column(sa.Column("weekly_schedule", sa.String(64)))
        # "first middle last", case-folded: the name search of the users list.
        batch.add_column(sa.Column("name_key", sa.String(2300), nullable=False, server_default=""))
        batch.create_foreign_key(
            "fk_users_department_id_departments", "departments", ["department_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_users_time_zone_group_id_time_zone_groups",
            "time_zone_groups",
            ["time_zone_group_id"],
            ["id"],
        )
    op.create_index("ix_users_department_id", "users", ["department_id"])
    op.create_index("ix_users_time_zone_group_id", "users", ["time_zone_group_id"])
    # The administrator of a fresh installation manages the whole company.
    op.execute(
        "UPDATE users SET team_all = true, scope_all = true, assign_all = true "
        "WHERE id IN (SELECT user_id FROM user_permissions "
        "WHERE permission = 'manageAccounts')"
    )

    op.create_table(
        "team_members",
        sa.Column("manager_id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("manager_id", "member_id", name="pk_team_members"),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_team_members_manager_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], ondelete="CASCADE", name="fk_team_members_member_id_users"
        ),
    )
    op.create_index("ix_team_members_member_id", "team_members", ["member_id"])

    # Scope of work (manager -> customers/projects) and work assignments (user ->
    # customers/projects/tasks): one row per link, exactly one target column set.
    for table, targets in (
        ("scope_items", ("customer", "project")),
        ("work_assignments", ("customer", "project", "task")),
    ):
        columns = [sa.Column(f"{t}_id", sa.Integer) for t in targets]
        fks = [
            sa.ForeignKeyConstraint(
                [f"{t}_id"], [f"{t}s.id"], ondelete="CASCADE", name=f"fk_{table}_{t}_id_{t}s"
            )
            for t in targets
        ]
        one = " + ".join(f"(CASE WHEN {t}_id IS NULL THEN 0 ELSE 1 END)" for t in targets)
        op.create_table(
            table,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user_id", sa.Integer, nullable=False),
            *columns,
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.ForeignKeyConstraint(
                ["user_id"], ["users.id"], ondelete="CASCADE", name=f"fk_{table}_user_id_users"
            ),
            *fks,
            sa.CheckConstraint(f"{one} = 1", name=f"ck_{table}_one_target"),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])
        for t in targets:
            op.create_index(f"ix_{table}_{t}_id", table, [f"{t}_id"])

    op.create_table(
        "user_rates",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("regular_rate", sa.Numeric(12, 2), nullable=False),
        sa.Column("overtime_rate", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "date_from", name="pk_user_rates"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_user_rates_user_id_users"
        ),
    )
    op.create_table(
        "user_leave_rates",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("leave_type_id", sa.Integer, nullable=False),
        sa.Column("rate", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint(
            "user_id", "date_from", "leave_type_id", name="pk_user_leave_rates"
        ),
        sa.ForeignKeyConstraint(
            ["user_id", "date_from"],
            ["user_rates.user_id", "user_rates.date_from"],
            ondelete="CASCADE",
            name="fk_user_leave_rates_user_id_user_rates",
        ),
        sa.ForeignKeyConstraint(
            ["leave_type_id"],
            ["leave_types.id"],
            ondelete="CASCADE",
            name="fk_user_leave_rates_leave_type_id_leave_types",
        ),
    )

    settings = op.create_table(
        "company_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_company_settings"),
    )
    op.bulk_insert(
        settings,
        [
            {"key": "company_name", "value": "My Company"},
            {"key": "currency", "value": "USD"},
            {"key": "day_of_week_start", "value": "1"},
            # Workday minutes Sunday..Saturday for users without a schedule of their own.
            {"key": "weekly_schedule", "value": "0,480,480,480,480,480,0"},
            {"key": "server_uuid", "value": str(uuid.uuid4())},
        ],
    )


def downgrade() -> None:
    for table in (
        "company_settings",
        "user_leave_rates",
        "user_rates",
        "work_assignments",
        "scope_items",
        "team_members",
    ):
        op.drop_table(table)
    op.drop_index("ix_users_time_zone_group_id", "users")
    op.drop_index("ix_users_department_id", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_time_zone_group_id_time_zone_groups", type_="foreignkey")
        batch.drop_constraint("fk_users_department_id_departments", type_="foreignkey")
        for column in (
            "weekly_schedule",
            "assign_all",
            "scope_all",
            "team_all",
            "sees_all_data",
            "time_zone_group_id",
            "department_id",
        ):
            batch.drop_column(column)
    for table in ("leave_types", "time_zone_groups", "departments"):
        op.drop_table(table)
