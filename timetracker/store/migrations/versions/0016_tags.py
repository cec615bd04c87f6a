"""Tags, and the tags of time entries.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

``tags`` is a named table like the others (a name unique case-insensitively through
``name_key``, a colour, ``created`` and a ``modified`` stamp kept by triggers as migration 0011
keeps every listed object's). ``time_entry_tags`` links entries and tags; deleting either
deletes its links.

Going back drops both tables.
"""

# A migration is frozen history: it spells out its tables in full.

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# As in 0011: SQLite keeps 'now' to the millisecond; ROUND undoes the float's error.
SQLITE_NOW = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(765), nullable=False),
        sa.Column("color", sa.String(7), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("modified", sa.BigInteger, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
    )
    op.create_index("uq_tags_name_key", "tags", ["name_key"], unique=True)
    op.create_table(
        "time_entry_tags",
        sa.Column("time_entry_id", sa.Integer, nullable=False),
        sa.Column("tag_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("time_entry_id", "tag_id", name="pk_time_entry_tags"),
        sa.ForeignKeyConstraint(
            ["time_entry_id"],
            ["time_entries.id"],
            ondelete="CASCADE",
            name="fk_time_entry_tags_time_entry_id_time_entries",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], ondelete="CASCADE", name="fk_time_entry_tags_tag_id_tags"
        ),
    )
    op.create_index("ix_time_entry_tags_tag_id", "time_entry_tags", ["tag_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER tags_modified_insert AFTER INSERT ON tags WHEN NEW.modified = 0 "
            f"BEGIN UPDATE tags SET modified = max(NEW.created, {SQLITE_NOW}) "
            "WHERE id = NEW.id; END"
        )
        op.execute(
            "CREATE TRIGGER tags_modified_update AFTER UPDATE ON tags "
            "WHEN NEW.modified = OLD.modified BEGIN UPDATE tags "
            f"SET modified = max(OLD.modified + 1, {SQLITE_NOW}) WHERE id = NEW.id; END"
        )
    else:
        # stamp_modified() is 0011's.
        op.execute(
            "CREATE TRIGGER tags_modified BEFORE INSERT OR UPDATE ON tags "
            "FOR EACH ROW EXECUTE FUNCTION stamp_modified()"
        )


def downgrade() -> None:
    # The triggers go with their table.
    op.drop_table("time_entry_tags")
    op.drop_table("tags")
