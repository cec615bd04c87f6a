"""Ten million entries on PostgreSQL: the list, totals, report and CSV export paths, with plans.

    python bench/bench_pg_scale.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--database timetracker_10m] [--repeat 15]
                                   [--plans bench/plans] [--only NAME]

Uses (and first builds, when missing) the database of ``pg_scale_dataset.py``: 5,000 users,
5,000 tasks, about 10,000,000 timed entries of 2023-2025 and their day records. Then:

1. In this process, through the app's test client as the administrator (server time: the whole
   request from the WSGI call to the last byte, without a network), each question below is asked
   once to warm up and then --repeat times; the median counts. The SQL statements of one request
   are recorded (with the time their ``execute`` took) and each SELECT among them is run again
   under ``EXPLAIN (ANALYZE, BUFFERS)``; the plans are written to --plans/pg10m-NAME.txt.
   The floor is ``GET /users/me``, the fixed cost of an authenticated request.
2. Through the real server (``timetracker serve`` on the database), the CSV export of a week
   and of a month of everyone's entries (``GET /timeEntries?format=csv``) and of the detailed
   report of the month: rows per second and the server's resident memory before and at its
   peak (polled every 20 ms). Flat memory: the month's peak no higher than the week's.

Targets: a year of totals by project <= 300 ms; one user's month <= 5 ms; the month's CSV at
>= 100,000 rows/s in flat memory.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import PASSWORD  # noqa: E402
from bench_export import PeakMemory, download, rss_mb, server_process  # noqa: E402
from pg_scale_dataset import build, database_url, finished  # noqa: E402

from timetracker import create_app  # noqa: E402

HEADERS = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}
YEAR = ("2025-01-01", "2025-12-31")
MONTH = ("2025-06-01", "2025-06-30")
WEEK = ("2025-06-09", "2025-06-15")
HALF_YEAR = ("2025-01-01", "2025-06-30")
DAY = "2025-06-11"


def questions(user: int, project: int) -> list[tuple[str, str, str]]:
    """(name, path, target) of every question asked in process."""
    month = f"dateFrom={MONTH[0]}&dateTo={MONTH[1]}"
    year = f"dateFrom={YEAR[0]}&dateTo={YEAR[1]}"
    return [
        ("floor-users-me", "/api/v1/users/me", ""),
        ("totals-year-by-project", f"/api/v1/timetrack/totals?{year}&groupBy=project", "300"),
        (
            "totals-quarter-by-user-month",
            "/api/v1/timetrack/totals?dateFrom=2025-03-17&dateTo=2025-06-12&groupBy=user,month",
            "",
        ),
        ("entries-user-month", f"/api/v1/timeEntries?userIds={user}&{month}", "5"),
        ("records-user-month", f"/api/v1/timetrack?userIds={user}&{month}", "5"),
        ("totals-user-month", f"/api/v1/timetrack/totals?userIds={user}&{month}", "5"),
        ("entries-day-first-page", f"/api/v1/timeEntries?dateFrom={DAY}&dateTo={DAY}", ""),
        (
            "entries-day-with-total",
            f"/api/v1/timeEntries?dateFrom={DAY}&dateTo={DAY}&withTotal=true",
            "",
        ),
        ("entries-project-month", f"/api/v1/timeEntries?projectIds={project}&{month}", ""),
        ("records-day-everyone", f"/api/v1/timetrack?dateFrom={DAY}&dateTo={DAY}", ""),
        ("report-summary-month", f"/api/v1/reports/summary?{month}", ""),
        ("report-projects-year", f"/api/v1/reports/projects?{year}", ""),
        ("report-users-year", f"/api/v1/reports/users?{year}", ""),
        ("report-detailed-user-month", f"/api/v1/reports/detailed?userIds={user}&{month}", ""),
        ("report-detailed-month-first-page", f"/api/v1/reports/detailed?{month}", ""),
    ]


class Statements:
    """The SQL statements the engine executes while ``recording``: (statement, parameters,
    seconds of its execute)."""

    def __init__(self, engine):
        self.recording = False
        self.seen: list[tuple[str, object, float]] = []
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording:
            self.seen.append((statement, parameters, time.perf_counter() - self._started))


def explain(engine, statement: str, parameters) -> str:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
        return plan
    finally:
        raw.close()


def in_process(target: str, repeat: int, plans: Path, only: str | None) -> list[dict]:
    app = create_app(
        {
            "DATABASE_URL": target,
            # Every question is asked many times a second: the throttle is not what is measured.
            "RATELIMIT_PER_SECOND": 1_000_000,
            "RATELIMIT_PER_MINUTE": 1_000_000,
        }
    )
    engine = app.extensions["timetracker"]["engine"]
    statements = Statements(engine)
    client = app.test_client()

    def get(path: str) -> bytes:
        answer = client.get(path, headers=HEADERS)
        assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
        return answer.data

    with engine.connect() as conn:  # a user and a project from the middle
        user_id = conn.execute(
            text(
                "SELECT id FROM users WHERE username LIKE 'user%' ORDER BY id OFFSET "
                "(SELECT count(*) / 2 FROM users) LIMIT 1"
            )
        ).scalar_one()
        project_id = conn.execute(
            text(
                "SELECT id FROM projects ORDER BY id "
                "OFFSET (SELECT count(*) / 2 FROM projects) LIMIT 1"
            )
        ).scalar_one()
    plans.mkdir(parents=True, exist_ok=True)
    results = []
    for name, path, goal in questions(user_id, project_id):
        if only and name != only:
            continue
        get(path)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            size = len(get(path))
            times.append(time.perf_counter() - started)
        statements.seen, statements.recording = [], True
        get(path)
        statements.recording = False
        recorded = statements.seen
        sql_ms = sum(s for _, _, s in recorded) * 1000
        lines = [
            f"# GET {path}",
            f"# server time, median of {repeat}: "
            f"{statistics.median(times) * 1000:.2f} ms; {len(recorded)} statements "
            f"({sql_ms:.2f} ms in execute)",
            "",
        ]
        for statement, parameters, seconds in recorded:
            lines += [f"-- execute {seconds * 1000:.2f} ms", statement.strip(), f"-- {parameters}"]
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                lines += ["", explain(engine, statement, parameters)]
            lines.append("")
        (plans / f"pg10m-{name}.txt").write_text("\n".join(lines))
        results.append(
            {
                "name": name,
                "ms": statistics.median(times) * 1000,
                "best": min(times) * 1000,
                "sql": sql_ms,
                "statements": len(recorded),
                "bytes": size,
                "goal": goal,
            }
        )
        verdict = ""
        if goal:
            verdict = "met" if statistics.median(times) * 1000 <= float(goal) else "NOT met"
            verdict = f"  target <= {goal} ms: {verdict}"
        print(
            f"{name:34} {statistics.median(times) * 1000:9.2f} ms (best {min(times) * 1000:.2f}; "
            f"{len(recorded)} statements, {sql_ms:.2f} ms in execute; {size:,} bytes){verdict}",
            flush=True,
        )
    engine.dispose()
    return results


def exports(target: str) -> None:
    week = f"/api/v1/timeEntries?dateFrom={WEEK[0]}&dateTo={WEEK[1]}&format=csv"
    month = f"/api/v1/timeEntries?dateFrom={MONTH[0]}&dateTo={MONTH[1]}&format=csv"
    detailed = f"/api/v1/reports/detailed?dateFrom={MONTH[0]}&dateTo={MONTH[1]}&format=csv"
    # Six times the month: the peak must not grow with the rows (flat memory).
    half_year = f"/api/v1/timeEntries?dateFrom={HALF_YEAR[0]}&dateTo={HALF_YEAR[1]}&format=csv"
    with server_process(target) as (port, pid):
        download(port, f"/api/v1/timeEntries?dateFrom={DAY}&dateTo={DAY}&format=csv")
        before = rss_mb(pid)
        print(f"server RSS after a warm-up download: {before:.0f} MB")
        for label, path in (
            ("entries CSV, a week of everyone", week),
            ("entries CSV, a month of everyone", month),
            ("detailed report CSV, a month of everyone", detailed),
            ("entries CSV, half a year of everyone", half_year),
        ):
            for run in (1,) if path == half_year else (1, 2):
                with PeakMemory(pid) as memory:
                    rows, size, elapsed, encoding = download(port, path)
                print(
                    f"{label} (run {run}): {rows:,} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s: "
                    f"{rows / elapsed:,.0f} rows/s (target >= 100,000); Transfer-Encoding "
                    f"{encoding}; server RSS peak {memory.peak:.0f} MB "
                    f"({memory.peak - before:+.0f} MB)",
                    flush=True,
                )
        print(f"server RSS at the end: {rss_mb(pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="timetracker_10m")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--plans", type=Path, default=Path(__file__).resolve().parent / "plans")
    parser.add_argument("--only", help="ask only this question (its name)")
    parser.add_argument("--no-exports", action="store_true", help="skip the CSV downloads")
    args = parser.parse_args()
    if not finished(args.url, args.database):
        build(args.url, args.database, 5000, 2023, 2025)
    target = database_url(args.url, args.database)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}", flush=True)
    in_process(target, args.repeat, args.plans, args.only)
    if not args.no_exports:
        exports(target)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
