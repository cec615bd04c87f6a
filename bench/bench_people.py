"""Listing 1000 users and 1000 tasks as a manager with a scoped team, on 10,000 users and 20,000
tasks, through the real server; against the same rows fetched with one plain SQL query and
json.dumps in this process. Target: under 4x the baseline.

    python bench/bench_people.py [--repeat 15] [--db postgresql://...]

The manager holds Modify & Approve Users' Time-Track and Manage Scope of Work, has 2,000 users
as assigned team and 25 of the 50 customers (10,000 tasks) as scope of work. The script also
counts the SQL statements one list request runs (in-process), to show that nothing runs a
query per row.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import event, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auth import PASSWORD, server  # noqa: E402
from timetrack_dataset import catalogue  # noqa: E402

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402
from timetracker.store import schema as t  # noqa: E402
from timetracker.store.util import name_key, now_ms  # noqa: E402

USERS, CUSTOMERS, PROJECTS_PER_CUSTOMER, TASKS_PER_PROJECT = 10_000, 50, 20, 20
TEAM, SCOPE_CUSTOMERS = 2_000, 25
MANAGER = "manager"


def build(db: str) -> None:
    """Bulk-load the company (every bench user shares one precomputed password hash)."""
    prepare_database({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    app = create_app({"DATABASE_URL": db, "ADMIN_PASSWORD": PASSWORD})
    engine = app.extensions["timetracker"]["engine"]
    with engine.begin() as conn:
        admin_hash = conn.execute(select(t.users.c.password_hash)).scalar_one()
        now = now_ms()
        departments = [
            {"name": f"Department {i}", "name_key": f"department {i}", "is_default": False}
            for i in range(20)
        ]
        conn.execute(insert(t.departments), departments)
        dept_ids = list(conn.execute(select(t.departments.c.id)).scalars())
        users = []
        for i in range(USERS):
            first, last = f"First{i % 97}", f"Last{i:05d}"
            username = MANAGER if i == 0 else f"user{i:05d}"
            users.append(
                {
                    "username": username,
                    "username_key": username,
                    "password_hash": admin_hash,
                    "first_name": first,
                    "last_name": last,
                    "name_key": name_key(f"{first} {last}"),
                    "email": f"{username}@example.com",
                    "active": True,
                    "created": now,
                    "department_id": dept_ids[i % len(dept_ids)],
                    "time_zone_group_id": -1,
                }
            )
        conn.execute(insert(t.users), users)
        manager_id = conn.execute(
            select(t.users.c.id).where(t.users.c.username == MANAGER)
        ).scalar_one()
        conn.execute(
            insert(t.user_permissions),
            [
                {"user_id": manager_id, "permission": p}
                for p in ("modifyApproveTimeTrack", "manageScopeOfWork", "enterTimeTrack")
            ],
        )
        member_ids = (
            conn.execute(
                select(t.users.c.id)
                .where(t.users.c.id != manager_id)
                .order_by(t.users.c.id)
                .limit(TEAM)
            )
            .scalars()
            .all()
        )
        conn.execute(
            insert(t.team_members), [{"manager_id": manager_id, "member_id": m} for m in member_ids]
        )

        catalogue(conn, now, CUSTOMERS, PROJECTS_PER_CUSTOMER, TASKS_PER_PROJECT)
        customer_ids = (
            conn.execute(select(t.customers.c.id).order_by(t.customers.c.id)).scalars().all()
        )
        conn.execute(
            insert(t.scope_items),
            [{"user_id": manager_id, "customer_id": c} for c in customer_ids[:SCOPE_CUSTOMERS]],
        )
    engine.dispose()


def baseline_queries(manager_id: int):
    """The same rows as the API lists, in one plain SQL statement each."""
    users = text(
        "SELECT id, first_name, middle_name, last_name, active, department_id, "
        "time_zone_group_id FROM users WHERE id = :me OR id IN "
        "(SELECT member_id FROM team_members WHERE manager_id = :me) ORDER BY id LIMIT 1000"
    ).bindparams(me=manager_id)
    tasks = text(
        "SELECT t.id, t.name, t.description, t.created, ws.type AS status, "
        "t.workflow_status_id, ws.name AS workflow_status_name, t.type_of_work_id, "
        "tw.name AS type_of_work_name, t.deadline, t.estimated_time, p.customer_id, "
        "c.name AS customer_name, t.project_id, p.name AS project_name "
        "FROM tasks t JOIN projects p ON p.id = t.project_id "
        "JOIN customers c ON c.id = p.customer_id "
        "JOIN workflow_statuses ws ON ws.id = t.workflow_status_id "
        "JOIN types_of_work tw ON tw.id = t.type_of_work_id "
        "WHERE p.customer_id IN (SELECT customer_id FROM scope_items WHERE user_id = :me) "
        "ORDER BY t.id LIMIT 1000"
    ).bindparams(me=manager_id)
    return {"/api/v1/users?limit=1000": users, "/api/v1/tasks?limit=1000": tasks}


def time_baseline(engine, query, repeat: int) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        json.dumps({"offset": 0, "limit": 1000, "items": rows}, default=str)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(rows)


def time_server(port: int, path: str, repeat: int) -> tuple[float, int]:
    import base64

    auth = "Basic " + base64.b64encode(f"{MANAGER}:{PASSWORD}".encode()).decode()
    times = []
    for _ in range(repeat):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Authorization": auth}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.loads(response.read())
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(body["items"])


def statements_per_request(db: str, path: str) -> int:
    import base64

    app = create_app(
        {"DATABASE_URL": db, "RATELIMIT_PER_SECOND": 10**9, "RATELIMIT_PER_MINUTE": 10**9}
    )
    engine = app.extensions["timetracker"]["engine"]
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    auth = {"Authorization": "Basic " + base64.b64encode(f"{MANAGER}:{PASSWORD}".encode()).decode()}
    client = app.test_client()
    client.get(path, headers=auth)  # warm the verification cache
    event.listen(engine, "before_cursor_execute", counter)
    assert client.get(path, headers=auth).status_code == 200
    event.remove(engine, "before_cursor_execute", counter)
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--db", help="database URL (default: a temporary SQLite file); must be empty"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "people.db")
        started = time.perf_counter()
        build(db)
        print(
            f"built {USERS} users, {CUSTOMERS * PROJECTS_PER_CUSTOMER * TASKS_PER_PROJECT} "
            f"tasks in {time.perf_counter() - started:.1f} s"
        )
        app = create_app({"DATABASE_URL": db})
        engine = app.extensions["timetracker"]["engine"]
        with engine.connect() as conn:
            manager_id = conn.execute(
                select(t.users.c.id).where(t.users.c.username == MANAGER)
            ).scalar_one()
        queries = baseline_queries(manager_id)
        with server(db) as port:
            for path, query in queries.items():
                time_server(port, path, 3)  # warm-up
                api, api_rows = time_server(port, path, args.repeat)
                base, base_rows = time_baseline(engine, query, args.repeat)
                statements = statements_per_request(db, path)
                assert api_rows == base_rows == 1000, (api_rows, base_rows)
                print(
                    f"GET {path:28} api {api * 1000:6.1f} ms   plain SQL + json.dumps "
                    f"{base * 1000:5.1f} ms   ratio {api / base:4.2f} (target < 4)   "
                    f"{statements} SQL statements per request"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
