"""Importing 100,000 Toggl Track entries through the real server.

    python bench/bench_foreign_import.py [--users 200] [--lines 100000] [--repeat 3]

Builds, in a temporary SQLite file, the catalogue of ``timetrack_dataset.py`` (50 customers x 10
projects x 10 tasks) and ``--users`` users (with emails), each assigned to two projects, with no
time yet. The file is a Toggl Track detailed report export (its columns as
``tests/fixtures/imports/toggl.csv``): for every user, two timed entries a working day of 2024
(09:00 plus a few minutes for up to 90 minutes, then 13:00 for up to 3 hours; a description,
billable, a tag on every fifth) on two of the user's tasks, until it has ``--lines`` lines. Then,
as the administrator, through ``timetracker serve``:

- ``POST /api/v1/imports/toggl`` of the file (every entry new);
- the same file again: every line imported before, nothing created (the re-run's cost).

The baseline is measured in the same run: the same entries, their day records and their source
keys inserted with plain ``executemany`` (SQLAlchemy Core, one transaction) in this process into
a copy of the database as it was before the import. Target: the import within 10 s. Each figure
is the median of ``--repeat`` runs, each on a fresh copy of the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import server  # noqa: E402
from bench_import import checkpoint, company, fresh_copy, post_csv  # noqa: E402
from timetrack_dataset import PASSWORD, working_days  # noqa: E402

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402
from timetracker.store import schema as t  # noqa: E402
from timetracker.store.db import make_engine, write_transaction  # noqa: E402
from timetracker.store.util import now_ms  # noqa: E402

HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount (USD)"
)


def build(db: str, users: int, lines: int, seed: int = 1) -> tuple[bytes, list[dict]]:
    """Fill an empty database; the Toggl file, and its entries as table rows."""
    rng = random.Random(seed)
    prepare_database({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    app = create_app({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    engine = app.extensions["timetracker"]["engine"]
    with engine.begin() as conn:
        user_ids, assigned, names = company(conn, users)
        people = {
            user_id: (f"{first} {last}", email)
            for user_id, first, last, email in conn.execute(
                select(t.users.c.id, t.users.c.first_name, t.users.c.last_name, t.users.c.email)
            )
        }
        zone = zoneinfo.ZoneInfo(
            conn.execute(
                select(t.time_zone_groups.c.time_zone_id).where(t.time_zone_groups.c.id == -1)
            ).scalar_one()
        )
    engine.dispose()
    csv_lines, rows = [HEADER], []
    for day in working_days(2024):
        for user_id in user_ids:
            for slot, task_id in enumerate(rng.sample(assigned[user_id], 2)):
                start = dt.datetime.combine(day, dt.time(9 if slot == 0 else 13, rng.randint(0, 9)))
                end = start + dt.timedelta(minutes=rng.randint(15, 90 if slot == 0 else 180))
                customer, project, task = names[task_id]
                name, email = people[user_id]
                billable = rng.random() < 0.7
                tag = "review" if len(rows) % 5 == 0 else ""
                description = f"Work item {len(rows)}"
                csv_lines.append(
                    f"{name},{email},{customer},{project},{task},{description},"
                    f"{'Yes' if billable else 'No'},{day},{start:%H:%M:%S},{day},{end:%H:%M:%S},"
                    f"{end - start},{tag},"
                )
                started = int(start.replace(tzinfo=zone).timestamp() * 1000)
                ended = int(end.replace(tzinfo=zone).timestamp() * 1000)
                rows.append(
                    {
                        "user_id": user_id,
                        "task_id": task_id,
                        "date": day,
                        "started": started,
                        "ended": ended,
                        "minutes": (ended - started) // 60_000,
                        "description": description,
                        "billable": billable,
                    }
                )
                if len(rows) == lines:
                    return ("\n".join(csv_lines) + "\n").encode(), rows
    raise SystemExit(f"{users} users fill only {len(rows)} lines in 2024: ask for fewer lines")


def plain_executemany(pristine: str, work: str, rows: list[dict]) -> float:
    """The same entries, their day records and source keys, each inserted with one executemany
    into a fresh copy, in this process, on a connection configured as the server's."""
    fresh_copy(pristine, work)
    engine = make_engine(work)
    try:
        with engine.connect():
            pass  # the pool holds a connection before the clock starts, as the server's does
        started = time.perf_counter()
        now = now_ms()
        records: dict[tuple, int] = {}
        for row in rows:
            key = (row["user_id"], row["date"], row["task_id"])
            records[key] = records.get(key, 0) + row["minutes"]
        with write_transaction(engine) as conn:
            ids = (
                conn.execute(
                    insert(t.time_entries).returning(
                        t.time_entries.c.id, sort_by_parameter_order=True
                    ),
                    [{**row, "created": now, "modified": now} for row in rows],
                )
                .scalars()
                .all()
            )
            conn.execute(
                insert(t.day_records),
                [
                    {"user_id": u, "date": d, "task_id": k, "minutes": m}
                    for (u, d, k), m in records.items()
                ],
            )
            conn.execute(
                insert(t.imported_entries),
                [{"source": "toggl", "source_key": f"{i:032x}", "time_entry_id": i} for i in ids],
            )
        elapsed = time.perf_counter() - started
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(t.time_entries)).scalar_one()
            assert count == len(rows), count
        return elapsed
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each figure (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pristine, work = str(Path(tmp) / "pristine.db"), str(Path(tmp) / "work.db")
        started = time.perf_counter()
        body, rows = build(pristine, args.users, args.lines)
        checkpoint(pristine)
        print(
            f"dataset: {args.users} users, 5000 tasks; Toggl CSV of {len(rows):,} lines, "
            f"{len(body) / 1e6:.1f} MB, built in {time.perf_counter() - started:.1f} s"
        )
        print(f"{os.cpu_count()} CPUs shared by server and client; load {os.getloadavg()}")
        path = "/api/v1/imports/toggl"
        imports, again = [], []
        for _ in range(args.repeat):
            fresh_copy(pristine, work)
            with server(work) as port:
                first, s1, b1 = post_csv(port, path, body)
                second, s2, b2 = post_csv(port, path, body)
            assert s1 == 200 and b1["entriesCreated"] == len(rows), (s1, str(b1)[:300])
            assert b1["minutesCreated"] == sum(r["minutes"] for r in rows), b1
            assert s2 == 200 and b2["alreadyImported"] == len(rows), (s2, str(b2)[:300])
            imports.append(first)
            again.append(second)
        baseline = statistics.median(
            plain_executemany(pristine, work, rows) for _ in range(args.repeat)
        )
        imported = statistics.median(imports)
        print(
            f"import {len(rows):,} Toggl entries   {imported:6.2f} s   plain executemany "
            f"{baseline:5.2f} s   ratio {imported / baseline:4.1f}   (target <= 10 s)"
        )
        print(f"again (every line imported before)  {statistics.median(again):6.2f} s")
        print(f"runs: {', '.join(f'{x:.2f}' for x in imports)} s; load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
