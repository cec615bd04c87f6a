"""Billable per entry in the kept sums: what a day record's entries mark billable or not, and
the minutes an invoice billed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

A time entry's ``billable`` (NULL: its task's type of work decides) now counts wherever time is
added up. A day record keeps, beside its minutes, the minutes of its counted entries marked
billable (``marked_billable``) and marked not billable (``marked_unbillable``): its billable
minutes are then ``minutes - marked_unbillable`` on a task whose type of work is billable and
``marked_billable`` on one whose type is not, so a later change of the type of work counts at
once, as before. ``billed_minutes`` is what an invoice billed of the record (the minutes of its
entries that were billable then); an invoice no longer bills the entries marked not billable.

Triggers on ``time_entries`` keep the marks (a record's marks are summed again from its cell's
entries whenever an entry with a mark is written, and when a record is made for a cell that
has one): they fire only for marked entries, which most are not. ``time_totals`` keeps the
marks per month like the other sums, and its billed minutes now come from ``billed_minutes``.

An invoice keeps its billed minutes as the company's rounding of reported time had them when it
was made (``rounded_minutes``; NULL for the invoices made before: not rounded).

Going back drops the columns and restores the earlier triggers; nothing else is lost.
"""

# A migration is frozen history: it spells out its SQL in full (the totals triggers of 0006,
# with the new sums).

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_MONTH = {
    "sqlite": "date({row}.date, 'start of month')",
    "postgresql": "CAST(date_trunc('month', {row}.date) AS date)",
}
_RATE_CENTS = (
    "COALESCE((SELECT CAST(ROUND(r.regular_rate * 100) AS BIGINT) FROM user_rates r"
    " WHERE r.user_id = {row}.user_id AND r.date_from <= {row}.date"
    " ORDER BY r.date_from DESC LIMIT 1), 0)"
)
_NOT_BULK = "NOT EXISTS (SELECT 1 FROM time_totals_bulk)"
_SAME_KEY = "NEW.user_id = OLD.user_id AND NEW.date = OLD.date AND NEW.task_id = OLD.task_id"


def _sums(version: str) -> dict[str, str]:
    """A record's contribution to its totals row, by column, in SQL over ``{row}``: before
    (``"0006"``) and after this migration."""
    if version == "0006":
        billed = "CASE WHEN {row}.invoice_id IS NULL THEN 0 ELSE {row}.minutes END"
        billed_cost = (
            "CASE WHEN {row}.invoice_id IS NULL THEN 0 ELSE {row}.minutes * " + _RATE_CENTS + " END"
        )
        marks = {}
    else:
        billed = "{row}.billed_minutes"
        # Most records are not billed: their billed cost is 0 without looking the rate up.
        billed_cost = (
            "CASE WHEN {row}.billed_minutes = 0 THEN 0 ELSE {row}.billed_minutes * "
            + _RATE_CENTS
            + " END"
        )
        marks = {
            "marked_billable": "{row}.marked_billable",
            "marked_unbillable": "{row}.marked_unbillable",
        }
    return {
        "minutes": "{row}.minutes",
        "billed_minutes": billed,
        "cost_minute_cents": "{row}.minutes * " + _RATE_CENTS,
        "billed_cost_minute_cents": billed_cost,
        **marks,
    }


def _add(version: str, dialect: str, row: str, alias: str) -> str:
    sums = _sums(version)
    month = _MONTH[dialect].format(row=row)
    values = ", ".join(sql.format(row=row) for sql in sums.values())
    return (
        f"INSERT INTO time_totals {'AS t ' if dialect == 'postgresql' else ''}"
        f"(month, user_id, task_id, {', '.join(sums)}) "
        f"VALUES ({month}, {row}.user_id, {row}.task_id, {values}) "
        "ON CONFLICT (month, user_id, task_id) DO UPDATE SET "
        + ", ".join(f"{c} = {alias}.{c} + excluded.{c}" for c in sums)
        + ";"
    )


def _change(version: str, dialect: str) -> str:
    """A record changed in place: its totals row moves by the difference."""
    sums = _sums(version)
    month = _MONTH[dialect].format(row="NEW")
    key = f"month = {month} AND user_id = NEW.user_id AND task_id = NEW.task_id"
    moves = ", ".join(
        f"{c} = {c} + ({sql.format(row='NEW')}) - ({sql.format(row='OLD')})"
        for c, sql in sums.items()
    )
    return f"UPDATE time_totals SET {moves} WHERE {key};"


def _take(version: str, dialect: str, row: str) -> str:
    sums = _sums(version)
    month = _MONTH[dialect].format(row=row)
    key = f"month = {month} AND user_id = {row}.user_id AND task_id = {row}.task_id"
    moves = ", ".join(f"{c} = {c} - ({sql.format(row=row)})" for c, sql in sums.items())
    return (
        f"UPDATE time_totals SET {moves} WHERE {key}; "
        f"DELETE FROM time_totals WHERE {key} AND minutes = 0;"
    )


def _totals_triggers(version: str, dialect: str) -> None:
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER time_totals_insert AFTER INSERT ON day_records "
            f"WHEN {_NOT_BULK} BEGIN {_add(version, dialect, 'NEW', 'time_totals')} END"
        )
        op.execute(
            "CREATE TRIGGER time_totals_update AFTER UPDATE ON day_records "
            f"WHEN {_NOT_BULK} AND {_SAME_KEY} BEGIN {_change(version, dialect)} END"
        )
        op.execute(
            "CREATE TRIGGER time_totals_move AFTER UPDATE ON day_records "
            f"WHEN {_NOT_BULK} AND NOT ({_SAME_KEY}) BEGIN "
            f"{_add(version, dialect, 'NEW', 'time_totals')} {_take(version, dialect, 'OLD')} END"
        )
        op.execute(
            "CREATE TRIGGER time_totals_delete AFTER DELETE ON day_records "
            f"WHEN {_NOT_BULK} BEGIN {_take(version, dialect, 'OLD')} END"
        )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION time_totals_track() RETURNS trigger LANGUAGE plpgsql "
            "SET search_path FROM CURRENT AS $$ BEGIN "
            f"IF NOT {_NOT_BULK} THEN RETURN NULL; END IF; "
            f"IF TG_OP = 'UPDATE' AND {_SAME_KEY} THEN {_change(version, dialect)} "
            "RETURN NULL; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_add(version, dialect, 'NEW', 't')} END IF; "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_take(version, dialect, 'OLD')} END IF; "
            "RETURN NULL; END $$"
        )


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


def _marks_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER day_record_marks_insert AFTER INSERT ON time_entries "
            f"WHEN NEW.billable IS NOT NULL BEGIN {_remark('NEW')} END"
        )
        op.execute(
            "CREATE TRIGGER day_record_marks_update AFTER UPDATE ON time_entries "
            "WHEN NEW.billable IS NOT NULL OR OLD.billable IS NOT NULL BEGIN "
            f"{_remark('NEW')} {_remark('OLD', _OTHER_CELL)} END"
        )
        op.execute(
            "CREATE TRIGGER day_record_marks_delete AFTER DELETE ON time_entries "
            f"WHEN OLD.billable IS NOT NULL BEGIN {_remark('OLD')} END"
        )
        op.execute(
            "CREATE TRIGGER day_record_marks_new AFTER INSERT ON day_records "
            f"WHEN {_HAS_MARKS} BEGIN {_remark('NEW')} END"
        )
        return
    op.execute(
        "CREATE FUNCTION day_record_marks_entry() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path FROM CURRENT AS $$ BEGIN "
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
        "CREATE TRIGGER day_record_marks_entry AFTER INSERT OR UPDATE OR DELETE ON time_entries "
        "FOR EACH ROW EXECUTE FUNCTION day_record_marks_entry()"
    )
    op.execute(
        "CREATE FUNCTION day_record_marks_new() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path FROM CURRENT AS $$ BEGIN "
        f"IF {_HAS_MARKS} THEN {_remark('NEW')} END IF; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER day_record_marks_new AFTER INSERT ON day_records "
        "FOR EACH ROW EXECUTE FUNCTION day_record_marks_new()"
    )


def _drop_totals_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for trigger in ("insert", "update", "move", "delete"):
            op.execute(f"DROP TRIGGER time_totals_{trigger}")
    else:
        op.execute("DROP TRIGGER time_totals_track ON day_records")


def _create_totals_trigger(dialect: str) -> None:
    """PostgreSQL's trigger calling the function (SQLite's are made with their bodies)."""
    if dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER time_totals_track AFTER INSERT OR UPDATE OR DELETE ON day_records "
            "FOR EACH ROW EXECUTE FUNCTION time_totals_track()"
        )


def _set_kept_months(sums: str, assignments: str) -> None:
    """Set the ``time_totals`` rows that the query ``sums`` names (by ``month``, ``user_id``
    and ``task_id``) with ``assignments`` of its other columns."""
    rows = [dict(r._mapping) for r in op.get_bind().execute(sa.text(sums))]
    if rows:
        op.get_bind().execute(
            sa.text(
                f"UPDATE time_totals SET {assignments} "
                "WHERE month = :month AND user_id = :user_id AND task_id = :task_id"
            ),
            rows,
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_totals_triggers(dialect)
    for name in ("marked_billable", "marked_unbillable", "billed_minutes"):
        op.add_column(
            "day_records", sa.Column(name, sa.Integer, nullable=False, server_default="0")
        )
    for name in ("marked_billable", "marked_unbillable"):
        op.add_column(
            "time_totals", sa.Column(name, sa.Integer, nullable=False, server_default="0")
        )
    op.add_column("invoices", sa.Column("rounded_minutes", sa.Integer))
    # What the entries say: the billed minutes of a billed record are its billed entries' (an
    # invoice made before this version billed them all), the marks its marked entries'.
    billed = _marked("TRUE").replace("e.billable IS TRUE", "e.invoice_id IS NOT NULL")
    op.execute(
        f"UPDATE day_records SET billed_minutes = {billed.format(row='day_records')} "
        "WHERE invoice_id IS NOT NULL"
    )
    marked = _HAS_MARKS.replace("NEW.", "day_records.")
    op.execute(_remark("day_records").rstrip(";") + f" AND {marked}")
    # The kept months of those records, summed again.
    month = _MONTH[dialect].format(row="d")
    rate = _RATE_CENTS.format(row="d")
    _set_kept_months(
        f"SELECT {month} AS month, d.user_id, d.task_id, SUM(d.billed_minutes) AS billed, "
        f"SUM(d.billed_minutes * {rate}) AS billed_cost, SUM(d.marked_billable) AS b, "
        "SUM(d.marked_unbillable) AS u FROM day_records d WHERE EXISTS (SELECT 1 FROM "
        "day_records o WHERE o.user_id = d.user_id AND o.task_id = d.task_id "
        f"AND {_MONTH[dialect].format(row='o')} = {month} AND (o.invoice_id IS NOT NULL "
        "OR o.marked_billable > 0 OR o.marked_unbillable > 0)) "
        f"GROUP BY {month}, d.user_id, d.task_id",
        "billed_minutes = :billed, billed_cost_minute_cents = :billed_cost, "
        "marked_billable = :b, marked_unbillable = :u",
    )
    _totals_triggers("0017", dialect)
    _create_totals_trigger(dialect)
    _marks_triggers(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "update", "delete", "new"):
            op.execute(f"DROP TRIGGER day_record_marks_{trigger}")
    else:
        op.execute("DROP TRIGGER day_record_marks_entry ON time_entries")
        op.execute("DROP FUNCTION day_record_marks_entry()")
        op.execute("DROP TRIGGER day_record_marks_new ON day_records")
        op.execute("DROP FUNCTION day_record_marks_new()")
    _drop_totals_triggers(dialect)
    # Before this version an invoice billed a record whole: all its entries, and all its minutes
    # in its kept month.
    op.execute(
        "UPDATE time_entries SET invoice_id = (SELECT d.invoice_id FROM day_records d WHERE "
        "d.user_id = time_entries.user_id AND d.date = time_entries.date AND "
        "d.task_id = time_entries.task_id) WHERE invoice_id IS NULL AND deleted IS NULL AND "
        "(started IS NULL OR ended IS NOT NULL) AND EXISTS (SELECT 1 FROM day_records d WHERE "
        "d.user_id = time_entries.user_id AND d.date = time_entries.date AND "
        "d.task_id = time_entries.task_id AND d.invoice_id IS NOT NULL)"
    )
    month = _MONTH[dialect].format(row="d")
    rate = _RATE_CENTS.format(row="d")
    _set_kept_months(
        f"SELECT {month} AS month, d.user_id, d.task_id, "
        "SUM(d.minutes - d.billed_minutes) AS billed, "
        f"SUM((d.minutes - d.billed_minutes) * {rate}) AS billed_cost FROM day_records d "
        "WHERE d.billed_minutes <> d.minutes AND d.invoice_id IS NOT NULL "
        f"GROUP BY {month}, d.user_id, d.task_id",
        "billed_minutes = billed_minutes + :billed, "
        "billed_cost_minute_cents = billed_cost_minute_cents + :billed_cost",
    )
    for name in ("marked_billable", "marked_unbillable"):
        op.drop_column("time_totals", name)
    op.drop_column("invoices", "rounded_minutes")
    for name in ("marked_billable", "marked_unbillable", "billed_minutes"):
        op.drop_column("day_records", name)
    _totals_triggers("0006", dialect)
    _create_totals_trigger(dialect)
