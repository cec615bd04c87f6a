"""Totals at a million records, through the real server.

    python bench/bench_totals.py [--db URL|FILE] [--reuse] [--repeat 15]

Builds the dataset of ``timetrack_dataset.py`` (1,000 users, 5,000 tasks, a year of time-track,
1,044,000 records; the totals triggers run on every insert) in a temporary SQLite file, or in the
empty database given by --db (--reuse: --db already holds it). Then, as the administrator and as
a scoped manager (Modify & Approve + Manage Cost & Billing Data, a team of 500 users, a scope of
25 of the 50 customers), it times (median of --repeat) ``GET /timetrack/totals`` questions next
to plain SQL run in this process that computes the same numbers:

- a year for the whole company grouped by project: against one plain ``GROUP BY`` over the
  records (the scan the kept totals replace) and against the same aggregate over
  ``time_totals``; targets: <= 150 ms on SQLite, <= 1.5x the aggregate;
- the same for the scoped manager, with the team and scope conditions in the plain SQL;
- one user, one month: against the fixed cost of an authenticated request (``GET /users/me``);
  target <= 2x;
- a quarter that starts and ends mid-month grouped by user and month (whole months from the
  kept totals, the days around them from the records).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH, PASSWORD, server  # noqa: E402
from bench_timetrack import Client, median_time  # noqa: E402
from timetrack_dataset import build  # noqa: E402

from timetracker.store import totals as totals_store  # noqa: E402
from timetracker.store.db import normalize_url  # noqa: E402

YEAR = ("2025-01-01", "2025-12-31")


def plain(engine, sql: str, params: dict):
    def run():
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()

    return run


# The numbers of the totals per project from the kept totals: minutes, billed, billable, cost
# and revenue (the administrator sees money), and the estimates of the projects' tasks.
KEPT_BY_PROJECT = """
SELECT t.project_id, SUM(p.minutes), SUM(p.billed),
       SUM(CASE WHEN w.billable THEN p.minutes ELSE 0 END), SUM(p.cost),
       SUM(CASE WHEN w.billable THEN p.minutes * COALESCE(CAST(ROUND(w.rate * 100) AS BIGINT), 0)
           ELSE 0 END)
FROM (SELECT task_id{user_key}, SUM(minutes) AS minutes, SUM(billed_minutes) AS billed,
             SUM(cost_minute_cents) AS cost
      FROM time_totals WHERE month >= :a AND month <= :b {where} GROUP BY task_id{user_key}) p
JOIN tasks t ON t.id = p.task_id JOIN types_of_work w ON w.id = t.type_of_work_id
JOIN projects pr ON pr.id = t.project_id {outer}
GROUP BY t.project_id
"""
ESTIMATES_BY_PROJECT = """
SELECT t.project_id, SUM(COALESCE(t.estimated_time, 0)) FROM tasks t
JOIN projects pr ON pr.id = t.project_id {outer} GROUP BY t.project_id
"""
SCAN_BY_PROJECT = """
SELECT t.project_id, SUM(e.minutes) FROM day_records e JOIN tasks t ON t.id = e.task_id
JOIN projects pr ON pr.id = t.project_id
WHERE e.date >= :a AND e.date <= :b {where} GROUP BY t.project_id
"""


def scoped_manager(admin: Client, built: dict) -> tuple[dict, list[int], list[int]]:
    """A manager with a team of 500 users and a scope of 25 customers (made again on a reused
    database); its credentials."""
    found = admin.ok("get", "/api/v1/users?username=manager")["items"]
    if found:
        uid = found[0]["id"]
    else:
        user = admin.ok(
            "post",
            "/api/v1/users",
            {"username": "manager", "password": PASSWORD, "firstName": "M", "lastName": "Gr"},
        )
        uid = user["id"]
    admin.ok(
        "put",
        f"/api/v1/users/{uid}/permissions",
        {"permissions": ["modifyApproveTimeTrack", "manageCostBilling"]},
    )
    team = built["users"][::2]
    admin.ok("put", f"/api/v1/users/{uid}/team", {"userIds": team})
    customers = [c["id"] for c in admin.ok("get", "/api/v1/customers?sort=name")["items"]][::2]
    admin.ok("put", f"/api/v1/users/{uid}/scope", {"customerIds": customers})
    token = base64.b64encode(f"manager:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}, team, customers


def report(label: str, api_time: float, baselines: list[tuple[str, float]], target: str) -> None:
    parts = [f"api {api_time * 1000:7.1f} ms"]
    for name, seconds in baselines:
        parts.append(f"{name} {seconds * 1000:7.1f} ms ({api_time / seconds:4.2f}x)")
    print(f"{label:42} " + "   ".join(parts) + f"   [{target}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL or SQLite file (default: a temporary file)")
    parser.add_argument("--reuse", action="store_true", help="--db already holds the dataset")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each question (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "totals.db")
        if args.reuse:
            from timetracker.startup import prepare_database

            prepare_database({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})  # migrates
            engine = create_engine(normalize_url(db))
            with engine.connect() as conn:
                users = list(
                    conn.execute(
                        text("SELECT id FROM users WHERE username LIKE 'user%' ORDER BY id")
                    ).scalars()
                )
            built = {"users": users}
        else:
            started = time.perf_counter()
            built = build(db)
            print(
                f"dataset: {built['records']:,} records built in "
                f"{time.perf_counter() - started:.1f} s (totals kept by triggers on each insert)"
            )
            engine = create_engine(normalize_url(db))
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT COUNT(*) FROM time_totals")).scalar_one()
            records = conn.execute(text("SELECT COUNT(*) FROM day_records")).scalar_one()
        print(f"{records:,} records kept as {rows:,} rows of time_totals (user, task, month)")
        # The manager's keep-alive connection waits idle while the administrator's questions
        # run (seconds each on a busy machine): longer than the default 5 s the server gives
        # an idle connection to send its next request.
        with server(db, HEADER_TIMEOUT="300") as port:
            print(f"{os.cpu_count()} CPUs shared by server and client; granian 8 threads")
            admin = Client(port, AUTH)
            auth, team, customers = scoped_manager(admin, built)
            manager = Client(port, auth)
            for client in (admin, manager):
                client.send("GET", "/api/v1/users/me")
            floor, _ = median_time(lambda: admin.send("GET", "/api/v1/users/me"), 50)
            print(f"fixed cost of an authenticated request (GET /users/me): {floor * 1000:.2f} ms")

            year = {"a": YEAR[0], "b": YEAR[1]}
            months = {"a": "2025-01-01", "b": "2025-12-01"}
            path = f"/api/v1/timetrack/totals?dateFrom={YEAR[0]}&dateTo={YEAR[1]}&groupBy=project"

            def api(client, question):
                def run():
                    return client.ok("get", question)

                return run

            def check(answer, rows_sql):
                api_sums = {
                    g["projectId"]: g["totals"]["totalMinutes"]
                    for g in answer["groups"]
                    if g["totals"]["totalMinutes"]  # (projects with estimates and no time)
                }
                assert api_sums == {r[0]: r[1] for r in rows_sql if r[1]}, "different numbers"

            for label, client, where_scan, where_kept, outer, user_key in (
                ("year by project, administrator", admin, "", "", "", ""),
                (
                    "year by project, scoped manager",
                    manager,
                    f"AND e.user_id IN ({','.join(map(str, team))}) "
                    f"AND pr.customer_id IN ({','.join(map(str, customers))})",
                    f"AND user_id IN ({','.join(map(str, team))})",
                    f"WHERE pr.customer_id IN ({','.join(map(str, customers))})",
                    ", user_id",
                ),
            ):
                api_run = api(client, path)
                api_run()
                api_time, answer = median_time(api_run, args.repeat)
                kept_sql = KEPT_BY_PROJECT.format(where=where_kept, outer=outer, user_key=user_key)
                estimates_sql = ESTIMATES_BY_PROJECT.format(outer=outer)

                def aggregate(kept_sql=kept_sql, estimates_sql=estimates_sql):
                    with engine.connect() as conn:
                        rows = conn.execute(text(kept_sql), months).all()
                        conn.execute(text(estimates_sql)).all()
                    return rows

                kept_time, kept_rows = median_time(aggregate, args.repeat)
                scan_sql = SCAN_BY_PROJECT.format(where=where_scan)
                scan_time, scan_rows = median_time(plain(engine, scan_sql, year), 3)
                check(answer, scan_rows)
                check(answer, [(r[0], r[1]) for r in kept_rows])
                report(
                    label,
                    api_time,
                    [("same aggregate, plain SQL", kept_time), ("scan of records", scan_time)],
                    "<= 150 ms, <= 1.5x the aggregate",
                )

            user = built["users"][len(built["users"]) // 2]
            one = api(
                admin, f"/api/v1/timetrack/totals?userIds={user}&dateFrom=2025-06-01"
                "&dateTo=2025-06-30"
            )  # fmt: skip
            one()
            one_time, _ = median_time(one, 50)
            one_sql = (
                "SELECT SUM(minutes) FROM time_totals WHERE user_id = :u AND month = '2025-06-01'"
            )
            one_plain, _ = median_time(plain(engine, one_sql, {"u": user}), 50)
            report(
                "one user, one month",
                one_time,
                [("GET /users/me", floor), ("plain SQL", one_plain)],
                "<= 2x GET /users/me",
            )
            quarter = api(
                admin,
                "/api/v1/timetrack/totals?dateFrom=2025-03-17&dateTo=2025-06-12&groupBy=user,month",
            )
            quarter()
            quarter_time, answer = median_time(quarter, args.repeat)
            # The same numbers from the same SQL, run here: whole months from the kept totals,
            # the days around them from the records, leave beside work.
            question = totals_store.Query(
                group_by=("user", "month"),
                date_from=dt.date(2025, 3, 17),
                date_to=dt.date(2025, 6, 12),
                money=True,
            )

            def same_sql():
                with engine.connect() as conn:
                    rows = totals_store.time_totals_of(conn, question)
                    totals_store.leave(conn, question)
                return rows

            same_time, rows = median_time(same_sql, args.repeat)
            assert answer["totals"]["totalMinutes"] == sum(r["minutes"] for r in rows)
            report(
                f"mid-month quarter by user, month ({len(answer['groups'])} groups)",
                quarter_time,
                [("the same SQL, run here", same_time)],
                "<= 1.5x",
            )
        engine.dispose()


if __name__ == "__main__":
    main()
