"""Totals kept, not scanned: minutes, billed minutes and cost per user, task and month, kept in
step with time_entries by triggers, and filled from the records already stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

# A migration is frozen history: it spells out its tables in full. tests/test_migrations.py
# checks that the migrations build exactly the tables store/schema.py declares, and
# tests/test_totals.py that the triggers keep time_totals equal to a rebuild from time_entries.

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# A record's contribution: its month, minutes, billed minutes and cost (minutes x the user's
# regular rate in cents on the record's date; no rate: no cost). ``{row}`` is NEW or OLD.
_MONTH = {
    "sqlite": "date({row}.date, 'start of month')",
    "postgresql": "CAST(date_trunc('month', {row}.date) AS date)",
}
_RATE_CENTS = (
    "COALESCE((SELECT CAST(ROUND(r.regular_rate * 100) AS BIGINT) FROM user_rates r"
    " WHERE r.user_id = {row}.user_id AND r.date_from <= {row}.date"
    " ORDER BY r.date_from DESC LIMIT 1), 0)"
)
_BILLED = "CASE WHEN {row}.invoice_id IS NULL THEN 0 ELSE {row}.minutes END"
_COST = "{row}.minutes * " + _RATE_CENTS
# Most records are not billed: their billed cost is 0 without looking the rate up again.
_BILLED_COST = "CASE WHEN {row}.invoice_id IS NULL THEN 0 ELSE {row}.minutes * " + _RATE_CENTS
_BILLED_COST += " END"

# A writer of many records at once (an import) suspends the triggers for its own transaction by
# holding a row of time_totals_bulk, then computes the totals of what it wrote in one statement
# (store/totals.py ``bulk``). Other transactions never see that row: SQLite has one writer at a
# time, and PostgreSQL shows no uncommitted row to others.
_NOT_BULK = "NOT EXISTS (SELECT 1 FROM time_totals_bulk)"

_SUMS = ("minutes", "billed_minutes", "cost_minute_cents", "billed_cost_minute_cents")
_COLUMNS = "month, user_id, task_id, " + ", ".join(_SUMS)


def _add(dialect: str, row: str, table_alias: str) -> str:
    """Add the record ``row`` to its totals row (created when missing)."""
    month = _MONTH[dialect].format(row=row)
    t = table_alias
    return (
        f"INSERT INTO time_totals {'AS t ' if dialect == 'postgresql' else ''}"
        f"({_COLUMNS}) VALUES ({month}, {row}.user_id, {row}.task_id, {row}.minutes, "
        f"{_BILLED.format(row=row)}, {_COST.format(row=row)}, "
        f"{_BILLED_COST.format(row=row)}) ON CONFLICT (month, user_id, task_id) DO UPDATE SET "
        + ", ".join(f"{c} = {t}.{c} + excluded.{c}" for c in _SUMS)
        + ";"
    )


_SAME_KEY = "NEW.user_id = OLD.user_id AND NEW.date = OLD.date AND NEW.task_id = OLD.task_id"


def _change(dialect: str) -> str:
    """A record changed in place (its key stays: the application never changes one): its
    totals row moves by the difference, in one UPDATE, the rate looked up once. The row cannot
    reach 0 minutes, since a record holds at least one."""
    month = _MONTH[dialect].format(row="NEW")
    key = f"month = {month} AND user_id = NEW.user_id AND task_id = NEW.task_id"
    billed = _BILLED.format(row="NEW") + " - " + _BILLED.format(row="OLD")
    billed_cost = _BILLED_COST.format(row="NEW") + " - " + _BILLED_COST.format(row="OLD")
    return (
        "UPDATE time_totals SET minutes = minutes + NEW.minutes - OLD.minutes, "
        f"billed_minutes = billed_minutes + {billed}, "
        f"cost_minute_cents = cost_minute_cents + (NEW.minutes - OLD.minutes) * "
        f"{_RATE_CENTS.format(row='NEW')}, "
        f"billed_cost_minute_cents = billed_cost_minute_cents + {billed_cost} WHERE {key};"
    )


def _take(dialect: str, row: str) -> str:
    """Take the record ``row`` out of its totals row, and drop the row when nothing is left.
    An UPDATE, never an insert: when a task is deleted its totals rows may already be gone."""
    month = _MONTH[dialect].format(row=row)
    key = f"month = {month} AND user_id = {row}.user_id AND task_id = {row}.task_id"
    return (
        f"UPDATE time_totals SET minutes = minutes - {row}.minutes, "
        f"billed_minutes = billed_minutes - {_BILLED.format(row=row)}, "
        f"cost_minute_cents = cost_minute_cents - {_COST.format(row=row)}, "
        f"billed_cost_minute_cents = billed_cost_minute_cents - "
        f"{_BILLED_COST.format(row=row)} WHERE {key}; "
        f"DELETE FROM time_totals WHERE {key} AND minutes = 0;"
    )


def upgrade() -> None:
    op.create_table(
        "time_totals",
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("billed_minutes", sa.Integer, nullable=False),
        sa.Column("cost_minute_cents", sa.BigInteger, nullable=False),
        sa.Column("billed_cost_minute_cents", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("month", "user_id", "task_id", name="pk_time_totals"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_time_totals_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], ondelete="CASCADE", name="fk_time_totals_task_id_tasks"
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_time_totals_user_id", "time_totals", ["user_id", "month"])
    op.create_table(
        "time_totals_bulk",
        sa.Column("id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_time_totals_bulk"),
    )
    op.create_index("ix_time_totals_task_id", "time_totals", ["task_id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER time_totals_insert AFTER INSERT ON time_entries "
            f"WHEN {_NOT_BULK} BEGIN "
            f"{_add(dialect, 'NEW', 'time_totals')} END"
        )
        op.execute(
            "CREATE TRIGGER time_totals_update AFTER UPDATE ON time_entries "
            f"WHEN {_NOT_BULK} AND {_SAME_KEY} BEGIN {_change(dialect)} END"
        )
        op.execute(
            "CREATE TRIGGER time_totals_move AFTER UPDATE ON time_entries "
            f"WHEN {_NOT_BULK} AND NOT ({_SAME_KEY}) BEGIN "
            f"{_add(dialect, 'NEW', 'time_totals')} {_take(dialect, 'OLD')} END"
        )
        op.execute(
            "CREATE TRIGGER time_totals_delete AFTER DELETE ON time_entries "
            f"WHEN {_NOT_BULK} BEGIN "
            f"{_take(dialect, 'OLD')} END"
        )
    else:
        op.execute(
            # The function finds its tables where it was made, whatever the search path of the
            # session whose change fires it.
            "CREATE FUNCTION time_totals_track() RETURNS trigger LANGUAGE plpgsql "
            "SET search_path FROM CURRENT AS $$ BEGIN "
            f"IF NOT {_NOT_BULK} THEN RETURN NULL; END IF; "
            f"IF TG_OP = 'UPDATE' AND {_SAME_KEY} THEN {_change(dialect)} RETURN NULL; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_add(dialect, 'NEW', 't')} END IF; "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_take(dialect, 'OLD')} END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER time_totals_track AFTER INSERT OR UPDATE OR DELETE ON time_entries "
            "FOR EACH ROW EXECUTE FUNCTION time_totals_track()"
        )
    month = _MONTH[dialect].format(row="e")
    op.execute(
        f"INSERT INTO time_totals ({_COLUMNS}) SELECT {month}, e.user_id, e.task_id, "
        f"SUM(e.minutes), SUM({_BILLED.format(row='e')}), SUM({_COST.format(row='e')}), "
        f"SUM({_BILLED_COST.format(row='e')}) "
        f"FROM time_entries e GROUP BY {month}, e.user_id, e.task_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "move", "delete"):
            op.execute(f"DROP TRIGGER time_totals_{trigger}")
    else:
        op.execute("DROP TRIGGER time_totals_track ON time_entries")
        op.execute("DROP FUNCTION time_totals_track()")
    op.drop_index("ix_time_totals_task_id", table_name="time_totals")
    op.drop_index("ix_time_totals_user_id", table_name="time_totals")
    op.drop_table("time_totals_bulk")
    op.drop_table("time_totals")
