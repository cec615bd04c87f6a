"""Build a realistic time-track dataset: 1,000 users, 5,000 tasks and a year of time-track.

    python bench/timetrack_dataset.py DB [--users 1000] [--year 2025]

DB is a SQLite path or a database URL (an empty database or schema). 50 customers hold 10
projects of 10 tasks each. Every user is assigned to two projects (20 tasks) and on each working
day of the year (Monday to Friday) tracks time on four of them: about 1,000 users x 261 days x
4 = 1,040,000 records. Each record also gets its one untimed entry of the same minutes (as
migration 0014 makes them, in the order of date, user and task), so that every record is the
sum of its entries. Everything goes in with bulk inserts in one transaction; every user shares
one password hash (the admin's) so that no time goes into hashing. At the end the builder checks
that no record disagrees with its entries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

import click
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402
from timetracker.store import schema as t  # noqa: E402
from timetracker.store.time_entries import disagreeing_cells  # noqa: E402
from timetracker.store.util import name_key, now_ms  # noqa: E402

PASSWORD = "bench-password"
CUSTOMERS, PROJECTS_PER_CUSTOMER, TASKS_PER_PROJECT = 50, 10, 10
PROJECTS_PER_USER, RECORDS_PER_DAY = 2, 4
CHUNK = 50_000


def working_days(year: int) -> list[dt.date]:
    day, days = dt.date(year, 1, 1), []
    while day.year == year:
        if day.isoweekday() <= 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def catalogue(
    conn,
    now: int,
    customers: int = CUSTOMERS,
    projects_per_customer: int = PROJECTS_PER_CUSTOMER,
    tasks_per_project: int = TASKS_PER_PROJECT,
) -> dict[int, list[int]]:
    """Customers, projects and tasks (bulk inserts); the task ids of each project."""
    conn.execute(
        insert(t.customers),
        [
            {
                "name": f"Customer {c}",
                "name_key": f"customer {c}",
                "archived": False,
                "created": now,
            }
            for c in range(customers)
        ],
    )
    customer_ids = conn.execute(select(t.customers.c.id).order_by(t.customers.c.id)).scalars()
    conn.execute(
        insert(t.projects),
        [
            {
                "customer_id": c,
                "name": f"Project {p}",
                "name_key": f"project {p}",
                "archived": False,
                "created": now,
            }
            for c in customer_ids
            for p in range(projects_per_customer)
        ],
    )
    project_ids = conn.execute(select(t.projects.c.id).order_by(t.projects.c.id)).scalars().all()
    conn.execute(
        insert(t.tasks),
        [
            {
                "project_id": p,
                "name": f"Task {k}",
                "name_key": f"task {k}",
                "created": now,
                "workflow_status_id": 1,
                "type_of_work_id": 1,
                "estimated_time": 600,
            }
            for p in project_ids
            for k in range(tasks_per_project)
        ],
    )
    tasks_of: dict[int, list[int]] = {p: [] for p in project_ids}
    for task_id, project_id in conn.execute(select(t.tasks.c.id, t.tasks.c.project_id)):
        tasks_of[project_id].append(task_id)
    return tasks_of


def _users(conn, count: int, password_hash: str, now: int) -> list[int]:
    conn.execute(
        insert(t.users),
        [
            {
                "username": f"user{i:04d}",
                "username_key": f"user{i:04d}",
                "password_hash": password_hash,
                "first_name": f"First{i % 97}",
                "last_name": f"Last{i:04d}",
                "name_key": name_key(f"First{i % 97} Last{i:04d}"),
                "email": f"user{i:04d}@example.com",
                "active": True,
                "created": now,
                "department_id": -1,
                "time_zone_group_id": -1,
            }
            for i in range(count)
        ],
    )
    user_ids = (
        conn.execute(
            select(t.users.c.id).where(t.users.c.username.like("user%")).order_by(t.users.c.id)
        )
        .scalars()
        .all()
    )
    conn.execute(
        insert(t.user_permissions),
        [{"user_id": u, "permission": "enterTimeTrack"} for u in user_ids],
    )
    return user_ids


def _entries(records: list[dict], now: int) -> list[dict]:
    """One untimed entry per record, ordered by date, user and task as migration 0014 orders
    them (``records`` holds whole user-days, so sorting a batch keeps the global order)."""
    return [
        {
            "user_id": r["user_id"],
            "date": r["date"],
            "task_id": r["task_id"],
            "minutes": r["minutes"],
            "created": now,
            "modified": now,
        }
        for r in sorted(records, key=lambda r: (r["date"], r["user_id"], r["task_id"]))
    ]


def _write(conn, records: list[dict], now: int) -> None:
    conn.execute(insert(t.day_records), records)
    conn.execute(insert(t.time_entries), _entries(records, now))


def build(db: str, users: int = 1000, year: int = 2025, seed: int = 1) -> dict:
    """Fill an empty database; returns what the benchmark needs to know about it."""
    rng = random.Random(seed)
    prepare_database({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    app = create_app({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    engine = app.extensions["timetracker"]["engine"]
    days = working_days(year)
    with engine.begin() as conn:
        now = now_ms()
        password_hash = conn.execute(select(t.users.c.password_hash)).scalar_one()
        tasks_of = catalogue(conn, now)
        projects = sorted(tasks_of)
        user_ids = _users(conn, users, password_hash, now)
        assigned: dict[int, list[int]] = {}
        links = []
        for index, user_id in enumerate(user_ids):
            mine = [
                projects[(index * PROJECTS_PER_USER + k) % len(projects)]
                for k in range(PROJECTS_PER_USER)
            ]
            links += [{"user_id": user_id, "project_id": p} for p in mine]
            assigned[user_id] = [task for p in mine for task in tasks_of[p]]
        conn.execute(insert(t.work_assignments), links)

        total = len(user_ids) * len(days) * RECORDS_PER_DAY
        batch: list[dict] = []
        with click.progressbar(length=total, label="Time-track records") as bar:
            for day in days:
                for user_id in user_ids:
                    for task_id in rng.sample(assigned[user_id], RECORDS_PER_DAY):
                        batch.append(
                            {
                                "user_id": user_id,
                                "date": day,
                                "task_id": task_id,
                                "minutes": 15 * rng.randint(2, 12),
                                "comment": None,
                            }
                        )
                    if len(batch) >= CHUNK:
                        _write(conn, batch, now)
                        bar.update(len(batch))
                        batch = []
            if batch:
                _write(conn, batch, now)
                bar.update(len(batch))
        disagreeing = disagreeing_cells(conn)
        assert not disagreeing, f"records that are not the sum of their entries: {disagreeing}"
    engine.dispose()
    return {
        "users": user_ids,
        "assigned": assigned,
        "days": days,
        "records": total,
        "tasks": sum(len(v) for v in tasks_of.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", help="SQLite path or database URL (empty)")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    started = time.perf_counter()
    built = build(args.db, args.users, args.year)
    print(
        f"built {len(built['users'])} users, {built['tasks']} tasks, {built['records']:,} "
        f"time-track records in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
