"""Time entries at a million records, in process: reads against plain SQL, and the migration.

    python bench/bench_entries.py [--db FILE_OR_URL ...] [--repeat 15] [--migration] [--profile]

Uses the dataset of ``timetrack_dataset.py`` (1,000 users, 5,000 tasks, 1,044,000 day records,
each with its one untimed entry): built in a temporary SQLite file, or in each database given by
--db (built there when it is empty, reused when it already holds the dataset; a PostgreSQL URL
too). On each, through the Flask test client as the administrator, in this process, it times
(median of --repeat):

- ``GET /api/v1/timeEntries`` for one user's month (``userIds``, ``dateFrom``, ``dateTo``), and
  for all users' one day, paged by ``limit=1000`` until a page comes back short: the time of
  the requests alone;
- the baseline: the same pages selected with one plain SQL query each (SQLAlchemy ``text`` on
  an engine configured as the server's), then the tags of the page's entries with a second
  (as the API reads them), serialized with orjson into the same JSON shape (each page's
  document is checked equal to the API's);
- ``GET /api/v1/timetrack/totals`` for a year grouped by project against the same aggregate over
  ``time_totals`` in plain SQL (the SQL of ``bench_totals.py``; the numbers are checked against
  a plain scan of the day records).

Targets: both entry reads <= 1.5x their baseline; the year of totals <= 150 ms and <= 1.5x.
With --migration (SQLite), a copy of the database is taken back to revision 0013 (entries
dropped, the day records in their old table ``time_entries``) and the time of the upgrade to
head is measured, then checked: every record has its entry. Target: under 60 s. --profile
prints the top of a cProfile of each question through the API.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import os
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import orjson
from sqlalchemy import bindparam, func, inspect, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_totals import ESTIMATES_BY_PROJECT, KEPT_BY_PROJECT, SCAN_BY_PROJECT  # noqa: E402
from timetrack_dataset import PASSWORD, build  # noqa: E402

from timetracker import create_app  # noqa: E402
from timetracker.store import migrate  # noqa: E402
from timetracker.store import schema as t  # noqa: E402
from timetracker.store.db import make_engine  # noqa: E402
from timetracker.store.time_entries import disagreeing_cells  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}
MONTH = ("2025-06-01", "2025-06-30")
ONE_DAY = "2025-06-11"
YEAR = ("2025-01-01", "2025-12-31")
PAGE = 1000

# The entries of a list as the API shows them to the administrator: live ones, in the list's
# order (by date, untimed first, then by start, then id), billable as the entry or else its
# task's type of work says.
PLAIN_ENTRIES = """
SELECT e.id, e.user_id, e.task_id, e.date, e.started, e.ended, e.minutes, e.description,
       COALESCE(e.billable, w.billable), e.invoice_id, e.created, e.modified
FROM time_entries e
JOIN tasks t ON t.id = e.task_id
JOIN types_of_work w ON w.id = t.type_of_work_id
WHERE e.deleted IS NULL AND e.date >= :a AND e.date <= :b {where}
ORDER BY e.date, COALESCE(e.started, -1), e.id
LIMIT :limit OFFSET :offset
"""


def instant(value):
    if value is None:
        return None
    moment = dt.datetime.fromtimestamp(value / 1000, dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds" if value % 1000 else "seconds") + "Z"


# The tags the entries of a page carry, by entry and tag.
PLAIN_TAGS = text(
    "SELECT time_entry_id, tag_id FROM time_entry_tags WHERE time_entry_id IN :ids "
    "ORDER BY time_entry_id, tag_id"
).bindparams(bindparam("ids", expanding=True))


def plain_page(conn, sql: str, params: dict, offset: int) -> tuple[bytes, int]:
    """One page of entries, by plain SQL, as the API's JSON document; and its length. (SQLite's
    driver answers dates as text, psycopg as dates: orjson writes both alike.) Two queries, as
    the API's: the page, then the tags its entries carry."""
    items = []
    rows = conn.execute(text(sql), {**params, "limit": PAGE, "offset": offset}).all()
    tags: dict[int, list[int]] = {}
    if rows:
        for entry, tag in conn.execute(PLAIN_TAGS, {"ids": [r[0] for r in rows]}):
            tags.setdefault(entry, []).append(tag)
    for row in rows:
        i, user, task, day, started, ended, minutes, description, billable, invoice = row[:10]
        free = invoice is None
        items.append(
            {
                "id": i,
                "userId": user,
                "taskId": task,
                "date": day,
                "start": instant(started),
                "end": instant(ended),
                "minutes": minutes,
                "running": started is not None and ended is None,
                "description": description,
                "billable": bool(billable),
                "invoiceId": invoice,
                "tagIds": tags.get(i, []),
                "created": row[10],
                "modified": row[11],
                "deleted": False,
                "allowedActions": {"canModify": free, "canDelete": free},
            }
        )
    return orjson.dumps({"offset": offset, "limit": PAGE, "items": items}), len(items)


def paged(fetch) -> tuple[float, list[bytes]]:
    """Pages from offset 0 until one comes back short: the seconds spent in ``fetch`` (one page:
    its bytes and item count) alone, and the pages."""
    spent, pages, offset = 0.0, [], 0
    while True:
        started = time.perf_counter()
        body, count = fetch(offset)
        spent += time.perf_counter() - started
        pages.append(body)
        if count < PAGE:
            return spent, pages
        offset += PAGE


def median_of(action, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        seconds, result = action()
        times.append(seconds)
    return statistics.median(times), result


def timed(action):
    def run():
        started = time.perf_counter()
        result = action()
        return time.perf_counter() - started, result

    return run


def has_dataset(engine) -> bool:
    if not inspect(engine).has_table("day_records"):
        return False
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t.day_records)).scalar_one() > 0


def profile(label: str, action, runs: int = 20) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        action()
    profiler.disable()
    print(f"--- cProfile of {runs} x {label}: the server's own functions by cumulative time")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats("/timetracker/", 20)
    print(f"--- cProfile of {runs} x {label}: top 20 by own time")
    stats.sort_stats("tottime").print_stats(20)


def report(label: str, api: float, base: float, target: str) -> float:
    ratio = api / base
    print(
        f"{label:38} api {api * 1000:8.1f} ms   plain SQL {base * 1000:8.1f} ms   "
        f"ratio {ratio:4.2f}   [{target}]"
    )
    return ratio


def reads(db: str, repeat: int, with_profile: bool) -> None:
    settings = {
        "DATABASE_URL": db,
        "ADMIN_PASSWORD": PASSWORD,
        "RATELIMIT_PER_SECOND": 10**9,
        "RATELIMIT_PER_MINUTE": 10**9,
    }
    app = create_app(settings)
    client = app.test_client()
    engine = make_engine(db)
    with engine.connect() as conn:
        users = (
            conn.execute(text("SELECT id FROM users WHERE username LIKE 'user%' ORDER BY id"))
            .scalars()
            .all()
        )
        user = users[len(users) // 2]
        entries = conn.execute(select(func.count()).select_from(t.time_entries)).scalar_one()
    print(f"{db}: {entries:,} entries; {os.cpu_count()} CPUs; in process, Flask test client")

    def get(path: str) -> bytes:
        answer = client.get(path, headers=AUTH)
        assert answer.status_code == 200, (answer.status_code, answer.get_data()[:300])
        return answer.get_data()

    floor, _ = median_of(timed(lambda: get("/api/v1/users/me")), 50)
    print(f"fixed cost of an authenticated request (GET /users/me): {floor * 1000:.2f} ms")

    questions = (
        (
            "one user, one month",
            f"/api/v1/timeEntries?userIds={user}&dateFrom={MONTH[0]}&dateTo={MONTH[1]}",
            {"a": MONTH[0], "b": MONTH[1], "u": user},
            "AND e.user_id = :u",
        ),
        (
            "all users, one day",
            f"/api/v1/timeEntries?dateFrom={ONE_DAY}&dateTo={ONE_DAY}",
            {"a": ONE_DAY, "b": ONE_DAY},
            "",
        ),
    )
    for label, path, params, where in questions:
        sql = PLAIN_ENTRIES.format(where=where)

        def api(path=path):
            return paged(lambda offset: _counted(get(f"{path}&limit={PAGE}&offset={offset}")))

        def plain(sql=sql, params=params):
            with engine.connect() as conn:
                return paged(lambda offset: plain_page(conn, sql, params, offset))

        _, api_pages = api()  # warm-up (the verification cache, pooled connections)
        _, plain_pages = plain()
        assert [orjson.loads(p) for p in api_pages] == [orjson.loads(p) for p in plain_pages]
        api_time, _ = median_of(api, repeat)
        base_time, _ = median_of(plain, repeat)
        count = sum(len(orjson.loads(p)["items"]) for p in api_pages)
        report(f"{label} ({count} entries, {len(api_pages)} pages)", api_time, base_time, "<= 1.5x")
        if with_profile:
            profile(label, api)

    path = f"/api/v1/timetrack/totals?dateFrom={YEAR[0]}&dateTo={YEAR[1]}&groupBy=project"
    get(path)
    api_time, answer = median_of(timed(lambda: get(path)), repeat)
    kept_sql = KEPT_BY_PROJECT.format(where="", outer="", user_key="")
    estimates_sql = ESTIMATES_BY_PROJECT.format(outer="")

    def aggregate():
        with engine.connect() as conn:
            rows = conn.execute(text(kept_sql), {"a": "2025-01-01", "b": "2025-12-01"}).all()
            conn.execute(text(estimates_sql)).all()
        return rows

    base_time, kept = median_of(timed(aggregate), repeat)
    with engine.connect() as conn:
        scanned = conn.execute(
            text(SCAN_BY_PROJECT.format(where="")), {"a": YEAR[0], "b": YEAR[1]}
        ).all()
    sums = {
        g["projectId"]: g["totals"]["totalMinutes"]
        for g in orjson.loads(answer)["groups"]
        if g["totals"]["totalMinutes"]
    }
    assert sums == {r[0]: r[1] for r in scanned if r[1]} == {r[0]: r[1] for r in kept if r[1]}
    report("a year of totals by project", api_time, base_time, "<= 150 ms, <= 1.5x")
    if with_profile:
        profile("a year of totals by project", lambda: get(path), 5)
    engine.dispose()


def _counted(body: bytes) -> tuple[bytes, int]:
    # A client pages on until a page is short: it counts the items of each. (The key followed
    # by its colon cannot occur inside a string, where a quote is escaped.)
    return body, body.count(b'"allowedActions":')


def checkpoint(db: str) -> None:
    """Fold the write-ahead log into the file, so that copying the file copies the database."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def migration(db: str, tmp: str, runs: int) -> None:
    """Seconds of the upgrade from 0013 to head of a copy of ``db`` (SQLite), ``runs`` times."""
    checkpoint(db)
    old = str(Path(tmp) / "at-0013.db")
    shutil.copyfile(db, old)
    engine = make_engine(old)
    started = time.perf_counter()
    migrate.downgrade(engine, "0013")
    print(f"migration: the copy taken back to 0013 in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        records = conn.execute(text("SELECT COUNT(*) FROM time_entries")).scalar_one()
    engine.dispose()
    checkpoint(old)
    seconds = []
    for _ in range(runs):
        work = str(Path(tmp) / "migrated.db")
        for suffix in ("", "-wal", "-shm"):
            Path(work + suffix).unlink(missing_ok=True)
        shutil.copyfile(old, work)
        engine = make_engine(work)
        with engine.connect():
            pass  # the connection is made before the clock starts
        started = time.perf_counter()
        migrate.upgrade(engine)
        seconds.append(time.perf_counter() - started)
        with engine.connect() as conn:
            entries = conn.execute(select(func.count()).select_from(t.time_entries)).scalar_one()
            assert entries == records, (entries, records)
            assert not disagreeing_cells(conn)
        engine.dispose()
        print(f"migration 0013 -> head of {records:,} day records: {seconds[-1]:.1f} s")
    if runs > 1:
        print(f"migration: median of {runs} runs {statistics.median(seconds):.1f} s")
    print("[target: under 60 s]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        action="append",
        help="SQLite file or database URL, built when empty (repeatable; default: a temporary "
        "SQLite file)",
    )
    parser.add_argument("--repeat", type=int, default=15, help="runs of each read (median)")
    parser.add_argument(
        "--migration", action="store_true", help="time the upgrade from 0013 (SQLite)"
    )
    parser.add_argument("--migration-runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile each API read")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        for db in args.db or [str(Path(tmp) / "entries.db")]:
            engine = make_engine(db)
            found = has_dataset(engine)
            engine.dispose()
            if not found:
                started = time.perf_counter()
                built = build(db)
                print(
                    f"dataset: {built['records']:,} records and entries built in "
                    f"{time.perf_counter() - started:.1f} s"
                )
            reads(db, args.repeat, args.profile)
            if args.migration and "://" not in db:
                migration(db, tmp, args.migration_runs)


if __name__ == "__main__":
    main()
