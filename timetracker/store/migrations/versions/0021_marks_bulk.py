"""A bulk write of entries may keep the day records' billable marks itself.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

The triggers of 0017 that keep a day record's ``marked_billable`` and ``marked_unbillable``
(summed again from the cell's entries whenever a marked entry is written, and when a record is
made for a cell that has marked entries) run a statement per row: for an import of 100,000
entries, a large part of its time. Now they leave the marks alone while the transaction holds a
row of ``day_record_marks_bulk``, as the totals' triggers leave ``time_totals`` alone while it
holds a row of ``time_totals_bulk`` (0006): a writer of many entries (an import) then writes the
marks of the records it makes or adds to itself, from the entries it writes. Other
transactions never see that row: SQLite has one writer at a time, and PostgreSQL shows no
uncommitted row to others.

Going back restores the triggers of 0017 and drops the table; nothing else changes.
"""

# A migration is frozen history: it spells out its SQL in full (the marks triggers of 0017,
# with the new condition).

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_NOT_BULK = "NOT EXISTS (SELECT 1 FROM day_record_marks_bulk)"
_SAME_KEY = "NEW.user_id = OLD.user_id AND NEW.date = OLD.date AND NEW.task_id = OLD.task_id"
# The marks of the record of ``{row}``'s cell, summed again from the cell's counted entries
# (live, and not running).
_CELL = "user_id = {row}.user_id AND date = {row}.date AND task_id = {row}.task_id"


def _marked(flag: str) -> str:
    return (
        "(SELECT COALESCE(SUM(e.minutes), 0) FROM time_entries e WHERE e.user_id = {row}.user_id "
        "AND e.date = {row}.date AND e.task_id = {row}.task_id AND e.deleted IS NULL "
        f"AND (e.started IS NULL OR e.ended IS NOT NULL) AND e.billable IS {flag})"
    )


def _remark(row: str, extra: str = "") -> str:
    return (
        f"UPDATE day_records SET marked_billable = {_marked('TRUE').format(row=row)}, "
        f"marked_unbillable = {_marked('FALSE').format(row=row)} "
        f"WHERE {_CELL.format(row=row)}{extra};"
    )


_HAS_MARKS = (
    "EXISTS (SELECT 1 FROM time_entries e WHERE e.user_id = NEW.user_id AND e.date = NEW.date "
    "AND e.task_id = NEW.task_id AND e.billable IS NOT NULL)"
)
_OTHER_CELL = " AND NOT (" + _SAME_KEY + ")"


def _marks_triggers(dialect: str, skippable: bool) -> None:
    """The four triggers of 0017 (SQLite) or its two functions (PostgreSQL, whose triggers
    stay), each first asking whether the marks are left to the writer (``skippable``)."""
    if dialect == "sqlite":
        first = f"{_NOT_BULK} AND " if skippable else ""
        for trigger in ("insert", "update", "delete", "new"):
            op.execute(f"DROP TRIGGER day_record_marks_{trigger}")
        op.execute(
            "CREATE TRIGGER day_record_marks_insert AFTER INSERT ON time_entries "
            f"WHEN {first}NEW.billable IS NOT NULL BEGIN {_remark('NEW')} END"
        )
        marked = "NEW.billable IS NOT NULL OR OLD.billable IS NOT NULL"
        op.execute(
            "CREATE TRIGGER day_record_marks_update AFTER UPDATE ON time_entries "
            f"WHEN {f'{first}({marked})' if skippable else marked} BEGIN "
            f"{_remark('NEW')} {_remark('OLD', _OTHER_CELL)} END"
        )
        op.execute(
            "CREATE TRIGGER day_record_marks_delete AFTER DELETE ON time_entries "
            f"WHEN {first}OLD.billable IS NOT NULL BEGIN {_remark('OLD')} END"
        )
        op.execute(
            "CREATE TRIGGER day_record_marks_new AFTER INSERT ON day_records "
            f"WHEN {first}{_HAS_MARKS} BEGIN {_remark('NEW')} END"
        )
        return
    first = f"IF NOT {_NOT_BULK} THEN RETURN NULL; END IF; " if skippable else ""
    op.execute(
        "CREATE OR REPLACE FUNCTION day_record_marks_entry() RETURNS trigger LANGUAGE plpgsql "
        f"SET search_path FROM CURRENT AS $$ BEGIN {first}"
        "IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.billable IS NOT NULL "
        "OR TG_OP = 'UPDATE' AND OLD.billable IS NOT NULL THEN "
        f"{_remark('NEW')} END IF; "
        "IF TG_OP = 'DELETE' AND OLD.billable IS NOT NULL THEN "
        f"{_remark('OLD')} END IF; "
        "IF TG_OP = 'UPDATE' AND (NEW.billable IS NOT NULL OR OLD.billable IS NOT NULL) THEN "
        f"{_remark('OLD', _OTHER_CELL)} END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION day_record_marks_new() RETURNS trigger LANGUAGE plpgsql "
        f"SET search_path FROM CURRENT AS $$ BEGIN {first}"
        f"IF {_HAS_MARKS} THEN {_remark('NEW')} END IF; RETURN NULL; END $$"
    )


def upgrade() -> None:
    op.create_table(
        "day_record_marks_bulk",
        sa.Column("id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_day_record_marks_bulk"),
    )
    _marks_triggers(op.get_bind().dialect.name, skippable=True)


def downgrade() -> None:
    _marks_triggers(op.get_bind().dialect.name, skippable=False)
    op.drop_table("day_record_marks_bulk")
