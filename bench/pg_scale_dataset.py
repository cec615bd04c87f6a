"""Build ten million time entries on PostgreSQL: 5,000 users, 5,000 tasks, three years.

    python bench/pg_scale_dataset.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                     [--database timetracker_10m] [--users 5000]
                                     [--years 2023-2025] [--force]

Creates the database --database next to the one --url names (dropped and made again with
--force; left as it is when it already holds a finished build, so the benchmarks can run again
on it), upgrades it to the current schema and fills it:

- the catalogue of ``timetrack_dataset.py``: 50 customers holding 10 projects of 10 tasks each;
- --users users, each assigned to two projects (20 tasks), sharing the administrator's
  password hash;
- on every working day (Monday to Friday) of the years, two or three timed entries per user
  (three on 11 days of 20, by user and day: 2.55 on average, 9,983,250 entries for 5,000 users
  over 2023-2025) on distinct tasks of the user's 20, starting at 08:00, 10:30 and 13:00 UTC and
  lasting 30 to 135 minutes, each with a description; one entry in twenty is marked not
  billable;
- the day records, each the sum of its cell's entries, and the kept monthly totals.

The rows are made by PostgreSQL itself (``INSERT ... SELECT`` over ``generate_series``, a month
per statement, in date order as a company's entries arrive), with the tables' own triggers
switched off while it writes, because the records and the kept totals are then summed in whole
months instead of one row at a time. At the end the builder checks what the triggers would
have kept: every record is its entries' sum and every kept total its records' sum.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import click
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timetrack_dataset import PASSWORD, PROJECTS_PER_USER, _users, catalogue  # noqa: E402

from timetracker.startup import prepare_database  # noqa: E402
from timetracker.store import schema as t  # noqa: E402
from timetracker.store.kept_totals import differences, rebuild  # noqa: E402
from timetracker.store.time_entries import disagreeing_cells  # noqa: E402
from timetracker.store.util import now_ms  # noqa: E402

DONE = "timetracker_10m_built"  # a comment on the database once the build has finished

# The day's number from the first day, and of the k-th entry (0, 1, 2) of a user's day: the index
# of its task among the user's 20 (distinct for k = 0, 1, 2), its minutes and its start.
ENTRIES = """
INSERT INTO time_entries (user_id, task_id, date, started, ended, minutes, description,
                          billable, created, modified)
SELECT s.user_id, ut.task_id, s.day, s.started, s.started + s.minutes * 60000, s.minutes,
       'Review and follow-up, part ' || (s.k + 1),
       CASE WHEN (s.user_id * 13 + s.n * 7 + s.k) % 20 = 0 THEN FALSE END, :now, :now
FROM (
    SELECT u.user_id, d.day::date AS day, k.k, d.day::date - CAST(:first AS date) AS n,
           (EXTRACT(EPOCH FROM d.day)::bigint + (480 + k.k * 150) * 60) * 1000 AS started,
           30 + ((u.user_id * 31 + (d.day::date - CAST(:first AS date)) * 17 + k.k * 13) % 8) * 15
               AS minutes,
           (u.user_id * 7 + (d.day::date - CAST(:first AS date)) * 3 + k.k * 7) % 20 AS idx
    FROM generate_series(CAST(:month_first AS timestamp), CAST(:month_last AS timestamp),
                         INTERVAL '1 day') AS d(day)
    CROSS JOIN (SELECT DISTINCT user_id FROM bench_user_tasks) AS u
    CROSS JOIN generate_series(0, 2) AS k(k)
    WHERE EXTRACT(ISODOW FROM d.day) < 6
      AND (k.k < 2 OR (u.user_id + (d.day::date - CAST(:first AS date))) % 20 < 11)
) AS s
JOIN bench_user_tasks AS ut ON ut.user_id = s.user_id AND ut.idx = s.idx
ORDER BY s.day, s.user_id, s.k
"""

RECORDS = """
INSERT INTO day_records (user_id, date, task_id, minutes, marked_billable, marked_unbillable)
SELECT user_id, date, task_id, SUM(minutes),
       COALESCE(SUM(minutes) FILTER (WHERE billable), 0),
       COALESCE(SUM(minutes) FILTER (WHERE NOT billable), 0)
FROM time_entries
WHERE date BETWEEN :month_first AND :month_last
GROUP BY user_id, date, task_id
ORDER BY date, user_id, task_id
"""


def months(first_year: int, last_year: int) -> list[tuple[dt.date, dt.date]]:
    out = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            out.append((start, end))
    return out


def database_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def finished(url: str, database: str) -> bool:
    """Whether ``database`` exists and holds a finished build."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        comment = conn.execute(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = :name"
            ),
            {"name": database},
        ).scalar()
    engine.dispose()
    return comment == DONE


def _recreate(url: str, database: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()


def _mark_finished(url: str, database: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{database}\" IS '{DONE}'"))
    engine.dispose()


def _people(conn, users: int, now: int) -> None:
    """The catalogue, the users and their assignments; ``bench_user_tasks`` (a temporary
    table) numbers each user's 20 tasks 0-19."""
    password_hash = conn.execute(select(t.users.c.password_hash)).scalar_one()
    tasks_of = catalogue(conn, now)
    projects = sorted(tasks_of)
    user_ids = _users(conn, users, password_hash, now)
    conn.execute(
        insert(t.work_assignments),
        [
            {
                "user_id": user_id,
                "project_id": projects[(i * PROJECTS_PER_USER + k) % len(projects)],
            }
            for i, user_id in enumerate(user_ids)
            for k in range(PROJECTS_PER_USER)
        ],
    )
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE bench_user_tasks AS "
            "SELECT w.user_id, ROW_NUMBER() OVER (PARTITION BY w.user_id ORDER BY k.id) - 1 "
            "AS idx, k.id AS task_id FROM work_assignments w "
            "JOIN tasks k ON k.project_id = w.project_id"
        )
    )
    conn.execute(text("CREATE INDEX ON bench_user_tasks (user_id, idx)"))


def build(url: str, database: str, users: int, first_year: int, last_year: int) -> str:
    """Make and fill the database; returns its URL."""
    _recreate(url, database)
    target = database_url(url, database)
    prepare_database({"DATABASE_URL": target, "ADMIN_PASSWORD": PASSWORD})
    engine = create_engine(target)
    spans = months(first_year, last_year)
    first = dt.date(first_year, 1, 1)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        now = now_ms()
        _people(conn, users, now)
        for table in ("time_entries", "day_records"):
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        entries = 0
        with click.progressbar(spans, label="Months of entries and records") as bar:
            for month_first, month_last in bar:
                values = {
                    "now": now,
                    "first": first.isoformat(),
                    "month_first": month_first,
                    "month_last": month_last,
                }
                entries += conn.execute(text(ENTRIES), values).rowcount
                conn.execute(text(RECORDS), values)
        for table in ("time_entries", "day_records"):
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        click.echo(f"{entries:,} entries; summing the kept totals")
        rebuild(conn)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        click.echo("checking that every record is its entries' sum and every total its records'")
        wrong = disagreeing_cells(conn)
        assert not wrong, f"records that are not the sum of their entries: {wrong}"
        count, rows = differences(conn)
        assert not count, f"kept totals that disagree with their records: {rows}"
    engine.dispose()
    _mark_finished(url, database)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="timetracker_10m")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--years", default="2023-2025", help="first-last")
    parser.add_argument("--force", action="store_true", help="build again even when finished")
    args = parser.parse_args()
    first_year, last_year = (int(y) for y in args.years.split("-"))
    if finished(args.url, args.database) and not args.force:
        print(f"{args.database} already holds a finished build (--force builds it again)")
        return
    started = time.perf_counter()
    build(args.url, args.database, args.users, first_year, last_year)
    print(f"built {args.database} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
