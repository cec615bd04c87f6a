"""Importing 100,000 time-track records from CSV through the real server.

    python bench/bench_import.py [--users 400] [--lines 100000] [--repeat 3]

Builds, in a temporary SQLite file, the catalogue of ``timetrack_dataset.py`` (50 customers x 10
projects x 10 tasks) and a few hundred users each assigned to two projects, with no time-track
yet. The CSV holds, for every user, two records a day on working days of 2024 (on two of the
user's tasks, a comment on every tenth line) until it has ``--lines`` lines. Then, as the
administrator, through ``timetracker serve``:

- ``POST /api/v1/timetrack/import`` of the file into the empty period (every record new);
- the same file with one bad line at its end: refused whole, nothing written (the checks' cost);
- the file again: every record exists, so every line adds to one (100,000 updates).

The baseline is measured in the same run: the same rows inserted with one plain ``executemany``
(SQLAlchemy Core, one transaction) in this process into a copy of the database as it was before
the import, with the one untimed entry per record that the import also writes (a second
``executemany`` in the same transaction). Target: the import within 5 s. Each figure is the
median of ``--repeat`` runs, each on a fresh copy of the database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import AUTH, server  # noqa: E402
from timetrack_dataset import PASSWORD, _entries, _users, catalogue, working_days  # noqa: E402

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402
from timetracker.store import schema as t  # noqa: E402
from timetracker.store.db import make_engine, write_transaction  # noqa: E402
from timetracker.store.util import now_ms  # noqa: E402

PROJECTS_PER_USER, RECORDS_PER_DAY = 2, 2


def company(conn, users: int) -> tuple[list[int], dict[int, list[int]], dict[int, tuple]]:
    """The catalogue and ``users`` users, each assigned to two projects: the users' ids, each
    one's tasks, and each task's (customer, project, task) names."""
    now = now_ms()
    password_hash = conn.execute(select(t.users.c.password_hash)).scalar_one()
    tasks_of = catalogue(conn, now)
    projects = sorted(tasks_of)
    user_ids = _users(conn, users, password_hash, now)
    links, assigned = [], {}
    for index, user_id in enumerate(user_ids):
        mine = [
            projects[(index * PROJECTS_PER_USER + k) % len(projects)]
            for k in range(PROJECTS_PER_USER)
        ]
        links += [{"user_id": user_id, "project_id": p} for p in mine]
        assigned[user_id] = [task for p in mine for task in tasks_of[p]]
    conn.execute(insert(t.work_assignments), links)
    names = {
        task_id: (customer, project, task)
        for task_id, customer, project, task in conn.execute(
            select(t.tasks.c.id, t.customers.c.name, t.projects.c.name, t.tasks.c.name)
            .join(t.projects, t.projects.c.id == t.tasks.c.project_id)
            .join(t.customers, t.customers.c.id == t.projects.c.customer_id)
        )
    }
    return user_ids, assigned, names


def build(db: str, users: int, lines: int, seed: int = 1) -> tuple[bytes, list[dict]]:
    """Fill an empty database; the CSV to import, and the same records as table rows."""
    rng = random.Random(seed)
    prepare_database({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    app = create_app({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    engine = app.extensions["timetracker"]["engine"]
    with engine.begin() as conn:
        user_ids, assigned, names = company(conn, users)
        usernames = dict(conn.execute(select(t.users.c.id, t.users.c.username)).all())
    engine.dispose()
    csv_lines = ["username,date,customer,project,task,minutes,comment"]
    rows: list[dict] = []
    for day in working_days(2024):
        for user_id in user_ids:
            for task_id in rng.sample(assigned[user_id], RECORDS_PER_DAY):
                minutes = 15 * rng.randint(2, 12)
                comment = f"Work item {len(rows)}" if len(rows) % 10 == 0 else ""
                customer, project, task = names[task_id]
                csv_lines.append(
                    f"{usernames[user_id]},{day},{customer},{project},{task},{minutes},{comment}"
                )
                rows.append(
                    {
                        "user_id": user_id,
                        "date": day,
                        "task_id": task_id,
                        "minutes": minutes,
                        "comment": comment or None,
                        "invoice_id": None,
                    }
                )
                if len(rows) == lines:
                    return ("\n".join(csv_lines) + "\n").encode(), rows
    raise SystemExit(f"{users} users fill only {len(rows)} lines in 2024: ask for fewer lines")


def checkpoint(db: str) -> None:
    """Fold the write-ahead log into the file, so that copying the file copies the database."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def fresh_copy(pristine: str, work: str) -> None:
    """``work`` as ``pristine`` is: the last run's write-ahead log must not come with it."""
    for suffix in ("-wal", "-shm"):
        Path(work + suffix).unlink(missing_ok=True)
    shutil.copyfile(pristine, work)


def post_csv(port: int, path: str, body: bytes) -> tuple[float, int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers={**AUTH, "Content-Type": "text/csv"})
    response = conn.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, response.status, json.loads(payload)


def through_server(pristine: str, work: str, steps) -> list[tuple[float, int, dict]]:
    """Start the server on a fresh copy of the database and send ``steps`` (paths and
    bodies) one after the other."""
    fresh_copy(pristine, work)
    with server(work) as port:
        return [post_csv(port, path, body) for path, body in steps]


def plain_executemany(pristine: str, work: str, rows: list[dict]) -> float:
    """The same rows inserted with one executemany into a fresh copy, in this process, on a
    connection configured as the server's (WAL, synchronous=NORMAL, foreign keys)."""
    fresh_copy(pristine, work)
    engine = make_engine(work)
    try:
        with engine.connect():
            pass  # the pool holds a connection before the clock starts, as the server's does
        started = time.perf_counter()
        with write_transaction(engine) as conn:
            conn.execute(insert(t.day_records), rows)
            conn.execute(insert(t.time_entries), _entries(rows, now_ms()))
        elapsed = time.perf_counter() - started
        with engine.connect() as conn:
            for table in (t.day_records, t.time_entries):
                count = conn.execute(select(func.count()).select_from(table)).scalar_one()
                assert count == len(rows), (table.name, count)
        return elapsed
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each figure (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pristine, work = str(Path(tmp) / "pristine.db"), str(Path(tmp) / "work.db")
        started = time.perf_counter()
        body, rows = build(pristine, args.users, args.lines)
        checkpoint(pristine)
        print(
            f"dataset: {args.users} users, 5000 tasks; CSV of {len(rows):,} lines, "
            f"{len(body) / 1e6:.1f} MB, built in {time.perf_counter() - started:.1f} s"
        )
        print(f"{os.cpu_count()} CPUs shared by server and client; granian 8 threads")
        path = "/api/v1/timetrack/import"
        bad = body + b"user0000,2024-02-30,Customer 0,Project 0,Task 0,60,\n"
        imports, refusals, again = [], [], []
        for _ in range(args.repeat):
            (first, s1, b1), (refused, s2, b2), (second, s3, b3) = through_server(
                pristine, work, [(path, body), (path, bad), (path, body)]
            )
            assert s1 == 200 and b1["recordsCreated"] == len(rows), (s1, str(b1)[:300])
            assert s2 == 400 and "Line " in b2["message"], (s2, str(b2)[:300])
            assert s3 == 200 and b3["recordsUpdated"] == len(rows), (s3, str(b3)[:300])
            imports.append(first)
            refusals.append(refused)
            again.append(second)
        baseline = statistics.median(
            plain_executemany(pristine, work, rows) for _ in range(args.repeat)
        )
        imported = statistics.median(imports)
        print(
            f"import {len(rows):,} new records    {imported:6.2f} s   plain executemany "
            f"{baseline:5.2f} s   ratio {imported / baseline:4.1f}   (target <= 5 s)"
        )
        print(f"refused (one bad line at the end)   {statistics.median(refusals):6.2f} s")
        print(f"again (adds to every record)        {statistics.median(again):6.2f} s")


if __name__ == "__main__":
    main()
