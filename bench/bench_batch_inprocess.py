"""The batch in process, without a server: CPU time per item, and a steady workload for an
instruction count.

    python bench/bench_batch_inprocess.py [--items 1000] [--runs 5]

Builds the application on a new SQLite file (the production configuration, the throttle
raised), with a customer, a project and a task the administrator is assigned to, sends one
warm-up batch and then ``--runs`` batches of ``--items`` time-track PATCHes (each item its own
rules, permission check and savepoint) through Flask's test client, and prints items/s and CPU
microseconds per item of each run.

CPU time on a shared machine moves by a third from one minute to the next. Instructions do not:
under ``valgrind --tool=cachegrind --cache-sim=no``, the count of a run of ``--runs 3`` minus
that of ``--runs 1`` is the instructions of two batches (with ``PYTHONHASHSEED=0``). With
``PYTHONPATH`` set to another checkout (a ``git worktree``), the same script measures that
checkout's code.
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

if "PYTHONPATH" not in os.environ:  # this checkout's code, not an installed copy
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timetracker import create_app  # noqa: E402
from timetracker.startup import prepare_database  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:manager").decode()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = {
            "DATABASE_URL": f"sqlite:///{tmp}/batch.db",
            "ADMIN_PASSWORD": "manager",
            "RATELIMIT_PER_SECOND": 10_000_000,
            "RATELIMIT_PER_MINUTE": 10_000_000,
        }
        prepare_database(settings)
        app = create_app(settings)
        client = app.test_client()

        def api(method: str, path: str, body=None):
            response = client.open(f"/api/v1/{path}", method=method, json=body, headers=AUTH)
            assert response.status_code == 200, (path, response.get_json())
            return response.get_json()

        customer = api("POST", "customers", {"name": "Bench"})
        project = api("POST", "projects", {"name": "P", "customerId": customer["id"]})
        task = api("POST", "tasks", {"name": "T", "projectId": project["id"]})
        me = api("GET", "users/me")
        api("PUT", f"users/{me['id']}/workAssignments", {"taskIds": [task["id"]]})

        def batch(run: int) -> tuple[float, float]:
            start = dt.date(2000, 1, 1) + dt.timedelta(days=run * args.items)
            items = [
                {
                    "method": "PATCH",
                    "relativeUrl": f"timetrack/{me['id']}/{start + dt.timedelta(days=n)}/"
                    f"{task['id']}",
                    "body": {"time": 15 + n % 8 * 15},
                }
                for n in range(args.items)
            ]
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.post("/api/v1/batch", json=items, headers=AUTH)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            answers = response.get_json()
            assert response.status_code == 200 and all(a["status"] == 200 for a in answers)
            return args.items / wall, cpu / args.items * 1e6

        batch(args.runs)  # warm-up: compiled statements, caches
        for run in range(args.runs):
            rate, cpu = batch(run)
            print(f"run {run + 1}: {rate:6.0f} items/s  {cpu:6.0f} µs CPU per item")


if __name__ == "__main__":
    main()
