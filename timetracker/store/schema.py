"""Tables, in SQLAlchemy Core. Migrations in ``migrations/versions`` create exactly these.

The module is too long for the 400-line rule on purpose: the whole schema reads in one place.

Timestamps (``created``, ``updated``) are epoch milliseconds, as the API returns them.

Names are unique case-insensitively. Each named table keeps ``name_key``, the name case-folded by
Python (``store.util.name_key``), with the unique index on it: SQL ``lower()`` folds only ASCII
on SQLite but all of Unicode on PostgreSQL, and the rules must not depend on the database. The
same key serves the ``name``/``words`` filters and sorting by name.

Tables of named objects look alike by nature; ``named()`` and ``unique_names()`` hold what they
share, and the rest of each declaration is that table's own.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    false,
    func,
    literal_column,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

NAME_LENGTH = 255


def named() -> tuple[Column, Column]:
    """The columns of a named object: the name and its case-folded key."""
    return (
        Column("name", String(NAME_LENGTH), nullable=False),
        Column("name_key", String(NAME_LENGTH * 3), nullable=False),
    )


def modified() -> Column:
    """When the object last changed (epoch ms, the database's clock): kept by database triggers
    (migration 0011) on every insert and update of its row, whatever makes it, and on a change
    of what it shows of another row (a task's project name, say); 0 only until the insert
    trigger has run. A stamp is taken when the change is made, not when it commits: on
    PostgreSQL a transaction can commit after a later one, with the earlier stamp."""
    return Column("modified", BigInteger, nullable=False, server_default="0")


def unique_names(table: Table, *within: Column) -> Index:
    """Names unique in the table (or within the parent columns ``within``)."""
    suffix = "_".join(c.key.removesuffix("_id") for c in within)
    name = f"uq_{table.name}_{suffix + '_' if suffix else ''}name_key"
    return Index(name, *within, table.c.name_key, unique=True)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(NAME_LENGTH), nullable=False),
    Column("username_key", String(NAME_LENGTH * 3), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("first_name", String(NAME_LENGTH), nullable=False),
    Column("middle_name", String(NAME_LENGTH)),
    Column("last_name", String(NAME_LENGTH), nullable=False),
    Column("email", String(NAME_LENGTH)),
    Column("active", Boolean, nullable=False, default=True),
    Column("hired", Date),
    Column("release_date", Date),
    Column("created", BigInteger, nullable=False),
    Column(
        "department_id",
        Integer,
        ForeignKey("departments.id", name="fk_users_department_id_departments"),
        nullable=False,
        server_default="-1",
    ),
    Column(
        "time_zone_group_id",
        Integer,
        ForeignKey("time_zone_groups.id", name="fk_users_time_zone_group_id_time_zone_groups"),
        nullable=False,
        server_default="-1",
    ),
    # Listed in the company setting "allow selected users to see all users' data".
    Column("sees_all_data", Boolean, nullable=False, server_default=false()),
    # The whole company as assigned team / scope of work / work assignments.
    Column("team_all", Boolean, nullable=False, server_default=false()),
    Column("scope_all", Boolean, nullable=False, server_default=false()),
    Column("assign_all", Boolean, nullable=False, server_default=false()),
    # Workday minutes Sunday..Saturday, comma-separated; NULL: the company's schedule.
    Column("weekly_schedule", String(64)),
    # "first middle last", case-folded: the name search of the users list.
    Column("name_key", String(2300), nullable=False, server_default=""),
    modified(),
)
Index("uq_users_username_key", users.c.username_key, unique=True)
Index("ix_users_department_id", users.c.department_id)
Index("ix_users_time_zone_group_id", users.c.time_zone_group_id)

departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("is_default", Boolean, nullable=False, default=False),
    modified(),
    sqlite_autoincrement=True,
)
unique_names(departments)

time_zone_groups = Table(
    "time_zone_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("time_zone_id", String(64), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
    modified(),
    sqlite_autoincrement=True,
)
unique_names(time_zone_groups)

leave_types = Table(
    "leave_types",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("balance", String(8), nullable=False),
    Column("rate_factor", Numeric(6, 3), nullable=False),
    Column("archived", Boolean, nullable=False, default=False),
    modified(),
    CheckConstraint("balance IN ('None', 'Sick', 'PTO')", name="balance"),
    sqlite_autoincrement=True,
)
unique_names(leave_types)

user_permissions = Table(
    "user_permissions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("permission", String(64), primary_key=True),
)

workflow_statuses = Table(
    "workflow_statuses",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("type", String(16), nullable=False),
    Column("builtin", Boolean, nullable=False, default=False),
    CheckConstraint("type IN ('open', 'completed')", name="type"),
    modified(),
)
unique_names(workflow_statuses)

types_of_work = Table(
    "types_of_work",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("rate", Numeric(12, 2)),
    Column("archived", Boolean, nullable=False, default=False),
    Column("billable", Boolean, nullable=False, default=True),
    Column("is_default", Boolean, nullable=False, default=False),
    modified(),
)
unique_names(types_of_work)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("description", Text),
    Column("archived", Boolean, nullable=False, default=False),
    Column("created", BigInteger, nullable=False),
    modified(),
)
unique_names(customers)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "customer_id",
        Integer,
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    *named(),
    Column("description", Text),
    Column("archived", Boolean, nullable=False, default=False),
    Column("created", BigInteger, nullable=False),
    modified(),
)
unique_names(projects, projects.c.customer_id)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "project_id",
        Integer,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    *named(),
    Column("description", Text),
    Column("created", BigInteger, nullable=False),
    Column(
        "workflow_status_id",
        Integer,
        ForeignKey("workflow_statuses.id"),
        nullable=False,
    ),
    Column("type_of_work_id", Integer, ForeignKey("types_of_work.id"), nullable=False),
    Column("deadline", Date),
    Column("estimated_time", Integer),
    modified(),
    # The project's general task: it holds the time logged on the project without a task.
    Column("general", Boolean, nullable=False, server_default=false()),
)
unique_names(tasks, tasks.c.project_id)
Index(
    "uq_tasks_general",
    tasks.c.project_id,
    unique=True,
    sqlite_where=text("general"),
    postgresql_where=text("general"),
)
Index("ix_tasks_workflow_status_id", tasks.c.workflow_status_id)
Index("ix_tasks_type_of_work_id", tasks.c.type_of_work_id)
Index("ix_tasks_modified", tasks.c.modified)

# One table for the comments of customers, projects and tasks: exactly one of the three owner
# columns is set, and each one cascades, so deleting a customer also removes the comments of
# everything under it.
comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE")),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE")),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE")),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("updating_user_id", Integer, ForeignKey("users.id"), nullable=False),
    CheckConstraint(
        "(CASE WHEN customer_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN task_id IS NULL THEN 0 ELSE 1 END) = 1",
        name="one_owner",
    ),
)
Index("ix_comments_customer_id", comments.c.customer_id)
Index("ix_comments_project_id", comments.c.project_id)
Index("ix_comments_task_id", comments.c.task_id)
Index("ix_comments_user_id", comments.c.user_id)

team_members = Table(
    "team_members",
    metadata,
    Column("manager_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_team_members_member_id", team_members.c.member_id)


def _links(name: str, targets: tuple[str, ...]) -> Table:
    """A user's links to catalogue objects: exactly one target column per row."""
    one = " + ".join(f"(CASE WHEN {t}_id IS NULL THEN 0 ELSE 1 END)" for t in targets)
    table = Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        *(Column(f"{t}_id", Integer, ForeignKey(f"{t}s.id", ondelete="CASCADE")) for t in targets),
        CheckConstraint(f"{one} = 1", name="one_target"),
    )
    Index(f"ix_{name}_user_id", table.c.user_id)
    for t in targets:
        Index(f"ix_{name}_{t}_id", table.c[f"{t}_id"])
    return table


# A manager's scope of work, and the work assignments of users (who may track time on what).
scope_items = _links("scope_items", ("customer", "project"))
work_assignments = _links("work_assignments", ("customer", "project", "task"))

user_rates = Table(
    "user_rates",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("date_from", Date, primary_key=True),
    Column("regular_rate", Numeric(12, 2), nullable=False),
    Column("overtime_rate", Numeric(12, 2), nullable=False),
)

user_leave_rates = Table(
    "user_leave_rates",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("date_from", Date, primary_key=True),
    Column(
        "leave_type_id",
        Integer,
        ForeignKey("leave_types.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rate", Numeric(12, 2), nullable=False),
    ForeignKeyConstraint(
        ["user_id", "date_from"],
        ["user_rates.user_id", "user_rates.date_from"],
        ondelete="CASCADE",
        name="fk_user_leave_rates_user_id_user_rates",
    ),
)

company_settings = Table(
    "company_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# An invoice: the billable time-track records of a period (optionally of some customers,
# projects, users) marked as billed. ``number`` is unique case-insensitively through
# ``number_key`` (case-folded like ``name_key``); the filters it was made with are kept as JSON
# lists of ids (NULL: not filtered).
invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(NAME_LENGTH), nullable=False),
    Column("number_key", String(NAME_LENGTH * 3), nullable=False),
    Column("date_from", Date, nullable=False),
    Column("date_to", Date, nullable=False),
    Column("customer_ids", JSON),
    Column("project_ids", JSON),
    Column("user_ids", JSON),
    Column("created", BigInteger, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    # The billed minutes as the company's rounding of reported time had them when it was made
    # (NULL: not rounded, as every invoice made before rounding existed).
    Column("rounded_minutes", Integer),
    CheckConstraint("date_from <= date_to", name="range"),
)
Index("uq_invoices_number_key", invoices.c.number_key, unique=True)

# Time entries: what is tracked. One entry counts ``minutes`` of one user on one task on one
# day (``date``: the local day it counts on), untimed or with the instants it ran (``started``,
# ``ended``: epoch ms; a running timer has a start and no end and counts nothing until it
# stops). ``billable`` NULL follows the task's type of work. ``deleted`` (epoch ms) marks an
# entry deleted and kept (soft delete). ``services/time_entries.py`` keeps every day record the
# sum of its cell's live, stopped entries in the transaction of the change.
time_entries = Table(
    "time_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("date", Date, nullable=False),
    Column("started", BigInteger),
    Column("ended", BigInteger),
    Column("minutes", Integer, nullable=False),
    Column("description", Text),
    Column("billable", Boolean),
    # The invoice that billed the entry's day record (NULL: not billed).
    Column("invoice_id", Integer, ForeignKey("invoices.id")),
    Column("created", BigInteger, nullable=False),
    Column("modified", BigInteger, nullable=False),
    Column("deleted", BigInteger),
    CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes"),
    CheckConstraint("ended IS NULL OR started IS NOT NULL", name="interval"),
    CheckConstraint("ended IS NULL OR ended >= started", name="order"),
)
# In the entry list's order (by date, untimed first, then by start, then id: the expression of
# store/time_entries.py's sort): a user's or a day's page is read from the index, no sort.
START_ORDER = func.coalesce(time_entries.c.started, literal_column("-1"))
Index(
    "ix_time_entries_user_id",
    time_entries.c.user_id,
    time_entries.c.date,
    START_ORDER,
    time_entries.c.id,
)
Index("ix_time_entries_date", time_entries.c.date, START_ORDER, time_entries.c.id)
Index(
    "ix_time_entries_task_id", time_entries.c.task_id, time_entries.c.user_id, time_entries.c.date
)
Index("ix_time_entries_invoice_id", time_entries.c.invoice_id)
Index("ix_time_entries_modified", time_entries.c.modified)
# One running timer per user: a live entry with a start and no end.
Index(
    "uq_time_entries_running",
    time_entries.c.user_id,
    unique=True,
    sqlite_where=text("started IS NOT NULL AND ended IS NULL AND deleted IS NULL"),
    postgresql_where=text("started IS NOT NULL AND ended IS NULL AND deleted IS NULL"),
)

# Tags: named labels (``color``: ``#rrggbb``, lower-case) that time entries carry, many to many
# through ``time_entry_tags``. Deleting a tag or an entry deletes its links.
tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    *named(),
    Column("color", String(7), nullable=False),
    Column("created", BigInteger, nullable=False),
    modified(),
)
unique_names(tags)

time_entry_tags = Table(
    "time_entry_tags",
    metadata,
    Column(
        "time_entry_id",
        Integer,
        ForeignKey("time_entries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_time_entry_tags_tag_id", time_entry_tags.c.tag_id)

# Where an imported time entry came from: the product whose export held it (``source``:
# ``toggl``, ``clockify``, ...) and the identity of its line there (``source_key``: the
# product's own id, or a digest of the line's cells). Importing the same file again finds its
# lines here and creates nothing twice. Kept beside ``time_entries`` rather than in it, so that
# nothing reading entries sees import bookkeeping; deleting an entry deletes its link.
imported_entries = Table(
    "imported_entries",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("source_key", String(64), primary_key=True),
    Column(
        "time_entry_id",
        Integer,
        ForeignKey("time_entries.id", ondelete="CASCADE"),
        nullable=False,
    ),
)
Index("ix_imported_entries_time_entry_id", imported_entries.c.time_entry_id)

# Minutes one user tracked on one task on one day (the API's time-track record): the sum of
# that cell's live, stopped time entries. Its comment is its own.
day_records = Table(
    "day_records",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("minutes", Integer, nullable=False),
    Column("comment", Text),
    # The invoice that billed the record (NULL: not billed). No cascade: an invoice is deleted
    # only after its records are released.
    Column("invoice_id", Integer, ForeignKey("invoices.id")),
    # Of ``minutes``: those of the cell's entries marked billable, and marked not billable
    # (kept by triggers on time_entries, migration 0017). The record's billable minutes are
    # ``minutes - marked_unbillable`` on a task of a billable type of work, ``marked_billable``
    # on any other.
    Column("marked_billable", Integer, nullable=False, server_default="0"),
    Column("marked_unbillable", Integer, nullable=False, server_default="0"),
    # What the invoice billed of the record: its billable minutes then (0: not billed).
    Column("billed_minutes", Integer, nullable=False, server_default="0"),
    CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
)
Index("ix_day_records_date_user_id", day_records.c.date, day_records.c.user_id)
Index("ix_day_records_task_id", day_records.c.task_id)
Index("ix_day_records_invoice_id", day_records.c.invoice_id)

# Lock and unlock operations over date ranges (user_id NULL: every user). A day of a user is
# locked when the latest event covering it is a lock.
lock_events = Table(
    "lock_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("date_from", Date, nullable=False),
    Column("date_to", Date, nullable=False),
    Column("locked", Boolean, nullable=False),
    CheckConstraint("date_from <= date_to", name="range"),
)
Index("ix_lock_events_user_id", lock_events.c.user_id)

# Minutes of leave one user took of one leave type on one day (the API's leave-time record).
leave_entries = Table(
    "leave_entries",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("leave_type_id", Integer, ForeignKey("leave_types.id"), primary_key=True),
    Column("minutes", Integer, nullable=False),
    CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
)
Index("ix_leave_entries_date_user_id", leave_entries.c.date, leave_entries.c.user_id)

# The approval decision on one user's week (week_start .. week_end, seven days from the company's
# first day of the week). No row: not decided yet. An approved week takes no changes.
week_approvals = Table(
    "week_approvals",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("week_start", Date, primary_key=True),
    Column("week_end", Date, nullable=False),
    Column("status", String(8), nullable=False),
    Column("comment", Text),
    Column("decided_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("decided", BigInteger, nullable=False),
    CheckConstraint("status IN ('approved', 'rejected')", name="status"),
    CheckConstraint("week_start <= week_end", name="week"),
)

# Totals kept, not scanned: the minutes of one user on one task in one month (``month``: its first
# day), what of them is billed, and their cost (minutes x the user's regular rate in cents at each
# record's date, so cost = cost_minute_cents / 6000 in the company currency), all and billed.
# Database triggers on
# ``day_records`` (migration 0006) keep it in step in the same transaction as every change of
# time, whatever makes it; a change of a user's rates rebuilds that user's rows
# (``store.kept_totals.rebuild``). Month first: a period of months is one range of the primary key.
time_totals = Table(
    "time_totals",
    metadata,
    Column("month", Date, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("minutes", Integer, nullable=False),
    Column("billed_minutes", Integer, nullable=False),
    Column("cost_minute_cents", BigInteger, nullable=False),
    Column("billed_cost_minute_cents", BigInteger, nullable=False),
    Column("marked_billable", Integer, nullable=False, server_default="0"),
    Column("marked_unbillable", Integer, nullable=False, server_default="0"),
    sqlite_with_rowid=False,
)
Index("ix_time_totals_user_id", time_totals.c.user_id, time_totals.c.month)
# While a transaction holds a row here, the triggers leave time_totals to it (bulk writes).
time_totals_bulk = Table("time_totals_bulk", metadata, Column("id", Integer, primary_key=True))
# While a transaction holds a row here, the triggers that keep the day records' billable marks
# (migrations 0017, 0021) leave them to it: a bulk write of entries writes the marks it knows.
day_record_marks_bulk = Table(
    "day_record_marks_bulk", metadata, Column("id", Integer, primary_key=True)
)
Index("ix_time_totals_task_id", time_totals.c.task_id)

# Personal API tokens: ``Authorization: Bearer <token>`` authenticates as the user, limited to
# the scope. Only a SHA-256 of the token is kept (a 256-bit random token needs no slow hash).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("expires", BigInteger),
    CheckConstraint("scope IN ('read', 'write')", name="scope"),
)
Index("uq_api_tokens_token_hash", api_tokens.c.token_hash, unique=True)
Index("ix_api_tokens_user_id", api_tokens.c.user_id)

# Every change, written in the same transaction as the change (a transactional outbox): the
# changes feed, the audit log and REST hooks read it, so nothing is seen of a change that rolled
# back and no committed change is missed. Ids follow commit order (writers take turns to append:
# store/events.py). ``data`` is the object's API representation after the change (before it,
# for a deletion); ``changes`` the changed fields, {field: [old, new]}. ``user_id``, ``task_id``,
# ``project_id`` and ``customer_id`` are what the event is about, for deciding who may see it.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("actor_id", Integer),
    Column("method", String(8)),
    Column("path", Text),
    Column("batch_id", String(32)),
    Column("user_id", Integer),
    Column("task_id", Integer),
    Column("project_id", Integer),
    Column("customer_id", Integer),
    Column("data", JSON, nullable=False),
    Column("changes", JSON),
    sqlite_autoincrement=True,
)
Index("ix_events_created", events.c.created)

# What an event about many records concerns (an invoice's: every user and task it billed, with
# the task's project and customer then), one row per user and task: a reader is judged by each,
# as by the ids of an event about one record. Ids 0: not known (only a reader who reaches
# everything reaches it).
event_subjects = Table(
    "event_subjects",
    metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("task_id", Integer, primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("customer_id", Integer, nullable=False),
)

# A REST hook: events of ``event`` (a name, a kind, an action or ``*``) matching ``filter``
# (field equalities on the event's data) that ``user_id`` may see are POSTed to ``target_url``,
# signed with ``secret``. ``cursor`` is the id of the last event delivered (or passed over);
# ``failures``, ``failing_since`` and ``next_attempt`` drive the retries; ``claimed_until`` and
# ``claimed_by`` say which deliverer works on it now (services/hook_delivery.py).
hooks = Table(
    "hooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("target_url", Text, nullable=False),
    Column("event", String(64), nullable=False),
    Column("filter", JSON),
    Column("secret", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text),
    Column("created", BigInteger, nullable=False),
    Column("cursor", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("failing_since", BigInteger),
    Column("next_attempt", BigInteger, nullable=False),
    Column("claimed_until", BigInteger),
    Column("claimed_by", String(32)),
    # The API token that made it (None: made with a password): it lives as long as that token.
    # No foreign key: the id must outlive the token's row, to say why the hook was disabled.
    Column("token_id", Integer),
)
Index("ix_hooks_user_id", hooks.c.user_id)
Index("ix_hooks_token_id", hooks.c.token_id)

# The recent delivery attempts of a hook (the newest few are kept).
hook_deliveries = Table(
    "hook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hook_id", Integer, ForeignKey("hooks.id", ondelete="CASCADE"), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("status", Integer),
    Column("duration_ms", Integer, nullable=False),
    Column("error", Text),
    Column("events", Integer, nullable=False),
    Column("first_event_id", Integer, nullable=False),
    Column("last_event_id", Integer, nullable=False),
)
Index("ix_hook_deliveries_hook_id", hook_deliveries.c.hook_id)
